import type { Command } from 'commander';
import { loadConfigFile } from '../config/config-file.js';
import { throwIfProblems, type ConfigProblem } from '../config/config-problems.js';
import { DATABASE_OPTIONS, resolveDatabaseOptions } from '../config/database-options.js';
import { configFileFrom, flagAttribute } from '../config/ferry-config.js';
import { CONFIG_FILE_OPTIONS, MIRROR_OPTIONS, resolveMirrorOptions } from '../config/mirror-options.js';
import { openDatabase, type Database } from '../store/index.js';

/**
 * For commands that need only Ferry's database and the mirror schema (status, writes): no org
 * credentials. Flags: --config, the database options, --schema.
 */
export function addDatabaseFlags(command: Command, options: { schema?: boolean } = {}): Command {
  const specs: { flag: string; description: string; env: string }[] = [
    CONFIG_FILE_OPTIONS.config,
    ...Object.values(DATABASE_OPTIONS),
  ];
  if (options.schema) specs.push(MIRROR_OPTIONS.schema);
  for (const spec of specs) command.option(spec.flag, `${spec.description} (env ${spec.env})`);
  return command;
}

export interface DatabaseFromFlags {
  readonly database: Database;
  /** The mirror schema (flag > env > file > default). */
  readonly schema: string;
}

export async function openDatabaseFromFlags(
  flags: Readonly<Record<string, unknown>>,
): Promise<DatabaseFromFlags> {
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
  const mirror = resolveMirrorOptions({
    flags: { schema: flags.schema },
    env: process.env,
    file: content?.sections.mirror ?? {},
  });
  const database = await openDatabase({ url: options.url, dataDir: options.dataDir, port: options.port });
  return { database, schema: mirror.schema };
}
