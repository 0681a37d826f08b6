/**
 * A Bulk API 2.0 query job: UploadComplete → InProgress → JobComplete (or Failed / Aborted). The
 * query was compiled when the job was created (so bad SOQL is a 400 there, as in Salesforce); the
 * cursor is opened shortly after, and results are served from it page by page, each page streamed.
 */
import type { OrgApi, QueryCursor } from '../org/types.js';
import type { CompiledQuery } from '../soql/types.js';
import { BulkError } from './bulk-error.js';
import { dialectOf, type ColumnDelimiter, type CsvDialect, type LineEnding } from './csv-format.js';
import { decodeLocator, encodeLocator } from './locator.js';
import { queryCsvChunks } from './query-csv.js';
import { JOB_START_DELAY_MS, runSoon } from './scheduling.js';
import { restTimestamp } from './timestamps.js';

export type QueryOperation = 'query' | 'queryAll';
export type QueryState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

export interface QueryJobSettings {
  readonly id: string;
  readonly operation: QueryOperation;
  readonly query: CompiledQuery;
  readonly columnDelimiter: ColumnDelimiter;
  readonly lineEnding: LineEnding;
  readonly apiVersion: string;
  readonly createdById: string;
}

/**
 * Rows per results page when the client sends no maxRecords. Salesforce sizes pages by bytes (up to
 * about a gigabyte); a fixed, large row count keeps pages big enough that typical clients (jsforce
 * sends no maxRecords) read most result sets in one request, while each page is still streamed.
 */
export const DEFAULT_PAGE_ROWS = 50_000;

export interface QueryJobSummary {
  id: string;
  operation: QueryOperation;
  object: string;
  createdById: string;
  createdDate: string;
  systemModstamp: string;
  state: QueryState;
  concurrencyMode: 'Parallel';
  contentType: 'CSV';
  apiVersion: number;
  lineEnding: LineEnding;
  columnDelimiter: ColumnDelimiter;
}

export interface QueryJobInfo extends QueryJobSummary {
  jobType: 'V2Query';
  numberRecordsProcessed: number;
  retries: number;
  totalProcessingTime: number;
  isPkChunkingSupported: boolean;
}

export interface ResultsPage {
  /** Rows in this page (`Sforce-NumberOfRecords`). */
  readonly count: number;
  /** `Sforce-Locator`: the next page's locator, or the string `null` after the last page. */
  readonly locator: string;
  readonly body: Iterable<string | Buffer>;
}

export class QueryJob {
  readonly createdDate: Date;
  private modstamp: Date;
  private current: QueryState = 'UploadComplete';
  private readonly dialect: CsvDialect;
  private cursor: QueryCursor | null = null;
  private processingMs = 0;

  constructor(
    readonly settings: QueryJobSettings,
    private readonly org: OrgApi,
  ) {
    this.createdDate = org.now();
    this.modstamp = this.createdDate;
    this.dialect = dialectOf(settings.columnDelimiter, settings.lineEnding);
  }

  get id(): string {
    return this.settings.id;
  }

  get state(): QueryState {
    return this.current;
  }

  /** Starts processing shortly (the create response still says UploadComplete). */
  start(): void {
    runSoon(
      JOB_START_DELAY_MS,
      () => this.process(),
      () => this.setState('Failed'),
    );
  }

  summary(): QueryJobSummary {
    const s = this.settings;
    return {
      id: s.id,
      operation: s.operation,
      object: s.query.object.name,
      createdById: s.createdById,
      createdDate: restTimestamp(this.createdDate),
      systemModstamp: restTimestamp(this.modstamp),
      state: this.current,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(s.apiVersion),
      lineEnding: s.lineEnding,
      columnDelimiter: s.columnDelimiter,
    };
  }

  info(): QueryJobInfo {
    return {
      ...this.summary(),
      jobType: 'V2Query',
      // The CLI closes its JSON output after exactly this many rows: it must equal the row count.
      numberRecordsProcessed: this.cursor?.totalSize ?? 0,
      retries: 0,
      totalProcessingTime: Math.round(this.processingMs),
      isPkChunkingSupported: true,
    };
  }

  abort(): void {
    if (this.current !== 'UploadComplete' && this.current !== 'InProgress') {
      throw new BulkError(
        400,
        'INVALIDJOBSTATE',
        `Job ${this.id} is ${this.current} and can no longer be aborted`,
      );
    }
    this.setState('Aborted');
    this.cursor = null;
  }

  assertDeletable(): void {
    if (this.current === 'InProgress') {
      throw new BulkError(
        400,
        'INVALIDJOBSTATE',
        `Job ${this.id} is InProgress and cannot be deleted; abort it first`,
      );
    }
  }

  discard(): void {
    if (this.current === 'UploadComplete') this.setState('Aborted');
    this.cursor = null;
  }

  /**
   * One page of results. `locator` is the client's `locator` parameter (undefined for the first
   * page); `maxRecords` its page size.
   */
  page(locator: string | undefined, maxRecords: number | undefined): ResultsPage {
    const cursor = this.cursor;
    if (this.current !== 'JobComplete' || cursor === null) {
      throw new BulkError(
        412,
        'JOB_NOT_COMPLETE',
        `Job ${this.id} is ${this.current}: results are available once it is JobComplete`,
      );
    }
    const start = locator === undefined ? 0 : decodeLocator(locator);
    if (start === null)
      throw new BulkError(400, 'INVALID_QUERY_LOCATOR', `Invalid locator: ${locator ?? ''}`);
    const size = maxRecords ?? DEFAULT_PAGE_ROWS;
    const count = Math.max(0, Math.min(size, cursor.totalSize - start));
    const next = start + count;
    return {
      count,
      locator: next < cursor.totalSize ? encodeLocator(next) : 'null',
      body: queryCsvChunks({ cursor, ctx: this.org.ctx }, start, count, this.dialect),
    };
  }

  private process(): Promise<void> {
    if (this.current !== 'UploadComplete') return Promise.resolve();
    this.setState('InProgress');
    const started = performance.now();
    try {
      const cursor = this.org.openCursor(this.settings.query, {
        scanAll: this.settings.operation === 'queryAll',
      });
      if (this.is('InProgress')) {
        this.cursor = cursor;
        this.setState('JobComplete');
      }
    } catch {
      // Query jobs report no error message (jsforce: "the API doesn't return an error msg").
      this.setState('Failed');
    } finally {
      this.processingMs += performance.now() - started;
    }
    return Promise.resolve();
  }

  /** A method, not a comparison, so TypeScript does not carry narrowing across awaits and calls. */
  private is(state: QueryState): boolean {
    return this.current === state;
  }

  private setState(state: QueryState): void {
    this.current = state;
    this.modstamp = this.org.now();
  }
}
