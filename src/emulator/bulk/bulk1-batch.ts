/**
 * A Bulk 1.0 batch: Queued → InProgress → Completed | Failed (or NotProcessed when its job is
 * aborted first). Ingest batches hold at most 10,000 records, written 200 at a time with other
 * requests let in between; query batches open a cursor whose rows form the batch's one result.
 */
import type { OrgApi, QueryCursor, SaveResult } from '../org/types.js';
import { SoqlError } from '../soql/types.js';
import { BatchFailure, parseBatch, recordCount, type Bulk1ContentType } from './bulk1-records.js';
import { CHUNK_RECORDS, writeChunk, writeRecords, type IngestOperation } from './chunk-writer.js';
import { headerProblem } from './header-check.js';
import { yieldToIo } from './scheduling.js';
import type { WireFields } from './bulk1-wire.js';

export type Bulk1Operation = IngestOperation | 'query' | 'queryAll';
export type BatchState = 'Queued' | 'InProgress' | 'Completed' | 'Failed' | 'NotProcessed';

/** Salesforce's cap on the records of one Bulk 1.0 batch. */
export const MAX_BATCH_RECORDS = 10_000;

/** What a batch needs to know about its job. */
export interface BatchTarget {
  readonly object: string;
  readonly operation: Bulk1Operation;
  readonly externalIdFieldName: string | null;
  readonly contentType: Bulk1ContentType;
}

export class Bulk1Batch {
  readonly createdDate: Date;
  private modstamp: Date;
  private current: BatchState = 'Queued';
  private message: string | null = null;
  /** Ingest: one result per input record, in input order. */
  readonly results: SaveResult[] = [];
  /** Query: the cursor and the id of its one result file. */
  private queryResult: { readonly cursor: QueryCursor; readonly resultId: string } | null = null;
  private processingMs = 0;

  constructor(
    readonly id: string,
    readonly jobId: string,
    /** The request body as sent (served back by `/request`). */
    readonly data: Buffer,
    private readonly org: OrgApi,
  ) {
    this.createdDate = org.now();
    this.modstamp = this.createdDate;
  }

  get state(): BatchState {
    return this.current;
  }

  get query(): { readonly cursor: QueryCursor; readonly resultId: string } | null {
    return this.queryResult;
  }

  get recordsProcessed(): number {
    return this.queryResult?.cursor.totalSize ?? this.results.length;
  }

  get processingTime(): number {
    return Math.round(this.processingMs);
  }

  get recordsFailed(): number {
    return this.results.reduce((n, r) => (r.success ? n : n + 1), 0);
  }

  info(): WireFields {
    const time = this.processingTime;
    return [
      ['id', this.id],
      ['jobId', this.jobId],
      ['state', this.current],
      ['stateMessage', this.message],
      ['createdDate', this.createdDate],
      ['systemModstamp', this.modstamp],
      ['numberRecordsProcessed', this.recordsProcessed],
      ['numberRecordsFailed', this.recordsFailed],
      ['totalProcessingTime', time],
      ['apiActiveProcessingTime', time],
      ['apexProcessingTime', 0],
    ];
  }

  /** Called when the job is aborted before this batch ran. */
  skip(): void {
    if (this.current === 'Queued')
      this.setState('NotProcessed', 'Job aborted before the batch was processed');
  }

  async run(target: BatchTarget, mintResultId: () => string): Promise<void> {
    if (this.current !== 'Queued') return;
    this.setState('InProgress', null);
    const started = performance.now();
    try {
      if (target.operation === 'query' || target.operation === 'queryAll')
        this.runQuery(target, mintResultId);
      else await this.runIngest(target, target.operation);
      this.setState('Completed', null);
    } catch (error) {
      const message =
        error instanceof BatchFailure ? error.message : `InternalServerError : ${(error as Error).message}`;
      this.setState('Failed', message);
    } finally {
      this.processingMs += performance.now() - started;
    }
  }

  private async runIngest(target: BatchTarget, operation: IngestOperation): Promise<void> {
    const batch = parseBatch(this.data, target.contentType);
    const count = recordCount(batch);
    if (count > MAX_BATCH_RECORDS) {
      throw new BatchFailure(
        `InvalidBatch : Records in a batch exceed the limit of ${MAX_BATCH_RECORDS}: ${count}`,
      );
    }
    const object = this.org.schema.object(target.object);
    if (object === undefined)
      throw new BatchFailure(`InvalidBatch : Unable to find object: ${target.object}`);
    if (batch.kind === 'csv') {
      const problem = headerProblem(object, batch.header);
      if (problem !== null) throw new BatchFailure(problem);
    }
    const writeTarget = { object: object.name, operation, externalIdFieldName: target.externalIdFieldName };
    for (let from = 0; from < count; from += CHUNK_RECORDS) {
      if (from > 0) await yieldToIo();
      const to = Math.min(count, from + CHUNK_RECORDS);
      const results =
        batch.kind === 'csv'
          ? writeChunk(this.org, writeTarget, batch.header, batch.rows.slice(from, to))
          : writeRecords(this.org, writeTarget, batch.records.slice(from, to), batch.format);
      this.results.push(...results);
      this.modstamp = this.org.now();
    }
  }

  private runQuery(target: BatchTarget, mintResultId: () => string): void {
    let cursor: QueryCursor;
    try {
      const query = this.org.compile(this.data.toString('utf8'));
      const refusal = query.object.bulkQueryable
        ? query.bulkRefusal
        : `Entity '${query.object.name}' is not supported by the Bulk API.`;
      if (refusal !== null) throw new BatchFailure(`InvalidBatch : Failed to process query: ${refusal}`);
      cursor = this.org.openCursor(query, { scanAll: target.operation === 'queryAll' });
    } catch (error) {
      if (error instanceof SoqlError) {
        throw new BatchFailure(
          `InvalidBatch : Failed to process query: ${error.errorCode}: ${error.message}`,
        );
      }
      throw error;
    }
    this.queryResult = { cursor, resultId: mintResultId() };
  }

  private setState(state: BatchState, message: string | null): void {
    this.current = state;
    this.message = message;
    this.modstamp = this.org.now();
  }
}
