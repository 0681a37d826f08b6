/**
 * The service's rhythm: a cycle every poll interval, and after a cycle that failed as a whole (an
 * error outside the per-object handling, e.g. the database connection dropping while the run is
 * recorded) a retry after a wait that doubles per consecutive failure up to a cap — a service must
 * outlive a database restart. ConfigError (the user must fix something) and the signal end it.
 */
import { ConfigError, errorMessage } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { backoffMs, sleep } from '../core/wait.js';

export interface ServiceLoopOptions<R> {
  readonly signal: AbortSignal;
  /** Pause between cycles that ended normally. */
  readonly intervalMs: number;
  /** First wait after a failed cycle; doubles per consecutive failure... */
  readonly retryBaseMs: number;
  /** ...up to this. */
  readonly retryMaxMs: number;
  readonly logger: Logger;
  readonly onCycle?: ((result: R) => void) | undefined;
  /** Called when a failed cycle is about to be retried (logs, tests). */
  readonly onRetry?: ((err: unknown, retryInMs: number) => void) | undefined;
}

/** Runs `cycle(first)` until the signal aborts; `first` is true until a cycle succeeds. */
export async function serviceLoop<R>(
  cycle: (first: boolean) => Promise<R>,
  options: ServiceLoopOptions<R>,
): Promise<void> {
  let first = true;
  let failures = 0;
  while (!options.signal.aborted) {
    let wait = options.intervalMs;
    try {
      const result = await cycle(first);
      options.onCycle?.(result);
      first = false;
      failures = 0;
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      if (options.signal.aborted) return;
      wait = backoffMs(failures++, options.retryBaseMs, options.retryMaxMs);
      options.logger.error(
        { err: errorMessage(err), failures, retryInMs: wait },
        'sync cycle failed; retrying',
      );
      options.onRetry?.(err, wait);
    }
    await sleep(wait, options.signal);
  }
}
