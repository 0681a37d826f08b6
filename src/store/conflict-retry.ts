import { sleep } from '../core/wait.js';
import { sqlState } from './pg-errors.js';

/**
 * SQLSTATEs of a transaction Postgres aborted to let a concurrent one go on: deadlock_detected (it
 * picked this one to break a lock cycle) and serialization_failure. The other transaction proceeds;
 * running this one again is what Postgres expects of it.
 */
const CONFLICT_STATES = new Set(['40P01', '40001']);

/** Runs again after this many ms × the attempt (the winner needs only to finish its transaction). */
const PAUSE_MS = 25;

/** Whether `err`, or an error it wraps (`cause`), is such an abort. */
export function isConflictAbort(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const state = sqlState(e);
    if (state !== undefined && CONFLICT_STATES.has(state)) return true;
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
  return false;
}

/**
 * Runs `transaction` (a whole transaction: withTransaction's callback wrapped in it) and runs it again,
 * up to `attempts` times in all, when Postgres aborted it for a deadlock or a serialization failure.
 * Without it such an abort — the sync's merge and the writer locking a few of the same rows in
 * opposite orders, say — failed the whole object for the cycle and put it in backoff. Any other error,
 * or the last attempt's, is thrown as it is.
 */
export async function retryConflictAborts<T>(transaction: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (err) {
      if (attempt >= attempts || !isConflictAbort(err)) throw err;
      await sleep(PAUSE_MS * attempt, undefined);
    }
  }
}
