import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ConfigProblemsError } from '../config/config-problems.js';
import { checkDatabaseUrl } from '../config/database-check.js';
import {
  CONFIG_FLAG_TABLES,
  clientOptionsFor,
  configFileFrom,
  redactConfig,
  resolveConfig,
  type FerryConfig,
} from '../config/ferry-config.js';
import { validateAgainstOrg } from '../config/validate-org.js';
import { redact } from '../log/redact.js';
import { SalesforceClient } from '../salesforce/index.js';

/** Adds every configuration flag (`--config`, `--sf-…`, `--database-url`, `--objects`, …) to a command. */
export function addConfigOptions(command: Command): Command {
  const seen = new Set<string>();
  for (const table of CONFIG_FLAG_TABLES) {
    for (const spec of Object.values(table)) {
      if (!spec.flag || seen.has(spec.flag)) continue;
      seen.add(spec.flag);
      command.option(spec.flag, `${spec.description}${spec.env ? ` (env ${spec.env})` : ''}`);
    }
  }
  return command;
}

/** Resolves the configuration from the parsed flags, the environment and the config file. */
export function configFromFlags(flags: Readonly<Record<string, unknown>>): FerryConfig {
  return resolveConfig({ ...configFileFrom(flags), flags });
}

/**
 * `ferry config check [--json]`: loads the configuration, checks it against the org and the
 * database, and prints it with secrets redacted; exit 2 with every problem listed when invalid.
 */
export function registerConfigCommand(program: Command): void {
  const config = program
    .command('config')
    .description('Ferry configuration (ferry.config.yaml, FERRY_… env, flags).');
  const check = config
    .command('check')
    .description(
      'Validate the configuration against the org and the database, and print it (secrets redacted).',
    )
    .option('--json', 'print the result as JSON');
  addConfigOptions(check);
  check.action(async (flags: Record<string, unknown>) => {
    const json = flags.json === true;
    try {
      const resolved = configFromFlags(flags);
      // Fail fast on an unreachable org: one retry, not the sync's patient backoff.
      const client = new SalesforceClient({ ...clientOptionsFor(resolved), retry: { attempts: 2 } });
      try {
        const url = resolved.database.url;
        await validateAgainstOrg(resolved, client, {
          checkDatabase: url !== undefined ? () => checkDatabaseUrl(url) : undefined,
        });
      } finally {
        await client.close();
      }
      const shown = redactConfig(resolved);
      const note =
        resolved.database.url === undefined
          ? 'database: embedded Postgres (not started by config check)\n'
          : '';
      process.stdout.write(
        json
          ? `${JSON.stringify({ valid: true, config: shown })}\n`
          : `Configuration is valid.\n${note}\n${stringify(shown)}`,
      );
    } catch (err) {
      if (json && err instanceof ConfigProblemsError) {
        process.stdout.write(`${JSON.stringify({ valid: false, problems: redact(err.problems) })}\n`);
      }
      throw err;
    }
  });
}
