import type { Pool } from 'pg';
import type { ChangeBatch } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import { withTransaction } from '../store/index.js';
import {
  applyChangeBatch,
  writeBatch,
  type ApplyChangeBatchOptions,
  type ApplyChangeBatchResult,
} from './apply-change-batch.js';
import { lockCursor, saveCursor } from './cursor-store.js';

export interface InOrderOptions extends ApplyChangeBatchOptions {
  /**
   * Batches in flight at once (default 1). Above 1 the batches must hold disjoint records — an Id
   * keyset read (initial load, field refresh) — since their transactions run side by side.
   */
  readonly depth?: number | undefined;
}

/**
 * Applies a stream of batches, each exactly once and committed in stream order, calling `onApplied`
 * after each commit (in order; an error from it stops the stream and rolls back the batches behind).
 *
 * With `depth` 2 an initial load keeps both cores busy: while one batch's transaction stages, hashes
 * and merges in Postgres, the next is already being staged by a second backend, instead of Postgres
 * and this process taking turns. Order is kept where it matters — the commit: each batch does its
 * work, then waits for the batch before it to commit, and only then locks the cursor row (checking
 * the lease), moves the cursor and commits. A crash therefore never leaves a later batch committed
 * behind a missing earlier one, and a failed batch rolls back every batch after it.
 */
export async function applyChangeBatchesInOrder(
  pool: Pool,
  batches: AsyncIterable<ChangeBatch>,
  model: ObjectModel,
  options: InOrderOptions,
  onApplied: (batch: ChangeBatch, result: ApplyChangeBatchResult) => Promise<void> | void,
): Promise<void> {
  const depth = Math.max(1, Math.floor(options.depth ?? 1));
  if (depth === 1) {
    for await (const batch of batches)
      await onApplied(batch, await applyChangeBatch(pool, batch, model, options));
    return;
  }
  let previous: Promise<void> = Promise.resolve();
  const inFlight: Promise<void>[] = [];
  try {
    for await (const batch of batches) {
      if (inFlight.length >= depth) await inFlight.shift();
      const before = previous;
      const done = applyAfter(pool, batch, model, options, before).then((result) => onApplied(batch, result));
      // Observed through inFlight (or the next batch's wait); never an unhandled rejection.
      done.catch(() => undefined);
      previous = done;
      inFlight.push(done);
    }
    for (const done of inFlight.splice(0)) await done;
  } catch (err) {
    await Promise.allSettled(inFlight);
    throw err;
  }
}

/** applyChangeBatch's work, with the commit after `before`'s. */
function applyAfter(
  pool: Pool,
  batch: ChangeBatch,
  model: ObjectModel,
  options: ApplyChangeBatchOptions,
  before: Promise<void>,
): Promise<ApplyChangeBatchResult> {
  return withTransaction(pool, async (client) => {
    const result = await writeBatch(client, batch, model, options);
    await before;
    await lockCursor(client, batch.object, options.lease);
    if (batch.cursor) await saveCursor(client, batch.object, batch.cursor);
    return result;
  });
}
