/**
 * `ferry` command line: parses arguments and hands over to one command module each.
 * Exit codes: 0 ok, 1 failure, 2 bad input (ConfigError).
 */
import { Command, CommanderError } from 'commander';
import { boundHeapGrowth } from '../core/heap-growth.js';
import { ConfigError, errorMessage } from '../errors/index.js';
import { redactString } from '../log/redact.js';
import { registerConfigCommand } from './config-command.js';
import { registerDbCommand } from './db-command.js';
import { registerEmulatorCommand } from './emulator-command.js';
import { registerInitCommand } from './init-command.js';
import { registerStartCommand } from './start-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerSyncCommand } from './sync-command.js';
import { registerWritesCommand } from './writes-command.js';

export async function main(argv: readonly string[]): Promise<number> {
  boundHeapGrowth();
  const program = new Command()
    .name('ferry')
    .description('Mirror a Salesforce org into PostgreSQL, write edits back, and restore any record version.')
    .exitOverride()
    .showHelpAfterError();
  registerEmulatorCommand(program);
  registerStartCommand(program);
  registerDbCommand(program);
  registerInitCommand(program);
  registerConfigCommand(program);
  registerSyncCommand(program);
  registerStatusCommand(program);
  registerWritesCommand(program);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`ferry: ${redactString(errorMessage(err))}\n`);
    return err instanceof ConfigError ? 2 : 1;
  }
}
