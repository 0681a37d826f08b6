import type { Command } from 'commander';
import { formatStatus, readStatus } from '../engine/index.js';
import { addDatabaseFlags, openDatabaseFromFlags } from './database-flags.js';

/**
 * `ferry status [--json]`: per object its state, row count, cursor, last poll, lag and last error,
 * and the org's API usage as the last sync run saw it. Needs only the database settings (no org
 * credentials); prints no secret.
 */
export function registerStatusCommand(program: Command): void {
  const status = program
    .command('status')
    .description('Show the state of each mirrored object and the API usage.')
    .option('--json', 'print the status as JSON');
  addDatabaseFlags(status);
  status.action(async (flags: Record<string, unknown>) => {
    const { database } = await openDatabaseFromFlags(flags);
    try {
      const result = await readStatus(database.pool);
      process.stdout.write(
        flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatStatus(result),
      );
    } finally {
      await database.close();
    }
  });
}
