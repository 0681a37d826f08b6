/**
 * Deletes from the replication API: `getDeleted(X, start, end)` → tombstones. Salesforce keeps
 * about 15 days of deletes, covers whole minutes, refuses windows shorter than a minute and answers
 * EXCEEDED_ID_LIMIT past 600,000 ids — then the window is split in halves and each half read alone.
 * A delete log that no longer reaches back to the start is logged: only an Id reconciliation can
 * find what was lost.
 */
import type { Tombstone } from '../core/change-batch.js';
import { isFerryError } from '../errors/index.js';
import type { CaptureContext } from './types.js';
import { normalizeDatetime } from './values.js';

const MINUTE = 60_000;
const DELETE_LOG_MS = 15 * 24 * 60 * MINUTE;

function deletedAt(value: string): string | null {
  try {
    return normalizeDatetime(value);
  } catch {
    return null;
  }
}

/** Tombstones for deletes in [since, now], in arrays of at most `batchSize`. */
export async function* deletedSince(
  ctx: CaptureContext,
  since: Date,
  batchSize: number,
): AsyncGenerator<Tombstone[], void, undefined> {
  const object = ctx.model.name;
  const now = Date.now();
  let start = since;
  if (now - start.getTime() > DELETE_LOG_MS - MINUTE) {
    start = new Date(now - DELETE_LOG_MS + MINUTE);
    ctx.logger.warn(
      { object, since: since.toISOString(), start: start.toISOString() },
      `${object}: the cursor is older than Salesforce's 15-day delete log; run an Id reconciliation to find older deletes`,
    );
  }
  const end = new Date(Math.max(now, start.getTime() + MINUTE));
  yield* window(ctx, start, end, batchSize, true);
}

async function* window(
  ctx: CaptureContext,
  start: Date,
  end: Date,
  batchSize: number,
  first: boolean,
): AsyncGenerator<Tombstone[], void, undefined> {
  const object = ctx.model.name;
  ctx.signal?.throwIfAborted();
  let result;
  try {
    result = await ctx.client.getDeleted(object, start, end, ctx.signal);
  } catch (err) {
    const span = end.getTime() - start.getTime();
    if (isFerryError(err) && err.code === 'EXCEEDED_ID_LIMIT' && span >= 4 * MINUTE) {
      const middle = new Date(start.getTime() + Math.floor(span / 2 / MINUTE) * MINUTE);
      ctx.logger.info(
        { object, start: start.toISOString(), end: end.toISOString() },
        `${object}: more than 600,000 deletes in the window; reading it in halves`,
      );
      yield* window(ctx, start, middle, batchSize, first);
      yield* window(ctx, middle, end, batchSize, false);
      return;
    }
    throw err;
  }
  if (first && Date.parse(result.earliestDateAvailable) > start.getTime()) {
    ctx.logger.warn(
      { object, earliestDateAvailable: result.earliestDateAvailable, start: start.toISOString() },
      `${object}: Salesforce no longer has every delete since ${start.toISOString()}; run an Id reconciliation`,
    );
  }
  const records = result.deletedRecords;
  for (let i = 0; i < records.length; i += batchSize) {
    yield records.slice(i, i + batchSize).map((d) => ({ sfid: d.id, deletedAt: deletedAt(d.deletedDate) }));
  }
}
