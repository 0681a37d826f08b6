import type { Command } from 'commander';
import { runSyncService } from '../engine/index.js';
import { RecordError, TransientError } from '../errors/index.js';
import type { DrainResult } from '../writeback/index.js';
import { addConfigOptions, configFromFlags } from './config-command.js';

/**
 * `ferry sync [--once] [--objects A,B] [config flags]`: the mirror service. Without `--once` it runs a
 * cycle every poll interval until SIGINT/SIGTERM (finishing the batch in hand); with `--once` it runs
 * one full cycle — initial loads to completion, then one poll — and exits 0; 1 when an object failed
 * (the run is recorded as `partial`; the error reaches main, which turns it into the exit code), or
 * when Salesforce refused some of the edits the run sent (`--once` sends every captured edit and waits
 * for the results: exit 1 with WRITES_FAILED; Salesforce unavailable: exit 1, the edits stay NEW);
 * 2 for a configuration problem. `--read-write A,B` makes those mappings read-write.
 */
export function registerSyncCommand(program: Command): void {
  const sync = program
    .command('sync')
    .description('Mirror the mapped objects into Postgres and keep them current.')
    .option('--once', 'run one full cycle (initial loads, then one poll) and exit')
    .option('--reconcile', 'run the Id reconciliation (purged/hard-deleted records) in the first cycle')
    .option('--wait', 'wait for another running sync on this database and org instead of refusing');
  addConfigOptions(sync);
  sync.action(async (flags: Record<string, unknown>) => {
    const config = configFromFlags(flags);
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stop.signal.aborted) return;
      process.stderr.write(`\nferry: ${signal} received, finishing the current batch\n`);
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      let written: DrainResult | undefined;
      const cycles = await runSyncService(config, {
        onWrites: (w) => {
          written = w;
        },
        once: flags.once === true,
        reconcile: flags.reconcile === true,
        wait: flags.wait === true,
        signal: stop.signal,
      });
      const last = cycles.at(-1);
      if (last) {
        process.stdout.write(
          `Sync ${last.state}: ${last.records} records read, ${last.versions} new versions (run ${last.runId}).\n`,
        );
        if (last.warning) process.stdout.write(`Warning: ${last.warning}\n`);
        for (const e of last.errors) process.stdout.write(`Error: ${e.object}: ${e.message}\n`);
        if (written && written.succeeded + written.failed > 0) {
          process.stdout.write(
            `Writes: ${written.succeeded} sent to Salesforce, ${written.failed} refused (ferry writes --state FAILED).\n`,
          );
        }
        if (flags.once === true && last.errors.length > 0) {
          // Thrown, not process.exitCode: main's return value becomes the exit code.
          throw new TransientError(
            `the sync run ${last.runId} was partial: ${last.errors.map((e) => e.object).join(', ')} failed`,
            {
              code: 'SYNC_PARTIAL',
              hint: '`ferry status` shows each object’s last error; the next run retries them',
            },
          );
        }
        if (flags.once === true && written && written.failed > 0) {
          // A script running --once must learn that some edits did not reach Salesforce.
          throw new RecordError(`${written.failed} write(s) were refused by Salesforce`, {
            code: 'WRITES_FAILED',
            hint: '`ferry writes --state FAILED` shows why; fix the rows (or `ferry writes retry --all-failed`)',
          });
        }
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}
