/**
 * Waiting strategies. Retries use exponential backoff with *full jitter* (delay uniformly drawn in
 * [0, min(max, base·2^attempt)]) so that many workers hit by the same 503 do not come back in
 * lock-step. Bulk job polling grows geometrically to a cap: fast for small jobs, cheap for long ones.
 * Time and randomness are injectable so tests run instantly and deterministically.
 */
import { TransientError } from '../../errors/index.js';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryOptions {
  /** Total tries including the first (1 = no retry). */
  attempts: number;
  /** Cap of the first retry's delay window, ms. */
  baseDelayMs: number;
  /** Largest delay window, ms. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Delay before retry number `retry` (0 for the first retry). `random` returns [0, 1).
 * A server-sent Retry-After (ms) raises the floor but never beyond maxDelayMs.
 */
export function backoffDelay(
  retry: number,
  options: RetryOptions,
  random: () => number,
  retryAfterMs?: number,
): number {
  const window = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  const jittered = Math.floor(random() * window);
  if (retryAfterMs === undefined) return jittered;
  return Math.min(options.maxDelayMs, Math.max(jittered, retryAfterMs));
}

export interface PollOptions {
  /** First wait after submitting a job, ms. */
  initialDelayMs: number;
  /** Each wait is the previous one times this factor… */
  factor: number;
  /** …up to this cap, ms. */
  maxDelayMs: number;
  /** Give up (TransientError) after this long; undefined waits as long as the job runs. */
  timeoutMs: number | undefined;
}

export const DEFAULT_POLL: PollOptions = {
  initialDelayMs: 500,
  factor: 1.5,
  maxDelayMs: 10_000,
  timeoutMs: undefined,
};

/** The poll waits: initial, initial·f, initial·f², … capped. Infinite; the caller stops. */
export function* pollDelays(options: PollOptions): Generator<number, never> {
  let delay = options.initialDelayMs;
  for (;;) {
    yield Math.round(delay);
    delay = Math.min(options.maxDelayMs, delay * options.factor);
  }
}

/** setTimeout as a promise, cancelled (rejecting with the signal's reason) by an AbortSignal. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error
    ? reason
    : new TransientError('operation aborted', { code: 'ABORTED', cause: reason });
}

/** Parses Retry-After (seconds or an HTTP date) into ms; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
