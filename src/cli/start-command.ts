import type { Command } from 'commander';
import { resolveConfig } from '../config/ferry-config.js';
import { formatStatus, readStatus, runSyncService } from '../engine/index.js';
import { resolveEmulatorOptions } from '../index.js';
import { openDatabase } from '../store/index.js';
import { launchEmulator } from './emulator-command.js';

/** The demo org's objects that `npm start` mirrors. */
export const DEMO_OBJECTS = ['Account', 'Contact', 'Opportunity', 'Lead', 'Case', 'Invoice__c'];

/**
 * `npm start`: everything on the embedded defaults — embedded Postgres (.ferry/pg), the emulator with
 * its demo org (kept in .ferry/emulator-state.json), and a sync of the demo objects that keeps
 * running. After the first cycle it prints the status table and a first query to run.
 */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Start Ferry on the embedded defaults: embedded Postgres, the demo org, a running sync.')
    .action(async () => {
      const options = resolveEmulatorOptions({ file: { state: '.ferry/emulator-state.json' } });
      const emulator = await launchEmulator(options);
      const database = await openDatabase({ dataDir: '.ferry/pg' });
      const stop = new AbortController();
      const onSignal = (signal: NodeJS.Signals): void => {
        if (stop.signal.aborted) return;
        process.stderr.write(`\nferry: ${signal} received, shutting down\n`);
        stop.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const config = resolveConfig({
          env: {
            FERRY_SF_LOGIN_URL: emulator.loginUrl,
            FERRY_SF_USERNAME: emulator.username,
            FERRY_SF_PASSWORD: emulator.password,
            FERRY_SF_CLIENT_ID: emulator.clientId,
            FERRY_SF_CLIENT_SECRET: emulator.clientSecret,
            FERRY_DATABASE_URL: database.url,
            FERRY_OBJECTS: DEMO_OBJECTS.join(','),
            FERRY_POLL_INTERVAL: '30s',
          },
        });
        process.stdout.write(
          `Salesforce emulator (demo org): ${emulator.instanceUrl}\n` +
            `Postgres (embedded, .ferry/pg): ${database.displayUrl}\n` +
            `Mirroring ${DEMO_OBJECTS.join(', ')} every 30s; progress is logged to stderr. Ctrl-C stops.\n\n`,
        );
        let first = true;
        await runSyncService(config, {
          database,
          signal: stop.signal,
          onCycle: (cycle) => {
            if (!first) return;
            first = false;
            void readStatus(database.pool).then(
              (status) => {
                process.stdout.write(
                  `\nFirst sync ${cycle.state}: ${cycle.records} records.\n\n${formatStatus(status)}\n` +
                    `Try the mirror:\n  ${firstQuery(database.url)}\n`,
                );
              },
              () => undefined,
            );
          },
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await database.close();
        await emulator.close();
      }
    });
}

/** The psql command for a first look at the mirror; the password stays in its file, not on screen. */
function firstQuery(url: string): string {
  const u = new URL(url);
  u.password = '';
  return (
    `PGPASSWORD="$(cat .ferry/pg/ferry.password)" psql '${u.toString()}' ` +
    `-c 'select name, industry from salesforce.account limit 5'`
  );
}
