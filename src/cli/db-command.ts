import type { Command } from 'commander';
import { DATABASE_OPTIONS, openDatabase, resolveDatabaseOptions } from '../index.js';

/**
 * `ferry db migrate`: opens Ferry's database (your Postgres, or embedded Postgres in .ferry/pg),
 * applies pending migrations under the migration lock, and reports where it is and its version.
 */
export function registerDbCommand(program: Command): void {
  const db = program.command('db').description("Ferry's own database.");
  const migrate = db
    .command('migrate')
    .description('Create or upgrade Ferry’s tables (embedded Postgres unless FERRY_DATABASE_URL is set).')
    .option('--json', 'print the result as JSON');
  for (const spec of Object.values(DATABASE_OPTIONS))
    migrate.option(spec.flag, `${spec.description} (env ${spec.env})`);
  migrate.action(
    async (flags: { json?: boolean; databaseUrl?: string; pgDataDir?: string; pgPort?: string }) => {
      const options = resolveDatabaseOptions({
        flags: { url: flags.databaseUrl, dataDir: flags.pgDataDir, port: flags.pgPort },
      });
      const database = await openDatabase({ url: options.url, dataDir: options.dataDir, port: options.port });
      try {
        const result = {
          database: database.displayUrl,
          embedded: database.embedded,
          dataDir: database.embedded ? database.dataDir : null,
          schemaVersion: database.schemaVersion,
        };
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(result)}\n`
            : `Ferry database ${result.database}${result.embedded ? ` (embedded, data in ${String(result.dataDir)})` : ''} is at schema version ${result.schemaVersion}.\n`,
        );
      } finally {
        await database.close();
      }
    },
  );
}
