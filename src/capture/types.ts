/**
 * Contract between capture (Salesforce → change batches) and the engine that schedules it.
 * Capture knows Salesforce, not Postgres: every function yields ChangeBatches and the engine applies
 * each one (history + mirror + cursor in one transaction) before asking for the next, so a killed
 * process resumes from the last applied batch.
 */
import type { ChangeBatch, Cursor } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import type { ObjectMapping } from '../config/object-mapping.js';
import type { SalesforceClient } from '../salesforce/index.js';
import type { Logger } from '../log/index.js';

export interface CaptureContext {
  readonly client: SalesforceClient;
  /** The object as described this cycle (fields to read = mapped, non-compound fields + Id, SystemModstamp, IsDeleted). */
  readonly model: ObjectModel;
  readonly mapping: ObjectMapping;
  /** Reads of at least this many records use Bulk 2.0 (else REST, and REST wherever Bulk refuses). */
  readonly bulkThreshold: number;
  /** Trailing window every poll re-reads (ms). */
  readonly overlapMs: number;
  readonly runId: string;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  /**
   * Most records (or tombstones) per yielded batch, and the LIMIT of each REST keyset page
   * (default 2,000, Salesforce's REST page size; values above 2,000 are capped for REST pages).
   */
  readonly batchSize?: number;
  /** LIMIT of each Bulk 2.0 keyset chunk of an initial load or formula refresh (default 50,000). */
  readonly bulkChunkSize?: number;
}

/**
 * Initial load position: Id-keyset paging (`Id > :afterId ORDER BY Id`). `afterId` null = from the
 * start. Each yielded batch's cursor is `{ systemModstamp: null, id: <last Id in batch> }`.
 */
export interface InitialLoadPosition {
  readonly afterId: string | null;
}

/** A field refresh: the fields to read for every live row, and where a stopped refresh resumes. */
export interface FieldRefreshRequest {
  /** Field API names (any casing); names the mapped model no longer has are skipped with a warning. */
  readonly fields: readonly string[];
  /** Resume after this Id (the last Id of the last applied batch); null = from the first row. */
  readonly afterId: string | null;
}

export interface CaptureApi {
  /** Full read of the object (deleted records included via queryAll, as tombstones), resumable by Id. */
  initialLoad(ctx: CaptureContext, from: InitialLoadPosition): AsyncIterable<ChangeBatch>;
  /**
   * One incremental cycle from `cursor` (re-reading `overlapMs` before it): changed records by
   * `(SystemModstamp, Id)`, deletes from queryAll `IsDeleted = true` and getDeleted. Batches carry the
   * advancing cursor.
   */
  poll(ctx: CaptureContext, cursor: Cursor): AsyncIterable<ChangeBatch>;
  /**
   * Id reconciliation: tombstones for ids Ferry holds (`knownIds`, ascending) that the org no longer
   * has at all (purged from the recycle bin, hard-deleted). Cursor null.
   */
  reconcile(ctx: CaptureContext, knownIds: AsyncIterable<string>): AsyncIterable<ChangeBatch>;
  /** Formula refresh: Id + formula fields only, source `formula`. Cursor null. */
  refreshFormulas(ctx: CaptureContext): AsyncIterable<ChangeBatch>;
  /**
   * Field refresh (new mapped fields): Id + those fields of every live row in Id order, as partial
   * batches (history merges them over the newest stored version), source `reconcile`, cursor null.
   * Resumable from the last applied batch's last Id. Nothing (no call) when no field is left to read.
   */
  refreshFields(ctx: CaptureContext, request: FieldRefreshRequest): AsyncIterable<ChangeBatch>;
}
