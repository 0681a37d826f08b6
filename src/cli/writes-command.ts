import type { Command } from 'commander';
import { ConfigError } from '../errors/index.js';
import { formatWrites, ignoreWrite, listWrites, retryWrites } from '../writeback/index.js';
import { addDatabaseFlags, openDatabaseFromFlags } from './database-flags.js';

/**
 * `ferry writes [--state S] [--table T] [--archived] [--limit N] [--json]`: the trigger log's rows
 * (newest first) and the write conflicts recorded. `ferry writes retry <id> | --all-failed`: FAILED →
 * NEW (sent again). `ferry writes ignore <id>`: NEW or FAILED → IGNORED (never sent). Database
 * settings only; no org credentials.
 */
export function registerWritesCommand(program: Command): void {
  const writes = program
    .command('writes')
    .description('Show the write-back log (edits sent to Salesforce) and conflicts; retry or ignore writes.')
    .option('--state <state>', 'only rows in this state (NEW, PENDING, SUCCESS, FAILED, IGNORED, ...)')
    .option('--table <table>', 'only this mirror table (e.g. contact)')
    .option('--archived', 'include rows moved to _trigger_log_archive')
    .option('--limit <n>', 'most rows of each kind, newest first', '100')
    .option('--json', 'print the result as JSON');
  addDatabaseFlags(writes, { schema: true });
  writes.action(async (flags: Record<string, unknown>) => {
    const limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ConfigError(`--limit must be a positive integer, got ${String(flags.limit)}`, {
        code: 'INVALID_FLAG',
      });
    }
    const { database, schema } = await openDatabaseFromFlags(flags);
    try {
      const result = await listWrites(database.pool, {
        schema,
        state: typeof flags.state === 'string' ? flags.state : undefined,
        table: typeof flags.table === 'string' ? flags.table : undefined,
        archived: flags.archived === true,
        limit,
      });
      process.stdout.write(
        flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatWrites(result),
      );
    } finally {
      await database.close();
    }
  });

  const retry = writes
    .command('retry [id]')
    .description('Send a FAILED write again (its state goes back to NEW).')
    .option('--all-failed', 'every FAILED write')
    .option('--json', 'print the ids requeued as JSON');
  addDatabaseFlags(retry, { schema: true });
  // Commander may give a flag written after the subcommand to `writes` (it declares the same ones):
  // the subcommands read their own and their parent's together.
  retry.action(async (id: string | undefined, _own: unknown, command: Command) => {
    const flags = command.optsWithGlobals<Record<string, unknown>>();
    const all = flags.allFailed === true;
    if ((id === undefined) === !all) {
      throw new ConfigError('Name one write id, or pass --all-failed', {
        code: 'INVALID_FLAG',
        hint: '`ferry writes --state FAILED` lists the failed writes and their ids.',
      });
    }
    if (id !== undefined) checkId(id);
    const { database, schema } = await openDatabaseFromFlags(flags);
    try {
      const ids = await retryWrites(database.pool, schema, id !== undefined ? { id } : { allFailed: true });
      process.stdout.write(
        flags.json === true
          ? `${JSON.stringify({ requeued: ids })}\n`
          : `${ids.length} write(s) requeued${ids.length ? `: ${ids.join(', ')}` : ''}. The writer sends them next.\n`,
      );
    } finally {
      await database.close();
    }
  });

  const ignore = writes
    .command('ignore <id>')
    .description('Never send a NEW or FAILED write (its state becomes IGNORED).');
  addDatabaseFlags(ignore, { schema: true });
  ignore.action(async (id: string, _own: unknown, command: Command) => {
    const flags = command.optsWithGlobals<Record<string, unknown>>();
    checkId(id);
    const { database, schema } = await openDatabaseFromFlags(flags);
    try {
      await ignoreWrite(database.pool, schema, id);
      process.stdout.write(`Write ${id} is IGNORED: it will not be sent.\n`);
    } finally {
      await database.close();
    }
  });
}

function checkId(id: string): void {
  if (!/^\d{1,18}$/.test(id)) {
    throw new ConfigError(`${id} is not a write id (the trigger log's numeric id)`, {
      code: 'INVALID_FLAG',
      hint: '`ferry writes` lists the ids.',
    });
  }
}
