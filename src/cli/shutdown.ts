/** Resolves after SIGINT/SIGTERM once `close` has finished, so state files and servers end cleanly. */
export function waitForShutdown(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let closing = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) return;
      closing = true;
      process.stderr.write(`\nferry: ${signal} received, shutting down\n`);
      close().then(resolve, reject);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
