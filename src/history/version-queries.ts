import type { Pool, PoolClient } from 'pg';
import type { FieldValue } from '../core/change-batch.js';
import { connect, wrapPgError } from '../store/index.js';
import type { VersionOp } from './content-hash.js';

/** One row of ferry.record_versions. */
export interface StoredVersion {
  /** bigserial, as a string (it may exceed 2^53). Ascends in storage order. */
  readonly id: string;
  readonly object: string;
  readonly sfid: string;
  readonly systemModstamp: Date;
  readonly capturedAt: Date;
  readonly op: VersionOp;
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** sha256, hex. */
  readonly contentHash: string;
  readonly source: string;
  readonly runId: string;
}

interface VersionRow {
  id: string;
  object: string;
  sfid: string;
  systemmodstamp: Date;
  captured_at: Date;
  op: VersionOp;
  fields: Record<string, FieldValue>;
  content_hash: Buffer;
  source: string;
  run_id: string;
}

const COLUMNS = 'id, object, sfid, systemmodstamp, captured_at, op, fields, content_hash, source, run_id';

function toVersion(row: VersionRow): StoredVersion {
  return {
    id: row.id,
    object: row.object,
    sfid: row.sfid,
    systemModstamp: row.systemmodstamp,
    capturedAt: row.captured_at,
    op: row.op,
    fields: row.fields,
    contentHash: row.content_hash.toString('hex'),
    source: row.source,
    runId: row.run_id,
  };
}

/** Every stored version of one record, oldest first. */
export async function versionsOf(pool: Pool, object: string, sfid: string): Promise<StoredVersion[]> {
  try {
    const result = await pool.query<VersionRow>(
      `SELECT ${COLUMNS} FROM ferry.record_versions WHERE object = $1 AND sfid = $2 ORDER BY id`,
      [object, sfid],
    );
    return result.rows.map(toVersion);
  } catch (err) {
    throw wrapPgError(`Could not read the versions of ${object} ${sfid}`, err);
  }
}

export interface AsOfOptions {
  /**
   * Which clock T is on. 'systemmodstamp' (default): the org's state at T, by Salesforce's
   * SystemModstamp (a tombstone counts from its deletion time). 'captured': what Ferry had stored at T.
   */
  readonly by?: 'systemmodstamp' | 'captured' | undefined;
  /** Also yield records whose latest version as of T is a deletion. Default false. */
  readonly includeDeleted?: boolean | undefined;
  /** Rows fetched per round trip. Default 1000. */
  readonly fetchSize?: number | undefined;
}

/**
 * The latest version of each record of `object` as of `at`, ordered by sfid, streamed through a
 * server-side cursor in a read-only REPEATABLE READ transaction (a consistent snapshot; memory stays
 * bounded by fetchSize). Breaking out of the loop closes the cursor and returns the connection.
 */
export async function* latestAsOf(
  pool: Pool,
  object: string,
  at: Date | string,
  options: AsOfOptions = {},
): AsyncGenerator<StoredVersion, void, undefined> {
  const clock = options.by === 'captured' ? 'captured_at' : 'systemmodstamp';
  // A record's versions are stored in captured order (one writer per object at a time), so id order
  // is captured order: the record index (object, sfid, id DESC) serves that clock.
  const order = options.by === 'captured' ? 'id DESC' : 'systemmodstamp DESC, id DESC';
  const fetchSize = Math.max(1, Math.floor(options.fetchSize ?? 1000));
  const when = at instanceof Date ? at.toISOString() : at;
  const deleted = options.includeDeleted === true ? '' : `WHERE latest.op <> 'delete'`;
  const client: PoolClient = await connect(pool);
  let healthy = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(
      `DECLARE ferry_as_of NO SCROLL CURSOR FOR
       SELECT ${COLUMNS} FROM (
         SELECT DISTINCT ON (sfid) ${COLUMNS} FROM ferry.record_versions
         WHERE object = $1 AND ${clock} <= $2::timestamptz
         ORDER BY sfid, ${order}
       ) latest ${deleted}
       ORDER BY sfid`,
      [object, when],
    );
    for (;;) {
      const page = await client.query<VersionRow>(`FETCH ${fetchSize} FROM ferry_as_of`);
      for (const row of page.rows) yield toVersion(row);
      if (page.rows.length < fetchSize) break;
    }
    await client.query('COMMIT');
    healthy = true;
  } catch (err) {
    throw wrapPgError(`Could not read ${object} as of ${when}`, err);
  } finally {
    if (!healthy) {
      // Early break (return()) or failure: end the transaction, which closes the cursor.
      try {
        await client.query('ROLLBACK');
        healthy = true;
      } catch {
        healthy = false;
      }
    }
    client.release(!healthy);
  }
}
