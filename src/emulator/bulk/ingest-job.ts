/**
 * A Bulk API 2.0 ingest job: Open → (one CSV upload) → UploadComplete → InProgress → JobComplete,
 * or Failed / Aborted. Processing starts on its own shortly after UploadComplete and writes through
 * the org 200 records at a time (10,000 per internal batch), yielding to other requests in between.
 *
 * Storage: the upload is kept as its raw bytes until processing is done (the compact form; the
 * unprocessed tail is sliced from it), and each processed record as its finished result line.
 */
import { CsvError } from 'csv-parse';
import type { OrgApi } from '../org/types.js';
import { BulkError } from './bulk-error.js';
import { CHUNK_RECORDS, formatSaveErrors, writeChunk, type IngestOperation } from './chunk-writer.js';
import { chunkLines, concatChunks } from './csv-chunks.js';
import {
  csvLine,
  dialectOf,
  quoteCell,
  type ColumnDelimiter,
  type CsvDialect,
  type LineEnding,
} from './csv-format.js';
import { bomLength, lineEndingMismatch, readUpload } from './csv-upload.js';
import { headerProblem } from './header-check.js';
import { JOB_START_DELAY_MS, pauseBetweenBatches, runSoon, yieldToIo } from './scheduling.js';
import { restTimestamp } from './timestamps.js';

export type IngestState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

export interface IngestJobSettings {
  readonly id: string;
  /** Canonical object name. */
  readonly object: string;
  readonly operation: IngestOperation;
  readonly externalIdFieldName: string | null;
  readonly assignmentRuleId: string | null;
  readonly columnDelimiter: ColumnDelimiter;
  readonly lineEnding: LineEnding;
  /** As in the request path: `62.0`. */
  readonly apiVersion: string;
  readonly createdById: string;
}

/** Salesforce's cap on the data of one job. */
export const MAX_UPLOAD_BYTES = 150 * 1024 * 1024;
const RECORDS_PER_BATCH = 10_000;

/** The create / PATCH response (no counters). */
export interface IngestJobSummary {
  id: string;
  operation: IngestOperation;
  object: string;
  createdById: string;
  createdDate: string;
  systemModstamp: string;
  state: IngestState;
  externalIdFieldName?: string;
  assignmentRuleId?: string;
  concurrencyMode: 'Parallel';
  contentType: 'CSV';
  apiVersion: number;
  contentUrl: string;
  lineEnding: LineEnding;
  columnDelimiter: ColumnDelimiter;
}

/** `GET /jobs/ingest/{id}`. */
export interface IngestJobInfo extends IngestJobSummary {
  jobType: 'V2Ingest';
  numberRecordsProcessed: number;
  numberRecordsFailed: number;
  retries: number;
  totalProcessingTime: number;
  apiActiveProcessingTime: number;
  apexProcessingTime: number;
  errorMessage?: string;
}

export class IngestJob {
  readonly createdDate: Date;
  private modstamp: Date;
  private current: IngestState = 'Open';
  private readonly dialect: CsvDialect;
  /** The upload, until nothing is left to read from it. */
  private data: Buffer | null = null;
  private uploaded = false;
  private header: string[] | null = null;
  /** The raw header line (with its line ending), for unprocessedrecords. */
  private headerText = '';
  /** Byte offset of the first record not yet processed. */
  private unprocessedFrom = 0;
  private readonly successLines: string[] = [];
  private readonly failedLines: string[] = [];
  private errorMessage: string | null = null;
  private processingMs = 0;
  constructor(
    readonly settings: IngestJobSettings,
    private readonly org: OrgApi,
    /** Told of each internal batch of up to 10,000 records (they count toward DailyBulkApiBatches). */
    private readonly onBatch: () => void = () => {},
  ) {
    this.createdDate = org.now();
    this.modstamp = this.createdDate;
    this.dialect = dialectOf(settings.columnDelimiter, settings.lineEnding);
  }

  get id(): string {
    return this.settings.id;
  }

  get state(): IngestState {
    return this.current;
  }

  summary(): IngestJobSummary {
    const s = this.settings;
    return {
      id: s.id,
      operation: s.operation,
      object: s.object,
      createdById: s.createdById,
      createdDate: restTimestamp(this.createdDate),
      systemModstamp: restTimestamp(this.modstamp),
      state: this.current,
      ...(s.externalIdFieldName !== null ? { externalIdFieldName: s.externalIdFieldName } : {}),
      ...(s.assignmentRuleId !== null ? { assignmentRuleId: s.assignmentRuleId } : {}),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: Number(s.apiVersion),
      contentUrl: `services/data/v${s.apiVersion}/jobs/ingest/${s.id}/batches`,
      lineEnding: s.lineEnding,
      columnDelimiter: s.columnDelimiter,
    };
  }

  info(): IngestJobInfo {
    const time = Math.round(this.processingMs);
    return {
      ...this.summary(),
      jobType: 'V2Ingest',
      numberRecordsProcessed: this.successLines.length + this.failedLines.length,
      numberRecordsFailed: this.failedLines.length,
      retries: 0,
      totalProcessingTime: time,
      apiActiveProcessingTime: time,
      apexProcessingTime: 0,
      ...(this.errorMessage !== null ? { errorMessage: this.errorMessage } : {}),
    };
  }

  upload(body: Buffer): void {
    if (this.current !== 'Open') {
      throw new BulkError(
        400,
        'INVALIDJOBSTATE',
        `Job ${this.id} is ${this.current}: data can only be uploaded to an Open job`,
      );
    }
    if (this.uploaded) {
      throw new BulkError(
        400,
        'INVALIDJOBSTATE',
        `Data has already been uploaded to job ${this.id}; a job takes one upload`,
      );
    }
    if (body.length > MAX_UPLOAD_BYTES) {
      throw new BulkError(
        400,
        'API_ERROR',
        `The upload exceeds the maximum of ${MAX_UPLOAD_BYTES} bytes per job`,
      );
    }
    this.data = body;
    this.uploaded = true;
    this.unprocessedFrom = bomLength(body);
    this.touch();
  }

  /** PATCH `{"state":"UploadComplete"}`. */
  close(): void {
    if (this.current !== 'Open') {
      throw new BulkError(
        400,
        'INVALIDJOBSTATE',
        `Job ${this.id} is ${this.current}: only an Open job can be closed`,
      );
    }
    this.setState('UploadComplete');
    runSoon(
      JOB_START_DELAY_MS,
      () => this.process(),
      (error) => this.fail(internalFailure(error)),
    );
  }

  /** PATCH `{"state":"Aborted"}`: processing stops before its next chunk. */
  abort(): void {
    if (this.current !== 'Open' && this.current !== 'UploadComplete' && this.current !== 'InProgress') {
      throw new BulkError(
        400,
        'INVALIDJOBSTATE',
        `Job ${this.id} is ${this.current} and can no longer be aborted`,
      );
    }
    this.setState('Aborted');
  }

  /** Salesforce deletes only jobs that are not being uploaded to or processed. */
  assertDeletable(): void {
    if (this.current === 'Open' || this.current === 'InProgress') {
      throw new BulkError(
        400,
        'INVALIDJOBSTATE',
        `Job ${this.id} is ${this.current} and cannot be deleted; abort it first`,
      );
    }
  }

  /** After DELETE: a job still waiting to start never starts. */
  discard(): void {
    if (this.current === 'UploadComplete') this.setState('Aborted');
    this.data = null;
  }

  successfulResults(): Iterable<string> {
    return chunkLines(this.resultHeader('"sf__Created"'), this.successLines, this.dialect.eol);
  }

  failedResults(): Iterable<string> {
    return chunkLines(this.resultHeader('"sf__Error"'), this.failedLines, this.dialect.eol);
  }

  /** The header line and the rows never processed, as uploaded. */
  unprocessedRecords(): Iterable<string | Buffer> {
    const rest = this.data === null ? Buffer.alloc(0) : this.data.subarray(this.unprocessedFrom);
    return concatChunks(this.headerText, rest);
  }

  private resultHeader(second: string): string {
    const d = this.dialect.delimiter;
    const base = `"sf__Id"${d}${second}`;
    return this.header === null ? base : base + d + csvLine(this.header, d);
  }

  private async process(): Promise<void> {
    if (this.current !== 'UploadComplete') return; // aborted or deleted while waiting
    this.setState('InProgress');
    const started = performance.now();
    try {
      const failure = await this.consume();
      if (failure !== null) this.fail(failure);
      else if (this.is('InProgress')) this.setState('JobComplete');
    } catch (error) {
      this.fail(error instanceof CsvError ? `ClientInputError : ${error.message}` : internalFailure(error));
    } finally {
      this.processingMs += performance.now() - started;
      if (this.is('JobComplete')) this.data = null; // every record was processed
    }
  }

  /** Reads and writes every record; returns a job-level failure message, or null. */
  private async consume(): Promise<string | null> {
    const data = this.data;
    const object = this.org.schema.object(this.settings.object);
    if (object === undefined) return `InvalidJob : Unable to find object: ${this.settings.object}`;
    if (data === null) return 'ClientInputError : No data was uploaded to this job';
    let rows: string[][] = [];
    let rowsEnd = 0;
    let inBatch = 0;
    for await (const { cells, end } of readUpload(data, this.dialect.delimiter)) {
      if (this.header === null) {
        // Kept even when refused: result files then still name the uploaded columns.
        this.header = cells;
        this.headerText = data.toString('utf8', this.unprocessedFrom, end);
        this.unprocessedFrom = end;
        const problem =
          lineEndingMismatch(data, end, this.settings.lineEnding) ?? headerProblem(object, cells);
        if (problem !== null) return problem;
        continue;
      }
      rows.push(cells);
      rowsEnd = end;
      if (rows.length < CHUNK_RECORDS) continue;
      if (!this.write(rows, rowsEnd)) return null;
      rows = [];
      inBatch += CHUNK_RECORDS;
      if (inBatch >= RECORDS_PER_BATCH) {
        this.onBatch();
        inBatch = 0;
        await pauseBetweenBatches();
      } else {
        await yieldToIo();
      }
      if (!this.is('InProgress')) return null; // aborted meanwhile
    }
    if (this.header === null) return 'ClientInputError : No data was uploaded to this job';
    if (rows.length > 0 && !this.write(rows, rowsEnd)) return null;
    if (inBatch > 0 || rows.length > 0) this.onBatch();
    return null;
  }

  /** One chunk through the org; false when the job was aborted and nothing was written. */
  private write(rows: readonly string[][], end: number): boolean {
    if (this.current !== 'InProgress' || this.header === null) return false;
    const results = writeChunk(this.org, this.settings, this.header, rows);
    const d = this.dialect.delimiter;
    const insert = this.settings.operation === 'insert';
    for (let i = 0; i < rows.length; i++) {
      const result = results[i];
      const original = csvLine(rows[i] ?? [], d);
      const id = quoteCell(result?.id ?? '');
      if (result?.success === true) {
        const created = insert || result.created === true ? '"true"' : '"false"';
        this.successLines.push(id + d + created + d + original);
      } else {
        const errors = result?.errors ?? [
          { statusCode: 'UNKNOWN_EXCEPTION', message: 'no result', fields: [] },
        ];
        this.failedLines.push(id + d + quoteCell(formatSaveErrors(errors)) + d + original);
      }
    }
    this.unprocessedFrom = end;
    this.touch();
    return true;
  }

  private fail(message: string): void {
    if (this.current === 'Aborted') return;
    this.errorMessage = message;
    this.setState('Failed');
  }

  /** A method, not a comparison, so TypeScript does not carry narrowing across awaits and calls. */
  private is(state: IngestState): boolean {
    return this.current === state;
  }

  private setState(state: IngestState): void {
    this.current = state;
    this.touch();
  }

  private touch(): void {
    this.modstamp = this.org.now();
  }
}

function internalFailure(error: unknown): string {
  return `InternalServerError : ${error instanceof Error ? error.message : String(error)}`;
}
