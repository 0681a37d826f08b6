/**
 * How jobs run "asynchronously, shortly after": timers that never keep the process alive (an
 * emulator closed mid-job must not hang its test run), and yields that let other HTTP traffic in
 * between chunks of work so Bulk writes interleave with it as they do in a real org.
 */

/**
 * How long after it is queued a job (or Bulk 1.0 batch) starts. Salesforce never finishes a job
 * within the request that starts it; a noticeable delay keeps clients honest about polling, and lets
 * tests observe the states before completion (UploadComplete, 412 JOB_NOT_COMPLETE).
 */
export const JOB_START_DELAY_MS = 50;

/** Runs `task` after `ms`; a rejected task is reported to `onError` instead of crashing the process. */
export function runSoon(ms: number, task: () => Promise<void>, onError: (error: unknown) => void): void {
  const timer = setTimeout(() => {
    task().catch(onError);
  }, ms);
  timer.unref();
}

/** Lets pending I/O (other requests) run before the next chunk. */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A longer pause between internal batches: a full timer turn, as between Salesforce's batches. */
export function pauseBetweenBatches(): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, 0).unref();
  });
}
