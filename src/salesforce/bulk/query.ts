/**
 * Bulk API 2.0 query: create the job (query or queryAll), poll until it completes, then stream the
 * CSV result pages. Each page is one HTTP response parsed as it arrives (csv-read.ts); the next page's
 * locator arrives in the `Sforce-Locator` header, and the literal string `null` marks the last page.
 * Every page repeats the header row, so each is parsed on its own. Cells are text (`"true"`,
 * `"12.5"`, ISO dates); empty cells are null. Typing values is the caller's job (it has describe).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { InvariantError, UnrecoverableError } from '../../errors/index.js';
import type { ApiContext } from '../api-context.js';
import type { PollOptions } from '../http/backoff.js';
import { headerValue } from '../http/transport.js';
import { soqlText, type SoqlLike } from '../soql.js';
import type { CsvRecord } from '../types.js';
import { readCsvResource } from './csv-read.js';
import {
  JobInfoSchema,
  deleteJob,
  getJobInfo,
  jobError,
  jobPath,
  setJobState,
  waitForJob,
  type JobInfo,
} from './job.js';

export interface BulkQueryOptions {
  /** Include deleted and archived rows (operation `queryAll`). */
  readonly scanAll?: boolean | undefined;
  /** Rows per result page (`maxRecords`); default: Salesforce decides. */
  readonly maxRecordsPerPage?: number | undefined;
  readonly poll?: Partial<PollOptions> | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface ResultPageInfo {
  /** Page number, from 1. */
  readonly page: number;
  /** The locator this page was fetched with (undefined for the first). */
  readonly locator: string | undefined;
  /** The next page's locator, or null after the last page. */
  readonly nextLocator: string | null;
  /** `Sforce-NumberOfRecords` when sent. */
  readonly records: number | undefined;
}

export interface RecordsOptions {
  /** Resume from a page locator saved from `onPage`. */
  readonly locator?: string | undefined;
  /** Called when a page's headers arrive, before its rows. */
  readonly onPage?: ((page: ResultPageInfo) => void) | undefined;
}

/** A created query job. `for await (const row of job)` waits for it and streams every row. */
export class BulkQueryJob implements AsyncIterable<CsvRecord> {
  readonly id: string;
  readonly #ctx: ApiContext;
  readonly #options: BulkQueryOptions;
  #completed: JobInfo | undefined;

  private constructor(ctx: ApiContext, id: string, options: BulkQueryOptions) {
    this.#ctx = ctx;
    this.id = id;
    this.#options = options;
  }

  /** `POST /jobs/query`. Unsupported queries (aggregates, subqueries, compound fields) fail here. */
  static async create(
    ctx: ApiContext,
    soql: SoqlLike,
    options: BulkQueryOptions = {},
  ): Promise<BulkQueryJob> {
    const operation = options.scanAll ? 'queryAll' : 'query';
    const info = await ctx.transport.json(
      {
        method: 'POST',
        path: jobPath(ctx, 'query'),
        body: {
          json: {
            operation,
            query: soqlText(soql),
            contentType: 'CSV',
            columnDelimiter: 'COMMA',
            lineEnding: 'LF',
          },
        },
        // A duplicate query job only reads: safe to resend.
        idempotent: true,
        context: `create Bulk ${operation} job`,
        signal: options.signal,
      },
      JobInfoSchema,
    );
    ctx.logger.info({ jobId: info.id, operation, object: info.object }, 'Bulk query job created');
    return new BulkQueryJob(ctx, info.id, options);
  }

  static attach(ctx: ApiContext, id: string, options: BulkQueryOptions = {}): BulkQueryJob {
    jobPath(ctx, 'query', id);
    return new BulkQueryJob(ctx, id, options);
  }

  info(): Promise<JobInfo> {
    return getJobInfo(this.#ctx, 'query', this.id, this.#options.signal);
  }

  /** Polls until JobComplete; a Failed or Aborted job throws its mapped error. */
  async wait(): Promise<JobInfo> {
    if (this.#completed) return this.#completed;
    const poll = { ...this.#ctx.poll, ...this.#options.poll };
    const info = await waitForJob(this.#ctx, 'query', this.id, poll, this.#options.signal);
    if (info.state !== 'JobComplete') throw jobError('query', info);
    this.#completed = info;
    return info;
  }

  abort(): Promise<JobInfo> {
    return setJobState(this.#ctx, 'query', this.id, 'Aborted', this.#options.signal);
  }

  delete(): Promise<void> {
    return deleteJob(this.#ctx, 'query', this.id, this.#options.signal);
  }

  /** Waits for the job, then yields every row of every page, streamed. */
  async *records(options: RecordsOptions = {}): AsyncGenerator<CsvRecord, void, undefined> {
    await this.wait();
    const maxRecords = this.#options.maxRecordsPerPage;
    if (maxRecords !== undefined && (!Number.isInteger(maxRecords) || maxRecords < 1)) {
      throw new InvariantError(`maxRecordsPerPage must be a positive integer, got ${maxRecords}`);
    }
    let locator = options.locator;
    for (let page = 1; ; page++) {
      let next: string | null | undefined;
      const onHeaders = (headers: IncomingHttpHeaders): void => {
        next = nextLocator(headers, this.id, page);
        const count = Number(headerValue(headers['sforce-numberofrecords']));
        options.onPage?.({
          page,
          locator,
          nextLocator: next,
          records: Number.isFinite(count) ? count : undefined,
        });
      };
      yield* readCsvResource(
        this.#ctx,
        {
          method: 'GET',
          path: `${jobPath(this.#ctx, 'query', this.id)}/results`,
          query: { locator, maxRecords },
          context: `results page ${page} of Bulk query job ${this.id}`,
          signal: this.#options.signal,
        },
        { emptyAsNull: true, onHeaders },
      );
      if (next === null || next === undefined) return;
      locator = next;
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<CsvRecord, void, undefined> {
    return this.records();
  }
}

/** `Sforce-Locator`: the next page's locator, or null when it is the string `null`. */
export function nextLocator(headers: IncomingHttpHeaders, jobId: string, page: number): string | null {
  const value = headerValue(headers['sforce-locator']);
  if (value === undefined) {
    // Looping without a locator would re-read page 1 forever; stopping could lose rows. Fail loudly.
    throw new UnrecoverableError(
      `Bulk query job ${jobId} page ${page}: response has no Sforce-Locator header`,
      {
        code: 'UNEXPECTED_RESPONSE',
      },
    );
  }
  const trimmed = value.trim();
  return trimmed === 'null' || trimmed === '' ? null : trimmed;
}
