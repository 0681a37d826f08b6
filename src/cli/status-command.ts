import type { Command } from 'commander';
import { loadConfigFile } from '../config/config-file.js';
import { throwIfProblems, type ConfigProblem } from '../config/config-problems.js';
import { DATABASE_OPTIONS, resolveDatabaseOptions } from '../config/database-options.js';
import { configFileFrom, flagAttribute } from '../config/ferry-config.js';
import { CONFIG_FILE_OPTIONS } from '../config/mirror-options.js';
import { formatStatus, readStatus } from '../engine/index.js';
import { openDatabase } from '../store/index.js';

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
  for (const spec of [CONFIG_FILE_OPTIONS.config, ...Object.values(DATABASE_OPTIONS)]) {
    status.option(spec.flag, `${spec.description} (env ${spec.env})`);
  }
  status.action(async (flags: Record<string, unknown>) => {
    const problems: ConfigProblem[] = [];
    const { file, fileRequired } = configFileFrom(flags);
    const content = loadConfigFile(file, { env: process.env, problems, required: fileRequired });
    throwIfProblems(problems);
    const own: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(DATABASE_OPTIONS)) own[key] = flags[flagAttribute(spec.flag)];
    const options = resolveDatabaseOptions({
      flags: own,
      env: process.env,
      file: content?.sections.database ?? {},
    });
    const database = await openDatabase({ url: options.url, dataDir: options.dataDir, port: options.port });
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
