import { inspect } from 'node:util';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { ConfigError } from '../errors/index.js';
import { rootLogger } from '../log/index.js';
import { redactUrl } from './database-url.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { migrate } from './migrate.js';
import { wrapPgError } from './pg-errors.js';
import { connect, createPool } from './pool.js';
import { quoteIdent } from './quote-ident.js';

export interface OpenDatabaseOptions {
  /** Your own Postgres (`postgres://user:pass@host:5432/db`). Without it Ferry runs embedded Postgres. */
  url?: string | undefined;
  /** Embedded only: where its data lives. Default `.ferry/pg` under the working directory. */
  dataDir?: string | undefined;
  /** Embedded only: fixed port; default a free one. */
  port?: number | undefined;
  /** Embedded only: the database Ferry uses on its server. Default `ferry`. */
  database?: string | undefined;
  /** Pool size (default 10). */
  maxConnections?: number | undefined;
  /** Apply pending migrations (default true). */
  migrate?: boolean | undefined;
  logger?: Logger | undefined;
}

export interface Database {
  readonly pool: Pool;
  /** Connection URL including the password: pass it on, don't print it. */
  readonly url: string;
  /** The URL with its password replaced, for logs and output. */
  readonly displayUrl: string;
  readonly embedded: boolean;
  /** Embedded only: the data directory. */
  readonly dataDir: string | undefined;
  /** Schema version after opening (0 if migrations were skipped on an empty database). */
  readonly schemaVersion: number;
  /** Ends the pool, then stops embedded Postgres. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_DATA_DIR = '.ferry/pg';
export const DEFAULT_EMBEDDED_DATABASE = 'ferry';

/** Connects to the configured Postgres (or starts the embedded one) and brings its schema up to date. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const logger = options.logger ?? rootLogger();
  const external = options.url === undefined ? undefined : checkUrl(options.url);
  const server =
    external === undefined
      ? await startEmbeddedPostgres({
          dataDir: options.dataDir ?? DEFAULT_DATA_DIR,
          port: options.port,
          logger,
        })
      : undefined;

  let pool: Pool | undefined;
  try {
    const url = server
      ? await embeddedDatabase(server, options.database ?? DEFAULT_EMBEDDED_DATABASE, logger)
      : (external ?? '');
    pool = createPool({ url, max: options.maxConnections, logger });
    await ping(pool, url);
    const schemaVersion = options.migrate === false ? 0 : (await migrate(pool, { logger })).version;
    return database(pool, url, server, schemaVersion);
  } catch (err) {
    await pool?.end().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    throw err;
  }
}

function database(
  pool: Pool,
  url: string,
  server: EmbeddedPostgres | undefined,
  schemaVersion: number,
): Database {
  let closed: Promise<void> | undefined;
  const displayUrl = redactUrl(url);
  const db: Database = {
    pool,
    url,
    displayUrl,
    embedded: server !== undefined,
    dataDir: server?.dataDir,
    schemaVersion,
    close: () => {
      closed ??= (async () => {
        try {
          await pool.end();
        } finally {
          await server?.stop();
        }
      })();
      return closed;
    },
  };
  // console.log(db), util.inspect and JSON.stringify show the redacted URL only.
  const printable = (): object => ({
    url: displayUrl,
    embedded: db.embedded,
    dataDir: db.dataDir,
    schemaVersion,
  });
  Object.defineProperties(db, {
    toJSON: { value: printable, enumerable: false },
    [inspect.custom]: { value: printable, enumerable: false },
  });
  return db;
}

function checkUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['postgres:', 'postgresql:'].includes(parsed.protocol)) {
    throw new ConfigError(`The database URL ${redactUrl(url)} is not a postgres:// URL`, {
      code: 'DATABASE_URL_INVALID',
      hint: 'Use the form postgres://user:password@host:5432/database, or leave it unset for embedded Postgres.',
    });
  }
  return url;
}

/** Ferry's database on the embedded server, created on first start. */
async function embeddedDatabase(server: EmbeddedPostgres, name: string, logger: Logger): Promise<string> {
  const admin = createPool({ url: server.url('postgres'), max: 1, logger });
  try {
    const client = await connect(admin);
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
        logger.info({ database: name }, 'created the embedded database');
      }
    } finally {
      client.release();
    }
  } finally {
    await admin.end();
  }
  return server.url(name);
}

async function ping(pool: Pool, url: string): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    throw wrapPgError(
      `Could not connect to ${redactUrl(url)}`,
      err,
      'Check the database URL, that the server is running and reachable, and the credentials.',
    );
  }
}
