import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { ConfigError, InvariantError, TransientError, isFerryError } from '../errors/index.js';
import { rootLogger } from '../log/index.js';
import { advisoryLockKey } from './advisory-lock.js';
import { wrapPgError } from './pg-errors.js';
import { withTransaction } from './transaction.js';

/**
 * Schema migrations: numbered `.sql` files in ./migrations (`NNNN_name.sql`), applied in order, all
 * pending ones in ONE transaction under an advisory lock, each recorded in ferry.migrations. Files
 * are never edited once released: a changed checksum means the database and the code disagree.
 */
export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  /** sha256 of the file with line endings normalised (a CRLF checkout is the same migration). */
  checksum: string;
}

export interface MigrateOptions {
  /** Defaults to the files shipped with this build. */
  migrations?: readonly Migration[] | undefined;
  logger?: Logger | undefined;
}

export interface MigrateResult {
  /** Migrations applied by this call, in order (empty when the database was current). */
  applied: readonly Migration[];
  /** The schema version of the database afterwards. */
  version: number;
}

/** Found next to this module both in src/ (tests) and dist/ (the build copies the .sql files). */
export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
export const MIGRATION_LOCK = 'ferry:migrate';

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  } catch (err) {
    throw new InvariantError(`Migrations directory ${dir.pathname} cannot be read`, {
      code: 'MIGRATIONS_MISSING',
      hint: 'The build must copy src/store/migrations/*.sql to dist/store/migrations/ (npm run build).',
      cause: err,
    });
  }
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match?.[1] || !match[2]) {
      throw new InvariantError(`Migration file ${file} is not named NNNN_name.sql`, {
        code: 'MIGRATION_NAME',
      });
    }
    const sql = await readFile(new URL(file, dir), 'utf8');
    migrations.push(migration(Number(match[1]), match[2], file, sql));
  }
  checkSequence(migrations);
  return migrations;
}

export function migration(version: number, name: string, file: string, sql: string): Migration {
  const checksum = createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
  return { version, name, file, sql, checksum };
}

/** Brings the database to the newest schema this build knows. Safe to call from many processes. */
export async function migrate(pool: Pool, options: MigrateOptions = {}): Promise<MigrateResult> {
  const logger = (options.logger ?? rootLogger()).child({ component: 'migrate' });
  const known = options.migrations ?? (await loadMigrations());
  checkSequence(known);

  return withTransaction(pool, async (client) => {
    // Transaction-scoped: released by COMMIT or ROLLBACK, so a crash cannot leave it held. A second
    // migrator waits here, then sees what the first one committed (READ COMMITTED re-reads).
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
      advisoryLockKey(MIGRATION_LOCK).toString(),
    ]);
    const applied = await appliedMigrations(client);
    const pending = plan(known, applied);

    for (const m of pending) {
      logger.info({ version: m.version, migration: m.file }, 'applying migration');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO ferry.migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
      } catch (err) {
        throw migrationFailure(m, err);
      }
    }
    const version = pending.at(-1)?.version ?? applied.at(-1)?.version ?? 0;
    return { applied: pending, version };
  });
}

interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

async function appliedMigrations(client: PoolClient): Promise<AppliedMigration[]> {
  // Before 0001 has run there is no table to read.
  const exists = await client.query<{ table: string | null }>(
    "SELECT to_regclass('ferry.migrations')::text AS table",
  );
  if (exists.rows[0]?.table == null) return [];
  const result = await client.query<AppliedMigration>(
    'SELECT version, name, checksum FROM ferry.migrations ORDER BY version',
  );
  return result.rows;
}

/** Which known migrations still have to run, after checking the database against this build. */
function plan(known: readonly Migration[], applied: readonly AppliedMigration[]): Migration[] {
  const newestKnown = known.at(-1)?.version ?? 0;
  const newestApplied = applied.at(-1)?.version ?? 0;
  if (newestApplied > newestKnown) {
    throw new ConfigError(
      `The database schema is at version ${newestApplied}, newer than this Ferry build knows (version ${newestKnown})`,
      {
        code: 'SCHEMA_TOO_NEW',
        hint: 'A newer Ferry has migrated this database. Upgrade Ferry to that version or later; do not downgrade.',
      },
    );
  }
  const byVersion = new Map(known.map((m) => [m.version, m]));
  applied.forEach((row, index) => {
    const m = byVersion.get(row.version);
    // Versions are contiguous from 1 on both sides, so applied must be a prefix of known.
    if (!m || row.version !== index + 1) {
      throw new InvariantError(
        `ferry.migrations records version ${row.version} (${row.name}) out of sequence with this build's migrations`,
        {
          code: 'MIGRATION_HISTORY_MISMATCH',
          hint: 'The migrations table was edited by hand, or files were removed.',
        },
      );
    }
    if (m.checksum !== row.checksum) {
      throw new InvariantError(
        `Migration ${m.file} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${m.checksum.slice(0, 12)}… in this build)`,
        {
          code: 'MIGRATION_CHECKSUM_MISMATCH',
          hint: 'Released migrations must never be edited: restore the file and put the change in a new migration.',
        },
      );
    }
  });
  return known.slice(applied.length);
}

function checkSequence(migrations: readonly Migration[]): void {
  migrations.forEach((m, index) => {
    if (m.version !== index + 1) {
      throw new InvariantError(
        `Migration ${m.file} has version ${m.version}; expected ${index + 1} (versions start at 1 with no gaps or duplicates)`,
        { code: 'MIGRATION_SEQUENCE' },
      );
    }
  });
}

function migrationFailure(m: Migration, err: unknown): Error {
  if (isFerryError(err)) return err;
  const wrapped = wrapPgError(`Migration ${m.file} failed; no migration of this run was applied`, err);
  // A released migration that fails on a healthy connection is a bug in Ferry, unless the user's
  // role lacks privileges (config) or the connection failed (transient).
  if (wrapped instanceof ConfigError || wrapped instanceof TransientError) return wrapped;
  return new InvariantError(wrapped.message, { code: wrapped.code, cause: err });
}
