/**
 * What the planners read from Postgres: NEW trigger-log rows of the read-write tables, oldest first,
 * and the current state of the mirror rows they name.
 *
 * Visibility: log ids come from a sequence when a change is made, not when its transaction commits.
 * A transaction still open can hold smaller ids than one that already committed; sending the
 * committed one's rows now would put them before the open one's, against log order. So rows are read
 * only below a horizon: the oldest open transaction that has written to this trigger log (it holds a
 * RowExclusiveLock on the table until it ends, visible in pg_locks). Every row read then belongs to a
 * finished transaction, and so do the rows of every older transaction that wrote to the log; as txids
 * and ids are both handed out in time order, a later plan does not find rows "behind" the ones sent.
 * The horizon is read just before the rows (a transaction that starts writing in between is the one
 * case left open; concurrent transactions have no order between them anyway). Changes of ONE record
 * are always in order: a row lock makes the second transaction wait for the first to commit before it
 * changes the record and takes its ids.
 *
 * Why not `txid < txid_snapshot_xmin(txid_current_snapshot())`: that horizon is the oldest open
 * transaction of the whole cluster that has an xid — any long transaction (a backfill, another
 * writer waiting for the writer lock after a SELECT ... FOR UPDATE) would stop write-back until it
 * ends, or deadlock it. Only transactions that wrote to this log matter.
 */
import type { ClientBase } from 'pg';
import { parseJsonExact } from '../salesforce/http/exact-json.js';
import { qualify, quoteIdent, wrapPgError } from '../store/index.js';
import { TRIGGER_LOG_TABLE, type TriggerLogAction } from './trigger-log-ddl.js';

export interface LogRow {
  readonly id: string;
  readonly txid: string;
  readonly action: TriggerLogAction;
  readonly table: string;
  readonly recordId: number;
  readonly sfid: string | null;
  readonly values: Readonly<Record<string, unknown>> | null;
  /**
   * The row was handled before (sent, failed, requeued): its `updated_at` moved past `created_at`,
   * which capture sets to the same instant. Planners use it for INSERT rows only: a retried insert
   * is sent with the row as it is now (its logged values may be what failed).
   */
  readonly retried: boolean;
}

interface RawLogRow {
  id: string;
  txid: string;
  action: TriggerLogAction;
  table_name: string;
  record_id: number;
  sfid: string | null;
  /** `values` as jsonb text: parsed here, so numbers keep their digits (exactValues). */
  values: string | null;
  retried: boolean;
}

/**
 * jsonb text → values. `numeric` columns keep every digit in jsonb; JSON.parse (what pg would do)
 * turns a number of more than 15 significant digits into the nearest double. parseJsonExact hands
 * such numbers over as their exact decimal text instead, which log-values.ts sends as a JSON number
 * token with the same digits.
 */
export function exactValues(text: string): Record<string, unknown> {
  return parseJsonExact(text) as Record<string, unknown>;
}

const toLogRow = (r: RawLogRow): LogRow => ({
  id: r.id,
  txid: r.txid,
  action: r.action,
  table: r.table_name,
  recordId: r.record_id,
  sfid: r.sfid,
  values: r.values === null ? null : exactValues(r.values),
  retried: r.retried,
});

/**
 * SQL for the 64-bit txid (as `txid_current()` gives it) of a 32-bit xid (as pg_locks shows it)
 * belonging to a running transaction, from `reference`, a 64-bit txid of the same moment: the one
 * within 2^31 of it whose low 32 bits are the xid (Postgres keeps every running xid that close).
 * Both arguments are SQL expressions (bigint).
 *
 * The reference used is the snapshot's xmax, which is the latest *completed* xid + 1: a running
 * transaction may be ahead of it. Placing the xid in xmax's epoch and stepping back one when that
 * put it ahead of xmax — what an earlier version did — turned such a transaction's txid into a
 * negative one, and the writer then sent nothing until it ended.
 */
export function widenXidSql(reference: string, xid: string): string {
  const delta = `((${xid} - (${reference}) % 4294967296 + 4294967296) % 4294967296)`;
  return `((${reference}) + ${delta} - CASE WHEN ${delta} >= 2147483648 THEN 4294967296 ELSE 0 END)`;
}

/** The txid of the oldest other open transaction that has written to the log, or null. */
export async function writeHorizon(client: ClientBase, schema: string): Promise<string | null> {
  const { rows } = await client.query<{ horizon: string | null }>(
    `SELECT min(${widenXidSql('s.xmax', 'x.xid')})::text AS horizon
     FROM (SELECT txid_snapshot_xmax(txid_current_snapshot()) AS xmax) s
     CROSS JOIN LATERAL (
       SELECT t.transactionid::text::bigint AS xid
       FROM pg_locks r
       JOIN pg_locks t ON t.pid = r.pid AND t.locktype = 'transactionid' AND t.mode = 'ExclusiveLock' AND t.granted
       WHERE r.locktype = 'relation' AND r.relation = to_regclass($1) AND r.mode = 'RowExclusiveLock'
         AND r.granted AND r.pid <> pg_backend_pid()
         AND r.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     ) x`,
    [qualify(schema, TRIGGER_LOG_TABLE)],
  );
  return rows[0]?.horizon ?? null;
}

/**
 * NEW rows of `tables` from finished transactions below the write horizon, in id order, at most
 * `limit`, locked until the caller's transaction ends (the writer's plan-and-claim transaction). The
 * lock is what makes the plan and its claim agree: a change to a row after it was read — the
 * materializer's `salesforce-wins` dropping a field or the whole row (IGNORED), an operator's ignore —
 * waits for the claim, then finds the row PENDING and leaves it alone (conflicts.ts treats it as in
 * flight). Without it such a change could land between the read and the claim, and the writer would
 * send what was read: a field the policy gave to Salesforce, or a row no longer to be sent.
 */
export async function readNewRows(
  client: ClientBase,
  schema: string,
  tables: readonly string[],
  limit: number,
): Promise<LogRow[]> {
  if (tables.length === 0) return [];
  try {
    const horizon = await writeHorizon(client, schema);
    const { rows } = await client.query<RawLogRow>(
      `SELECT id, txid, action, table_name, record_id, sfid, "values"::text AS "values",
              updated_at <> created_at AS retried
       FROM ${qualify(schema, TRIGGER_LOG_TABLE)}
       WHERE state = 'NEW' AND table_name = ANY ($1::text[]) AND record_id IS NOT NULL
         AND ($3::bigint IS NULL OR txid < $3::bigint)
       -- Read through the queue index (_trigger_log_idx_new, the NEW rows in id order): the primary
       -- key would walk past every processed row the log still holds.
       ORDER BY id
       LIMIT $2
       FOR NO KEY UPDATE`,
      [tables, limit, horizon],
    );
    return rows.map(toLogRow);
  } catch (err) {
    throw wrapPgError(`Could not read the trigger log ${schema}.${TRIGGER_LOG_TABLE}`, err);
  }
}

/**
 * FAILED rows of these records of one table, in id order, for records with no PENDING row, locked
 * like readNewRows' (an operator's retry waits for the claim instead of requeueing rows being sent). The
 * caller asks only for records without sfid: such a record can only have failed as an insert (an
 * update or delete needs an sfid to be sent), whichever row of the folded attempt took FAILED.
 */
export async function readFailedAttempts(
  client: ClientBase,
  schema: string,
  table: string,
  recordIds: readonly number[],
): Promise<LogRow[]> {
  if (recordIds.length === 0) return [];
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  try {
    const { rows } = await client.query<RawLogRow>(
      `SELECT l.id, l.txid, l.action, l.table_name, l.record_id, l.sfid, l."values"::text AS "values", true AS retried
       FROM ${log} l
       WHERE l.state = 'FAILED' AND l.table_name = $1 AND l.record_id = ANY ($2::int[])
         AND NOT EXISTS (SELECT 1 FROM ${log} p
                         WHERE p.state = 'PENDING' AND p.table_name = l.table_name AND p.record_id = l.record_id)
       ORDER BY l.id
       FOR NO KEY UPDATE OF l`,
      [table, recordIds],
    );
    return rows.map(toLogRow);
  } catch (err) {
    throw wrapPgError(`Could not read failed writes of ${schema}.${table}`, err);
  }
}

/** A mirror row as the planner needs it. */
export interface MirrorRow {
  readonly sfid: string | null;
  /** The external-id column's value, when the table has that column. */
  readonly externalId: string | null;
}

/**
 * Current mirror rows by `id` (absent: deleted since): sfid and external id only. Most writes need no
 * more (an update sends its logged values); the whole row (readMirrorValues) is read only for the
 * few inserts sent "as the row is now" — reading every row whole cost more than the rest of a plan.
 * `extColumn` null: the table has none.
 */
export async function readMirrorRows(
  client: ClientBase,
  schema: string,
  table: string,
  recordIds: readonly number[],
  extColumn: string | null,
): Promise<Map<number, MirrorRow>> {
  const out = new Map<number, MirrorRow>();
  if (recordIds.length === 0) return out;
  const ext = extColumn === null ? 'NULL::text' : `m.${quoteIdent(extColumn)}::text`;
  try {
    const { rows } = await client.query<{ id: number; sfid: string | null; ext: string | null }>(
      `SELECT m.id, m.sfid, ${ext} AS ext FROM ${qualify(schema, table)} m WHERE m.id = ANY ($1::int[])`,
      [recordIds],
    );
    for (const r of rows) out.set(r.id, { sfid: r.sfid, externalId: r.ext });
    return out;
  } catch (err) {
    throw wrapPgError(`Could not read mirror rows of ${schema}.${table}`, err);
  }
}

/**
 * Every non-system column of these mirror rows as capture would log it (to_jsonb minus the system
 * columns), by `id`; absent: deleted since. Numbers keep their digits (exactValues).
 */
export async function readMirrorValues(
  client: ClientBase,
  schema: string,
  table: string,
  recordIds: readonly number[],
): Promise<Map<number, Record<string, unknown>>> {
  const out = new Map<number, Record<string, unknown>>();
  if (recordIds.length === 0) return out;
  try {
    const { rows } = await client.query<{ id: number; values: string }>(
      `SELECT m.id, (to_jsonb(m) - ferry.writeback_system_columns())::text AS "values"
       FROM ${qualify(schema, table)} m WHERE m.id = ANY ($1::int[])`,
      [recordIds],
    );
    for (const r of rows) out.set(r.id, exactValues(r.values));
    return out;
  } catch (err) {
    throw wrapPgError(`Could not read mirror rows of ${schema}.${table}`, err);
  }
}

/** Whether `schema.table` has `column` (the external-id column may be missing from older tables). */
export async function hasColumn(
  client: ClientBase,
  schema: string,
  table: string,
  column: string,
): Promise<boolean> {
  // pg_attribute, not information_schema.columns: the view costs milliseconds, asked once per plan.
  const { rows } = await client.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_attribute
                    WHERE attrelid = to_regclass($1) AND attname = $2 AND attnum > 0 AND NOT attisdropped) AS present`,
    [qualify(schema, table), column],
  );
  return rows[0]?.present === true;
}
