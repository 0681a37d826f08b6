import type { ClientBase, Pool } from 'pg';
import { qualify, retryConflictAborts, withTransaction } from '../store/index.js';
import { TRIGGER_LOG_INDEX_PREDICATE, TRIGGER_LOG_TABLE } from './trigger-log-ddl.js';
import type { SkippedRows, WriteOp, WriteOutcome } from './write-plan.js';

/**
 * What the writer records, on the trigger log and on the mirror rows (docs/write-back.md "Results
 * and errors"). Every statement runs with `ferry.sync = 'on'`, so none of it is captured again.
 *
 * - Claim: the log rows of a plan go NEW → PENDING in the plan's committed transaction before
 *   anything is sent, so a crash leaves them PENDING; the next writer puts them back to NEW
 *   (`requeueInFlight`) and sends them again — safe, because inserts are upserts on their external id.
 * - Outcomes are recorded set-based (one UPDATE of the log, one per mirror table, values as arrays),
 *   a collections call's answers at a time as they arrive (outcome-recorder.ts).
 * - Success: log row SUCCESS (a write's earlier rows folded into it: MERGED); the mirror row gets the
 *   new sfid (inserts), `_hc_lastop` INSERTED / UPDATED and no `_hc_err` — unless a newer change of
 *   the row is waiting, which keeps it PENDING.
 * - Record error: log rows FAILED with Salesforce's message; the mirror row `_hc_lastop` FAILED and
 *   `_hc_err` = `{"op", "code", "message", "fields"}`; its data stays as the user wrote it.
 * - Salesforce unavailable: `requeue` — the rows go back to NEW, nothing is marked failed.
 * - An insert that succeeded for a row deleted meanwhile: its captured DELETE is sent after all
 *   (deleteOrphans), so no record is left in Salesforce that Postgres no longer has.
 */

/** `sf_result` of a processed log row: 1 written, 0 refused (Heroku Connect leaves it undocumented). */
export const SF_RESULT_SUCCESS = 1;
export const SF_RESULT_FAILED = 0;

/** `sf_message` of a DELETE sent for a record created after its row was deleted (deleteOrphans). */
export const ORPHAN_DELETE_MESSAGE =
  'the row was deleted while its insert was being sent: the record Salesforce created is deleted too';

const LASTOP: Readonly<Record<WriteOp, string>> = {
  insert: 'INSERTED',
  update: 'UPDATED',
  delete: 'DELETED',
};
const ACTION: Readonly<Record<WriteOp, string>> = { insert: 'INSERT', update: 'UPDATE', delete: 'DELETE' };

/**
 * A CTE `waiting(record_id)`: which of these records (`ids`, an int[] parameter) of `table` have a
 * log row in `states` (a condition on `w.state`). One probe of the log's unsent index per record: the
 * subquery repeats the index's predicate and leaves `states` outside (OFFSET 0 keeps it there), so
 * neither stale statistics nor the queue index of NEW rows can turn the probe into a read of every
 * waiting row. As a correlated EXISTS, Postgres hashed every unsent row of the table per recording — the
 * whole plan's PENDING rows once per collections call: 60% of the writer's Postgres time at 10,000
 * writes.
 */
function waitingRecords(log: string, table: string, ids: string, states: string): string {
  return `waiting AS MATERIALIZED (
       SELECT r.id AS record_id FROM unnest(${ids}::int[]) AS r(id)
       CROSS JOIN LATERAL (SELECT w.state FROM ${log} w
                           WHERE w.table_name = ${table} AND w.record_id = r.id
                             AND (${TRIGGER_LOG_INDEX_PREDICATE}) OFFSET 0) w
       WHERE ${states})`;
}

async function asFerry(client: ClientBase): Promise<void> {
  await client.query(`SELECT set_config('ferry.sync', 'on', true)`);
}

/**
 * Marks the rows PENDING (only those still NEW), on the writer's claim transaction: committed before
 * anything is sent, so a crash leaves them PENDING. Returns how many were claimed.
 */
export async function claimLogRowsWith(
  client: ClientBase,
  schema: string,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  await asFerry(client);
  const result = await client.query(
    `UPDATE ${qualify(schema, TRIGGER_LOG_TABLE)} SET state = 'PENDING', updated_at = now()
     WHERE id = ANY ($1::bigint[]) AND state = 'NEW'`,
    [ids],
  );
  return result.rowCount ?? 0;
}

/**
 * Rows the planner settled without sending (IGNORED, with its reason). A mirror row with nothing
 * else waiting is as Salesforce has it: SYNCED.
 */
export async function recordSkippedWith(
  client: ClientBase,
  schema: string,
  skipped: readonly SkippedRows[],
): Promise<void> {
  if (skipped.length === 0) return;
  await asFerry(client);
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const ids = skipped.flatMap((s) => s.logIds);
  const reasons = skipped.flatMap((s) => s.logIds.map(() => s.reason));
  await client.query(
    `UPDATE ${log} l SET state = 'IGNORED', sf_message = x.reason, processed_at = now(),
            processed_tx = txid_current(), updated_at = now()
     FROM unnest($1::bigint[], $2::text[]) AS x(id, reason)
     WHERE l.id = x.id AND l.state = 'NEW'`,
    [ids, reasons],
  );
  const byTable = new Map<string, number[]>();
  for (const s of skipped) byTable.set(s.table, [...(byTable.get(s.table) ?? []), s.recordId]);
  for (const [table, recordIds] of byTable) {
    const mirror = qualify(schema, table);
    await client.query(
      `WITH ${waitingRecords(log, '$1', '$2', `w.state IN ('NEW', 'PENDING')`)}
       UPDATE ${mirror} t SET _hc_lastop = 'SYNCED'
       WHERE t.id = ANY ($2::int[]) AND t._hc_lastop = 'PENDING'
         AND t.id NOT IN (SELECT record_id FROM waiting)`,
      [table, recordIds],
    );
  }
}

/** PENDING → NEW for these rows (Salesforce was unavailable, or the sender gave no result for them). */
export async function requeue(
  pool: Pool | ClientBase,
  schema: string,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await pool.query(
    `UPDATE ${qualify(schema, TRIGGER_LOG_TABLE)} SET state = 'NEW', updated_at = now()
     WHERE id = ANY ($1::bigint[]) AND state = 'PENDING'`,
    [ids],
  );
  return result.rowCount ?? 0;
}

/**
 * Every PENDING row back to NEW: called by a writer that has just taken the writer lock, so any
 * PENDING row was left by a writer that died mid-send.
 */
export async function requeueInFlight(pool: Pool | ClientBase, schema: string): Promise<number> {
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const present = await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [log]);
  if (!present.rows[0]?.t) return 0;
  const result = await pool.query(
    `UPDATE ${log} SET state = 'NEW', updated_at = now() WHERE state = 'PENDING'`,
  );
  return result.rowCount ?? 0;
}

/** Whether the schema's trigger log has a row waiting to be sent (false when there is no log). */
export async function hasNewRows(pool: Pool | ClientBase, schema: string): Promise<boolean> {
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const present = await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [log]);
  if (!present.rows[0]?.t) return false;
  const { rowCount } = await pool.query(`SELECT 1 FROM ${log} WHERE state = 'NEW' LIMIT 1`);
  return (rowCount ?? 0) > 0;
}

/**
 * What the writer knows about the rows of its plan (all PENDING rows are its own: one writer per
 * schema). With it, a mirror row stays PENDING when `stillPlanned` says another write of the record
 * in the plan is not recorded yet, and the log is searched only for NEW rows (changes captured
 * since, or not in the plan) — instead of for every NEW and PENDING row of the table, which a plan's
 * own PENDING rows made a search over the whole plan for each recording.
 */
export interface RecordOptions {
  readonly stillPlanned: (o: WriteOutcome) => boolean;
}

export interface RecordedOutcomes {
  readonly succeeded: number;
  readonly failed: number;
}

/**
 * Records outcomes in one transaction (log rows, then mirror rows). It commits without waiting for
 * the WAL flush (`synchronous_commit = off`): a crash can lose only the last recordings, whose rows
 * are then still PENDING, go back to NEW on restart and are sent again — which is safe (see
 * "Claim" above) and is what happens anyway to a crash between sending and recording. Postgres
 * loses such commits only as a suffix, so a record's later outcome never outlives an earlier one.
 */
export async function recordOutcomes(
  pool: Pool,
  schema: string,
  outcomes: readonly WriteOutcome[],
  options?: RecordOptions,
): Promise<RecordedOutcomes> {
  if (outcomes.length === 0) return { succeeded: 0, failed: 0 };
  // A deadlock with the sync's merge (mirror rows locked in the other order) is run again: given up,
  // the writes Salesforce has made would go back to NEW, unrecorded, and be sent again.
  return retryConflictAborts(() =>
    withTransaction(pool, async (client) => {
      await client.query(`SELECT set_config('synchronous_commit', 'off', true)`);
      return recordOutcomesWith(client, schema, outcomes, options);
    }),
  );
}

/**
 * recordOutcomes on the caller's transaction: one UPDATE of the log, one of each mirror table, all
 * values as arrays (unnest); the statements only inserts need (a poll's copy of the new record, the
 * sfid of later changes, orphan deletes) run only when the outcomes hold inserts.
 */
export async function recordOutcomesWith(
  client: ClientBase,
  schema: string,
  outcomes: readonly WriteOutcome[],
  options?: RecordOptions,
): Promise<RecordedOutcomes> {
  if (outcomes.length === 0) return { succeeded: 0, failed: 0 };
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const logRows = {
    id: [] as string[],
    state: [] as string[],
    result: [] as number[],
    message: [] as (string | null)[],
    sfid: [] as (string | null)[],
  };
  let succeeded = 0;
  for (const o of outcomes) {
    if (o.ok) succeeded++;
    const ids = o.write.logIds;
    const last = ids.length - 1;
    for (let i = 0; i <= last; i++) {
      logRows.id.push(ids[i]!);
      if (o.ok) {
        logRows.state.push(i === last ? 'SUCCESS' : 'MERGED');
        logRows.result.push(SF_RESULT_SUCCESS);
        logRows.message.push(null);
        logRows.sfid.push(o.sfid);
      } else {
        logRows.state.push('FAILED');
        logRows.result.push(SF_RESULT_FAILED);
        logRows.message.push(o.message);
        logRows.sfid.push(null);
      }
    }
  }
  await asFerry(client);
  // `id = ANY (…)` beside the join on unnest: the planner then fetches the rows by index instead of
  // hashing a scan of the whole table (a few hundred rows are recorded at a time; the table is big).
  await client.query(
    // A DELETE sent for an orphan (deleteOrphans) keeps saying why it was sent.
    `UPDATE ${log} l SET state = x.state, sf_result = x.result,
            sf_message = CASE WHEN x.state = 'SUCCESS' AND l.sf_message = $6 THEN l.sf_message ELSE x.message END,
            sfid = coalesce(l.sfid, x.sfid), processed_at = now(), processed_tx = txid_current(), updated_at = now()
     FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[]) AS x(id, state, result, message, sfid)
     WHERE l.id = x.id AND l.id = ANY ($1::bigint[])`,
    [logRows.id, logRows.state, logRows.result, logRows.message, logRows.sfid, ORPHAN_DELETE_MESSAGE],
  );
  const byTable = new Map<string, WriteOutcome[]>();
  for (const o of outcomes) {
    if (o.write.op === 'delete') continue; // the mirror row is gone already
    const list = byTable.get(o.write.table);
    if (list) list.push(o);
    else byTable.set(o.write.table, [o]);
  }
  for (const [table, list] of byTable) await recordOnMirror(client, schema, table, list, options);
  return { succeeded, failed: outcomes.length - succeeded };
}

async function recordOnMirror(
  client: ClientBase,
  schema: string,
  table: string,
  outcomes: readonly WriteOutcome[],
  options: RecordOptions | undefined,
): Promise<void> {
  const mirror = qualify(schema, table);
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const ids: number[] = [];
  const sfids: (string | null)[] = [];
  const ops: string[] = [];
  const errors: (string | null)[] = [];
  const planned: boolean[] = [];
  const inserted: Extract<WriteOutcome, { ok: true }>[] = [];
  for (const o of outcomes) {
    ids.push(o.write.recordId);
    planned.push(options?.stillPlanned(o) ?? false);
    if (o.ok) {
      sfids.push(o.sfid);
      ops.push(LASTOP[o.write.op]);
      errors.push(null);
      if (o.write.op === 'insert') inserted.push(o);
    } else {
      sfids.push(null);
      ops.push('FAILED');
      errors.push(
        JSON.stringify({ op: ACTION[o.write.op], code: o.code, message: o.message, fields: o.fields }),
      );
    }
  }
  if (inserted.length > 0) {
    // A poll may have read the new record before its sfid came back here, and added it as a row of
    // its own: that copy goes, the row the user inserted takes the sfid.
    await client.query(
      `DELETE FROM ${mirror} t USING unnest($1::int[], $2::text[]) AS x(record_id, sfid)
       WHERE t.sfid = x.sfid AND t.id <> x.record_id`,
      [inserted.map((o) => o.write.recordId), inserted.map((o) => o.sfid)],
    );
  }
  // A newer change of the row still waiting keeps it PENDING: `_hc_lastop` tells the row's state.
  // A refused write leaves the row's data (and sfid) as the user wrote it.
  const waitingStates = options ? `w.state = 'NEW'` : `w.state IN ('NEW', 'PENDING')`;
  await client.query(
    `WITH ${waitingRecords(log, '$1', '$2', waitingStates)}
     UPDATE ${mirror} t SET sfid = coalesce(x.sfid, t.sfid),
            _hc_lastop = CASE WHEN x.planned OR t.id IN (SELECT record_id FROM waiting)
                              THEN t._hc_lastop ELSE x.lastop END,
            _hc_err = x.err
     FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::boolean[]) AS x(record_id, sfid, lastop, err, planned)
     WHERE t.id = x.record_id AND t.id = ANY ($2::int[])`,
    [table, ids, sfids, ops, errors, planned],
  );
  if (inserted.length > 0) {
    // Later changes of a row inserted meanwhile were captured without its sfid.
    await client.query(
      `UPDATE ${log} l SET sfid = x.sfid, updated_at = now()
       FROM unnest($2::int[], $3::text[]) AS x(record_id, sfid)
       WHERE l.table_name = $1 AND l.record_id = x.record_id AND l.record_id = ANY ($2::int[])
         AND l.sfid IS NULL AND l.state = 'NEW'`,
      [table, inserted.map((o) => o.write.recordId), inserted.map((o) => o.sfid)],
    );
    await deleteOrphans(client, schema, table, inserted);
  }
}

/**
 * A row deleted while its insert was being sent (PENDING): the DELETE was captured without an sfid
 * and logged IGNORE, then the insert succeeded — leaving a record in Salesforce that Postgres no
 * longer has (and that the next poll would bring back as a new row). The DELETE row is revived: it
 * takes the new sfid and goes back to NEW, in this same transaction, so the writer sends it through
 * the usual path in its next plan (it plans again while NEW rows remain; a crash in between loses
 * nothing: the row is NEW), and meanwhile
 * a poll does not re-add the record (conflicts.ts: an unsent DELETE keeps its versions out).
 *
 * Only a captured DELETE is sent: a row removed with `ferry.sync = 'on'` was removed on purpose
 * without sending anything, so the record stays in Salesforce (and comes back with the next poll).
 */
async function deleteOrphans(
  client: ClientBase,
  schema: string,
  table: string,
  inserts: readonly Extract<WriteOutcome, { ok: true }>[],
): Promise<void> {
  await client.query(
    `UPDATE ${qualify(schema, TRIGGER_LOG_TABLE)} l
     SET state = 'NEW', sfid = x.sfid, sf_message = $4, updated_at = now()
     FROM unnest($2::int[], $3::text[]) AS x(record_id, sfid)
     WHERE l.table_name = $1 AND l.record_id = x.record_id AND l.action = 'DELETE'
       AND l.state = 'IGNORE' AND l.sfid IS NULL
       AND NOT EXISTS (SELECT 1 FROM ${qualify(schema, table)} t WHERE t.id = x.record_id)`,
    [table, inserts.map((o) => o.write.recordId), inserts.map((o) => o.sfid), ORPHAN_DELETE_MESSAGE],
  );
}
