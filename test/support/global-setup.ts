import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../src/log/index.js';
import { createPool } from '../../src/store/pool.js';
import { migrate } from '../../src/store/migrate.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/store/embedded.js';
import { withDatabase } from '../../src/store/database-url.js';
import { quoteIdent } from '../../src/store/quote-ident.js';

/**
 * One Postgres server per test run: embedded (fresh data directory under the OS temp dir, removed
 * afterwards) unless FERRY_TEST_DATABASE_URL names a server to use. On it, a migrated template
 * database; each test file clones its own database from it (test/support/database.ts).
 */
export interface TestDatabaseServer {
  /** A URL for a maintenance database of the server (CREATE/DROP DATABASE run there). */
  adminUrl: string;
  /** Migrated template every test database is cloned from. */
  template: string;
  /** Prefix of every database this run creates, so teardown can sweep leftovers of crashed files. */
  prefix: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    ferryDatabase: TestDatabaseServer;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'warn', name: 'ferry-test' });
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const prefix = `ferry_test_${runId}_`;
  const template = `ferry_tpl_${runId}`;

  let server: EmbeddedPostgres | undefined;
  let tempDir: string | undefined;
  let adminUrl = process.env.FERRY_TEST_DATABASE_URL ?? '';

  const teardown = async (): Promise<void> => {
    try {
      if (adminUrl) await dropDatabases(adminUrl, prefix, template);
    } finally {
      await server?.stop();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    }
  };

  try {
    if (!adminUrl) {
      tempDir = await mkdtemp(join(tmpdir(), 'ferry-test-'));
      // When we run as root the server runs as the postgres OS user, which must enter this directory.
      await chmod(tempDir, 0o755);
      server = await startEmbeddedPostgres({ dataDir: join(tempDir, 'pg'), durable: false, logger });
      adminUrl = server.url('postgres');
    }
    const url = adminUrl;
    await admin(url, (client) => client.query(createDatabaseSql(template, 'template0')));
    const pool = createPool({ url: withDatabase(url, template), max: 1, logger });
    try {
      await migrate(pool, { logger });
    } finally {
      await pool.end();
    }
    // Nobody may connect to the template: CREATE DATABASE ... TEMPLATE fails while anyone is.
    await admin(url, (client) =>
      client.query(`ALTER DATABASE ${quoteIdent(template)} ALLOW_CONNECTIONS false`),
    );
  } catch (err) {
    await teardown().catch(() => undefined);
    throw err;
  }

  project.provide('ferryDatabase', { adminUrl, template, prefix });
  return teardown;
}

/** UTF-8 with C collation, like the embedded server Ferry starts for users. */
export function createDatabaseSql(name: string, template: string): string {
  return `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`;
}

export async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'ferry-test' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropDatabases(adminUrl: string, prefix: string, template: string): Promise<void> {
  await admin(adminUrl, async (client) => {
    const leftovers = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1) OR datname = $2',
      [prefix, template],
    );
    for (const { datname } of leftovers.rows) {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
    }
  });
}
