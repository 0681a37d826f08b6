import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { rootLogger } from '../log/index.js';
import { redactUrl } from './database-url.js';
import { sqlState, wrapPgError } from './pg-errors.js';

export interface PoolOptions {
  url: string;
  /** Connections kept at most (pg's default is 10). */
  max?: number | undefined;
  /** Shown in pg_stat_activity; defaults to 'ferry'. */
  applicationName?: string | undefined;
  logger?: Logger | undefined;
}

const TIMESTAMP_OID = 1114;
const TIMESTAMPTZ_OID = 1184;

/**
 * A `pg` pool for Ferry. Sessions run with TimeZone=UTC and `timestamp without time zone` values are
 * read as UTC: Ferry stores Salesforce datetimes as UTC `timestamp`s, and node-postgres would
 * otherwise interpret them in the host's local zone.
 */
export function createPool(options: PoolOptions): Pool {
  const logger = (options.logger ?? rootLogger()).child({ component: 'pool' });
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'ferry',
    // temp_buffers: a batch's staging table (src/history/version-stage.ts, ~13 MB for 10,000 rows)
    // stays in memory instead of spilling to disk at the default 8 MB. It can only be set before a
    // session's first temporary table, hence here.
    options: '-c TimeZone=UTC -c temp_buffers=32MB',
    types: { getTypeParser: typeParser as pg.CustomTypesConfig['getTypeParser'] },
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled, it would crash the
  // process. The pool discards that client by itself; the next checkout gets a fresh one.
  pool.on('error', (err) => {
    // 57P01 admin_shutdown: the server is stopping (a restart, or Ctrl-C reaching embedded Postgres
    // along with Ferry): expected, and the next checkout reconnects or fails with a clear error.
    if (sqlState(err) === '57P01') {
      logger.info({ url: redactUrl(options.url) }, 'the database server shut down; idle connections closed');
      return;
    }
    logger.warn({ err, url: redactUrl(options.url) }, 'idle database connection failed');
  });
  // A checked-out client emits 'error' too when its connection dies, even though the query in flight
  // (or the next one) already fails with that error. Listen on every client so that event cannot
  // crash the process; the failure reaches the caller through the query.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.debug({ err }, 'database connection failed while checked out'));
  });
  return pool;
}

/** A client from the pool, with connection failures classified (refused → transient, auth → config...). */
export async function connect(pool: Pool): Promise<PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    throw wrapPgError(
      'Could not get a database connection',
      err,
      'Check that the database is running and reachable.',
    );
  }
}

function typeParser(oid: number, format?: string): unknown {
  if (oid === TIMESTAMP_OID && format !== 'binary') return parseUtcTimestamp;
  return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
}

const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (value: string) => unknown;

function parseUtcTimestamp(value: string): unknown {
  // 'infinity' and '-infinity' carry no zone; BC dates keep their suffix last.
  if (!/^\d/.test(value)) return parseTimestamptz(value);
  return value.endsWith(' BC')
    ? parseTimestamptz(`${value.slice(0, -3)}+00 BC`)
    : parseTimestamptz(`${value}+00`);
}
