import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { createLogger } from '../../src/log/index.js';
import { withDatabase } from '../../src/store/database-url.js';
import { createPool } from '../../src/store/pool.js';
import { quoteIdent } from '../../src/store/quote-ident.js';
import { admin, createDatabaseSql } from './global-setup.js';

/**
 * A database of its own for each test file, cloned from the run's migrated template (see
 * global-setup.ts) and dropped when the file is done. Files using it are named `*.pg.test.ts`.
 *
 *   const db = useTestDatabase();
 *   it('...', async () => { await db().pool.query('SELECT 1'); });
 */
export interface TestDatabase {
  /** The database name. */
  name: string;
  /** URL with credentials, for code that opens its own connections (a second pool, a CLI run). */
  url: string;
  /** A pool on this database, closed after the file. */
  pool: Pool;
}

export interface TestDatabaseOptions {
  /** `false`: an empty database (no Ferry schema), e.g. to test migrations themselves. */
  migrated?: boolean;
}

/** Call at the top level of a test file; the getter works inside tests and hooks. */
export function useTestDatabase(options: TestDatabaseOptions = {}): () => TestDatabase {
  let database: (TestDatabase & { drop: () => Promise<void> }) | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(options);
  });
  afterAll(async () => {
    await database?.drop();
    database = undefined;
  });
  return () => {
    if (!database) throw new Error('useTestDatabase(): the database exists only inside tests and hooks');
    return database;
  };
}

/** For tests that need several databases; the caller must `drop()` each one. */
export async function createTestDatabase(
  options: TestDatabaseOptions = {},
): Promise<TestDatabase & { drop: () => Promise<void> }> {
  const { adminUrl, template, prefix } = inject('ferryDatabase');
  const name = `${prefix}${randomBytes(5).toString('hex')}`;
  await admin(adminUrl, (client) =>
    client.query(createDatabaseSql(name, options.migrated === false ? 'template0' : template)),
  );
  const url = withDatabase(adminUrl, name);
  const pool = createPool({ url, logger: createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'warn' }) });
  let dropped: Promise<void> | undefined;
  const drop = (): Promise<void> => {
    dropped ??= (async () => {
      await pool.end();
      await admin(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
      );
    })();
    return dropped;
  };
  return { name, url, pool, drop };
}
