import type { ClientBase, Pool } from 'pg';
import type { ChangeBatch } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import { appendVersions, stageVersions } from '../history/index.js';
import { retryConflictAborts, withTransaction } from '../store/index.js';
import { applyBatch, type ApplyOptions, type ApplyResult } from './apply-batch.js';
import { lockCursor, saveCursor, type Lease } from './cursor-store.js';

export interface ApplyChangeBatchOptions extends ApplyOptions {
  /** The worker's cursor lease; when given, a batch of a fenced-out worker fails before writing. */
  readonly lease?: Lease | undefined;
}

export interface ApplyChangeBatchResult extends ApplyResult {
  /** History rows stored (versions that differ from the newest stored one). */
  readonly versions: number;
}

/**
 * Exactly-once materialization: in ONE transaction, lock the object's cursor row (checking the lease),
 * append the batch to history, apply it to the mirror, and move the cursor. A failure anywhere rolls
 * all of it back, so a crash replays a batch or not at all, and a deadlock runs it again.
 */
export async function applyChangeBatch(
  pool: Pool,
  batch: ChangeBatch,
  model: ObjectModel,
  options: ApplyChangeBatchOptions = {},
): Promise<ApplyChangeBatchResult> {
  // A deadlock with the write-back writer (a few rows of a read-write table locked in the other order)
  // aborts one side: the batch is applied again rather than the object failing for the cycle.
  return retryConflictAborts(() =>
    withTransaction(pool, async (client) => {
      await lockCursor(client, batch.object, options.lease);
      const result = await writeBatch(client, batch, model, options);
      if (batch.cursor) await saveCursor(client, batch.object, batch.cursor);
      return result;
    }),
  );
}

/**
 * The writing part of applying a batch, on the caller's client and transaction: staged once, then
 * history and the mirror both read it from the version stage. The cursor is the caller's.
 */
export async function writeBatch(
  client: ClientBase,
  batch: ChangeBatch,
  model: ObjectModel,
  options: ApplyOptions,
): Promise<ApplyChangeBatchResult> {
  await stageVersions(client, batch);
  const versions = await appendVersions(client, batch, { staged: true });
  const applied = await applyBatch(client, batch, model, { ...options, staged: true });
  return { ...applied, versions };
}
