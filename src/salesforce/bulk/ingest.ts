/**
 * Bulk API 2.0 ingest: create job → upload CSV (streamed from the caller's records) → UploadComplete
 * → poll → read successfulResults / failedResults / unprocessedrecords as streams.
 * A Failed or Aborted job is returned, not thrown: part of its data may have been applied, and the
 * three result files say which. An upload that fails aborts the job, so nothing half-uploaded runs.
 */
import { InvariantError } from '../../errors/index.js';
import type { ApiContext } from '../api-context.js';
import type { PollOptions } from '../http/backoff.js';
import { identifier } from '../soql.js';
import type { CsvRecord } from '../types.js';
import { encodeCsv, type LineEnding, type UploadRecord } from './csv-encode.js';
import { readCsvResource } from './csv-read.js';
import { toFailure, toSuccess, type IngestFailure, type IngestSuccess } from './ingest-results.js';
import {
  JobInfoSchema,
  deleteJob,
  getJobInfo,
  jobPath,
  setJobState,
  waitForJob,
  type JobInfo,
} from './job.js';

export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

/** Salesforce takes 150 MB of base64 per job, about 100 MB of CSV. */
export const MAX_UPLOAD_BYTES = 100_000_000;

export interface IngestJobOptions {
  readonly object: string;
  readonly operation: IngestOperation;
  /** Required for upsert. */
  readonly externalIdFieldName?: string | undefined;
  readonly lineEnding?: LineEnding | undefined;
  readonly assignmentRuleId?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface UploadOptions {
  /** CSV header; default: the keys of the first record (later records may not add keys). */
  readonly columns?: readonly string[] | undefined;
  readonly maxBytes?: number | undefined;
}

export interface IngestOptions extends IngestJobOptions, UploadOptions {
  readonly records: AsyncIterable<UploadRecord> | Iterable<UploadRecord>;
  readonly poll?: Partial<PollOptions> | undefined;
}

export interface IngestResult {
  readonly job: IngestJob;
  /** Final JobInfo: state JobComplete, Failed or Aborted, with record counts. */
  readonly info: JobInfo;
  /** Records uploaded. */
  readonly uploaded: number;
}

export class IngestJob {
  readonly id: string;
  readonly #ctx: ApiContext;
  readonly #lineEnding: LineEnding;
  readonly #signal: AbortSignal | undefined;

  private constructor(ctx: ApiContext, id: string, lineEnding: LineEnding, signal: AbortSignal | undefined) {
    this.#ctx = ctx;
    this.id = id;
    this.#lineEnding = lineEnding;
    this.#signal = signal;
  }

  /** `POST /jobs/ingest`. */
  static async create(ctx: ApiContext, options: IngestJobOptions): Promise<IngestJob> {
    const object = identifier(options.object);
    if (options.operation === 'upsert' && options.externalIdFieldName === undefined) {
      throw new InvariantError(`Bulk upsert of ${object} needs externalIdFieldName`);
    }
    const lineEnding = options.lineEnding ?? 'LF';
    const body: Record<string, string> = {
      object,
      operation: options.operation,
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding,
    };
    if (options.externalIdFieldName !== undefined) {
      body.externalIdFieldName = identifier(options.externalIdFieldName);
    }
    if (options.assignmentRuleId !== undefined) body.assignmentRuleId = options.assignmentRuleId;
    const info = await ctx.transport.json(
      {
        method: 'POST',
        path: jobPath(ctx, 'ingest'),
        body: { json: body },
        // A lost answer may leave an Open job behind; it does nothing without an upload and
        // Salesforce purges it, so creating again is safe.
        idempotent: true,
        context: `create Bulk ${options.operation} job for ${object}`,
        signal: options.signal,
      },
      JobInfoSchema,
    );
    ctx.logger.info({ jobId: info.id, object, operation: options.operation }, 'Bulk ingest job created');
    return new IngestJob(ctx, info.id, lineEnding, options.signal);
  }

  /** A handle on an existing job (e.g. to read results after a restart). */
  static attach(ctx: ApiContext, id: string, signal?: AbortSignal): IngestJob {
    jobPath(ctx, 'ingest', id);
    return new IngestJob(ctx, id, 'LF', signal);
  }

  /** `PUT …/batches` with the records as CSV; a job takes one upload. Returns the record count. */
  async upload(
    records: AsyncIterable<UploadRecord> | Iterable<UploadRecord>,
    options: UploadOptions = {},
  ): Promise<number> {
    const { stream, stats } = encodeCsv(records, {
      ...(options.columns ? { columns: options.columns } : {}),
      lineEnding: this.#lineEnding,
      maxBytes: options.maxBytes ?? MAX_UPLOAD_BYTES,
    });
    try {
      await this.#ctx.transport.empty({
        method: 'PUT',
        path: `${jobPath(this.#ctx, 'ingest', this.id)}/batches`,
        body: { stream, contentType: 'text/csv' },
        context: `upload to Bulk job ${this.id}`,
        signal: this.#signal,
      });
    } finally {
      stream.destroy();
    }
    this.#ctx.logger.info({ jobId: this.id, records: stats.records, bytes: stats.bytes }, 'Bulk upload sent');
    return stats.records;
  }

  /** `PATCH {state: UploadComplete}`: Salesforce starts processing. */
  close(): Promise<JobInfo> {
    return setJobState(this.#ctx, 'ingest', this.id, 'UploadComplete', this.#signal);
  }

  abort(): Promise<JobInfo> {
    return setJobState(this.#ctx, 'ingest', this.id, 'Aborted', this.#signal);
  }

  delete(): Promise<void> {
    return deleteJob(this.#ctx, 'ingest', this.id, this.#signal);
  }

  info(): Promise<JobInfo> {
    return getJobInfo(this.#ctx, 'ingest', this.id, this.#signal);
  }

  /** Polls (backing off to a cap) until JobComplete, Failed or Aborted. */
  wait(poll: Partial<PollOptions> = {}): Promise<JobInfo> {
    return waitForJob(this.#ctx, 'ingest', this.id, { ...this.#ctx.poll, ...poll }, this.#signal);
  }

  successfulResults(): AsyncIterable<IngestSuccess> {
    return mapRows(this.#results('successfulResults'), toSuccess);
  }

  failedResults(): AsyncIterable<IngestFailure> {
    return mapRows(this.#results('failedResults'), toFailure);
  }

  /** Rows never processed (Failed / Aborted jobs), as uploaded. */
  unprocessedRecords(): AsyncIterable<CsvRecord> {
    return this.#results('unprocessedrecords');
  }

  #results(which: 'successfulResults' | 'failedResults' | 'unprocessedrecords'): AsyncIterable<CsvRecord> {
    return readCsvResource(
      this.#ctx,
      {
        method: 'GET',
        path: `${jobPath(this.#ctx, 'ingest', this.id)}/${which}`,
        context: `${which} of Bulk job ${this.id}`,
        signal: this.#signal,
      },
      // Keep cells as sent: '' (leave unchanged) and '#N/A' (null) mean different things here.
      { emptyAsNull: false },
    );
  }
}

async function* mapRows<T>(rows: AsyncIterable<CsvRecord>, f: (r: CsvRecord) => T): AsyncGenerator<T> {
  for await (const r of rows) yield f(r);
}

/** The whole ingest: create, upload, close, wait. Aborts the job if the upload fails. */
export async function ingest(ctx: ApiContext, options: IngestOptions): Promise<IngestResult> {
  const job = await IngestJob.create(ctx, options);
  let uploaded: number;
  try {
    uploaded = await job.upload(options.records, options);
    await job.close();
  } catch (err) {
    await job.abort().catch((abortErr: unknown) => {
      ctx.logger.warn({ jobId: job.id, err: abortErr }, 'could not abort Bulk job after a failed upload');
    });
    throw err;
  }
  const info = await job.wait(options.poll);
  return { job, info, uploaded };
}
