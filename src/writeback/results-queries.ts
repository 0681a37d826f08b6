import type { ClientBase, Pool } from 'pg';
import { ConfigError } from '../errors/index.js';
import { qualify, withTransaction } from '../store/index.js';
import { TRIGGER_LOG_ARCHIVE_TABLE, TRIGGER_LOG_TABLE, type TriggerLogState } from './trigger-log-ddl.js';
import { WRITES_CHANNEL } from './write-triggers.js';

/**
 * What `ferry writes` and `ferry status` read and change: the trigger log's rows, the conflicts the
 * materializer recorded, per-table counts, and the operator's actions (retry → NEW, ignore → IGNORED).
 */

export interface WriteLogEntry {
  readonly id: string;
  readonly state: TriggerLogState;
  readonly action: string;
  readonly table: string;
  readonly recordId: number | null;
  readonly sfid: string | null;
  readonly createdAt: string;
  readonly processedAt: string | null;
  readonly message: string | null;
  /** The row was found in `_trigger_log_archive`. */
  readonly archived: boolean;
}

export interface WriteConflictEntry {
  readonly id: string;
  readonly detectedAt: string;
  readonly table: string;
  readonly recordId: number | null;
  readonly sfid: string | null;
  readonly field: string;
  readonly localValue: unknown;
  readonly salesforceValue: unknown;
  readonly policy: string;
  readonly resolution: string;
}

export interface ListWritesOptions {
  readonly schema: string;
  readonly state?: string | undefined;
  readonly table?: string | undefined;
  /** Most rows of each kind, newest first (default 100). */
  readonly limit?: number | undefined;
  /** Also list archived rows. */
  readonly archived?: boolean | undefined;
}

async function logExists(db: Pool | ClientBase, schema: string): Promise<boolean> {
  const { rows } = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
    qualify(schema, TRIGGER_LOG_TABLE),
  ]);
  return rows[0]?.t != null;
}

export async function listWrites(
  pool: Pool,
  options: ListWritesOptions,
): Promise<{ writes: WriteLogEntry[]; conflicts: WriteConflictEntry[] }> {
  const limit = options.limit ?? 100;
  const writes: WriteLogEntry[] = [];
  if (await logExists(pool, options.schema)) {
    const sources = [{ table: qualify(options.schema, TRIGGER_LOG_TABLE), archived: false }];
    if (options.archived) {
      sources.push({ table: qualify(options.schema, TRIGGER_LOG_ARCHIVE_TABLE), archived: true });
    }
    for (const source of sources) {
      const { rows } = await pool.query<{
        id: string;
        state: TriggerLogState;
        action: string;
        table_name: string;
        record_id: number | null;
        sfid: string | null;
        created_at: Date;
        processed_at: Date | null;
        sf_message: string | null;
      }>(
        `SELECT id::text, state, action, table_name, record_id, sfid, created_at, processed_at, sf_message
         FROM ${source.table}
         WHERE ($1::text IS NULL OR state = upper($1)) AND ($2::text IS NULL OR table_name = lower($2))
         ORDER BY id DESC LIMIT $3`,
        [options.state ?? null, options.table ?? null, limit],
      );
      for (const r of rows) {
        writes.push({
          id: r.id,
          state: r.state,
          action: r.action,
          table: r.table_name,
          recordId: r.record_id,
          sfid: r.sfid,
          createdAt: r.created_at.toISOString(),
          processedAt: r.processed_at?.toISOString() ?? null,
          message: r.sf_message,
          archived: source.archived,
        });
      }
    }
  }
  const { rows } = await pool.query<{
    id: string;
    detected_at: Date;
    table_name: string;
    record_id: number | null;
    sfid: string | null;
    field: string;
    local_value: unknown;
    salesforce_value: unknown;
    policy: string;
    resolution: string;
  }>(
    `SELECT id::text, detected_at, table_name, record_id, sfid, field, local_value, salesforce_value, policy, resolution
     FROM ferry.write_conflicts
     WHERE schema_name = $1 AND ($2::text IS NULL OR table_name = lower($2))
     ORDER BY id DESC LIMIT $3`,
    [options.schema, options.table ?? null, limit],
  );
  const conflicts = rows.map((r) => ({
    id: r.id,
    detectedAt: r.detected_at.toISOString(),
    table: r.table_name,
    recordId: r.record_id,
    sfid: r.sfid,
    field: r.field,
    localValue: r.local_value,
    salesforceValue: r.salesforce_value,
    policy: r.policy,
    resolution: r.resolution,
  }));
  return { writes, conflicts };
}

/**
 * FAILED rows back to NEW (one id, or every FAILED row): the writer sends them again, and their mirror
 * rows show PENDING. An archived FAILED row is copied back into the log as NEW and marked REQUEUED in
 * the archive (Heroku Connect's practice). Returns the ids requeued.
 */
export async function retryWrites(
  pool: Pool,
  schema: string,
  which: { id: string } | { allFailed: true },
): Promise<string[]> {
  if (!(await logExists(pool, schema))) return [];
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const archive = qualify(schema, TRIGGER_LOG_ARCHIVE_TABLE);
  const id = 'id' in which ? which.id : null;
  return withTransaction(pool, async (client) => {
    await client.query(`SELECT set_config('ferry.sync', 'on', true)`);
    const copied = await client.query<{ id: string }>(
      `WITH requeued AS (
         UPDATE ${archive} SET state = 'REQUEUED', updated_at = now()
         WHERE state = 'FAILED' AND ($1::bigint IS NULL OR id = $1::bigint) RETURNING *
       )
       INSERT INTO ${log} (id, txid, created_at, updated_at, state, action, table_name, record_id, sfid, old, "values")
       SELECT id, txid, created_at, now(), 'NEW', action, table_name, record_id, sfid, old, "values" FROM requeued
       ON CONFLICT (id) DO NOTHING
       RETURNING id::text`,
      [id],
    );
    const updated = await client.query<{ id: string }>(
      `UPDATE ${log} SET state = 'NEW', updated_at = now(), processed_at = NULL, processed_tx = NULL,
              sf_result = NULL, sf_message = NULL
       WHERE state = 'FAILED' AND ($1::bigint IS NULL OR id = $1::bigint) RETURNING id::text`,
      [id],
    );
    const ids = [...updated.rows, ...copied.rows].map((r) => r.id);
    if (id !== null && ids.length === 0) {
      throw new ConfigError(`Write ${id} is not FAILED (or does not exist), so it was not retried`, {
        code: 'WRITE_NOT_FAILED',
        hint: '`ferry writes --state FAILED` lists the failed writes.',
      });
    }
    await markMirrorPending(client, schema, ids);
    if (ids.length > 0) await client.query('SELECT pg_notify($1, $2)', [WRITES_CHANNEL, `${schema}.retry`]);
    return ids;
  });
}

/** A NEW or FAILED row → IGNORED: never sent. */
export async function ignoreWrite(pool: Pool, schema: string, id: string): Promise<void> {
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const exists = await logExists(pool, schema);
  const result = exists
    ? await pool.query(
        `UPDATE ${log} SET state = 'IGNORED', updated_at = now(), processed_at = now(),
                sf_message = coalesce(sf_message, 'ignored by an operator')
         WHERE id = $1::bigint AND state IN ('NEW', 'FAILED')`,
        [id],
      )
    : { rowCount: 0 };
  if ((result.rowCount ?? 0) === 0) {
    throw new ConfigError(`Write ${id} is not NEW or FAILED (or does not exist), so it was not ignored`, {
      code: 'WRITE_NOT_IGNORABLE',
      hint: 'A write being sent (PENDING) or already processed cannot be ignored; `ferry writes` lists them.',
    });
  }
}

async function markMirrorPending(client: ClientBase, schema: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await client.query<{ table_name: string; record_ids: number[] }>(
    `SELECT table_name, array_agg(DISTINCT record_id) AS record_ids FROM ${qualify(schema, TRIGGER_LOG_TABLE)}
     WHERE id = ANY ($1::bigint[]) AND action <> 'DELETE' AND record_id IS NOT NULL GROUP BY table_name`,
    [ids],
  );
  for (const r of rows) {
    await client.query(
      `UPDATE ${qualify(schema, r.table_name)} SET _hc_lastop = 'PENDING', _hc_err = NULL WHERE id = ANY ($1::int[])`,
      [r.record_ids],
    );
  }
}

export interface TableWriteCounts {
  readonly table: string;
  /** NEW + PENDING. */
  readonly pending: number;
  readonly failed: number;
}

/** Per table of the schema: changes waiting to be sent and failed ones (in the live log). */
export async function writeCounts(pool: Pool, schema: string): Promise<TableWriteCounts[]> {
  if (!(await logExists(pool, schema))) return [];
  const { rows } = await pool.query<{ table_name: string; pending: string; failed: string }>(
    `SELECT table_name, count(*) FILTER (WHERE state IN ('NEW', 'PENDING'))::text AS pending,
            count(*) FILTER (WHERE state = 'FAILED')::text AS failed
     FROM ${qualify(schema, TRIGGER_LOG_TABLE)} WHERE state IN ('NEW', 'PENDING', 'FAILED')
     GROUP BY table_name ORDER BY table_name`,
  );
  return rows.map((r) => ({ table: r.table_name, pending: Number(r.pending), failed: Number(r.failed) }));
}
