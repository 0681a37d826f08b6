/**
 * Process-exit cleanup for embedded Postgres servers. Handlers are installed once per process, on
 * the first server started:
 *
 * - `exit` (any way the process ends, including an uncaught exception): a synchronous fast-shutdown
 *   signal to each server still running. Postgres finishes shutting down on its own after we are gone.
 * - SIGINT / SIGTERM: if nobody else listens for the signal, stop the servers cleanly, then re-raise
 *   the signal so the process ends the way it would have. If the application has its own handler, it
 *   owns shutdown (and calls `close()`); the `exit` hook still covers a server it forgot.
 */
export interface ExitCleanup {
  /** Clean, awaited stop. */
  stop(): Promise<void>;
  /** Synchronous last resort, for the `exit` event where nothing can be awaited. */
  signalStop(): void;
}

const running = new Set<ExitCleanup>();
let installed = false;
let stopping = false;

export function stopOnExit(cleanup: ExitCleanup): () => void {
  install();
  running.add(cleanup);
  return () => running.delete(cleanup);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const cleanup of running) cleanup.signalStop();
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  if (stopping) {
    // Second Ctrl-C: don't wait any longer.
    reraise(signal);
    return;
  }
  stopping = true;
  void Promise.allSettled([...running].map((cleanup) => cleanup.stop())).then(() => reraise(signal));
}

function reraise(signal: NodeJS.Signals): void {
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  process.kill(process.pid, signal);
}
