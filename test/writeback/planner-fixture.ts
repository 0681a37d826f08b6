/**
 * Fixtures for the planner and sender tests: an emulator org (empty, real HTTP) and Ferry's client
 * on it, read-write mirror tables made from the org's describe, and a minimal stand-in for the
 * writer loop (plan in a transaction, commit, send group by group, record outcomes on the log and
 * mirror rows as the contract in src/writeback/write-plan.ts says).
 */
import type { Pool, PoolClient } from 'pg';
import { fromDescribe, type ObjectModel } from '../../src/core/sobject-model.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ensureMirrorTable } from '../../src/materialize/index.js';
import type { SalesforceClient } from '../../src/salesforce/index.js';
import { qualify, quoteIdent, withTransaction } from '../../src/store/index.js';
import { setWriteAccess, type TriggerLogRow } from '../../src/writeback/index.js';
import { sendGroup, type SendOptions } from '../../src/writeback/send-writes.js';
import type { Planner, WriteOutcome, WritePlan } from '../../src/writeback/write-plan.js';
import { clientFor, control } from '../salesforce/support/emulator.js';

export const SCHEMA = 'salesforce';

export interface Org {
  emu: RunningEmulator;
  sf: SalesforceClient;
  close(): Promise<void>;
}

export async function startOrg(): Promise<Org> {
  const emu = await startEmulator({ port: 0, seed: 'none' });
  const { client: sf } = clientFor(emu);
  return {
    emu,
    sf,
    async close() {
      await sf.close();
      await emu.close();
    },
  };
}

/**
 * Read-write mirror tables of `objects` (plus relationship external-id columns), fresh each call,
 * on an org reset to empty (no records, faults or call counts).
 */
export async function setUpTables(
  pool: Pool,
  org: Org,
  objects: readonly string[],
  relationshipColumns: Readonly<Record<string, readonly string[]>> = {},
): Promise<Map<string, ObjectModel>> {
  const models = new Map<string, ObjectModel>();
  await control(org.emu, 'POST', '/reset');
  await control(org.emu, 'DELETE', '/faults');
  await control(org.emu, 'DELETE', '/calls');
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(SCHEMA)} CASCADE`);
  for (const name of objects) {
    const model = fromDescribe(await org.sf.describe(name));
    const table = name.toLowerCase();
    await withTransaction(pool, async (client) => {
      await ensureMirrorTable(client, model, { schema: SCHEMA });
      for (const column of relationshipColumns[table] ?? []) {
        await client.query(
          `ALTER TABLE ${qualify(SCHEMA, table)} ADD COLUMN ${quoteIdent(column)} varchar(255)`,
        );
      }
      await setWriteAccess(client, SCHEMA, table, 'read-write');
    });
    models.set(table, model);
  }
  return models;
}

export async function plan(
  pool: Pool,
  planner: Planner,
  models: Map<string, ObjectModel>,
): Promise<WritePlan> {
  return withTransaction(pool, (client) => planner(client, { schema: SCHEMA, models }));
}

/** Records outcomes as the writer will: log states and the mirror row's sfid / `_hc_lastop`. */
export async function record(pool: Pool, outcomes: readonly WriteOutcome[], p?: WritePlan): Promise<void> {
  await withTransaction(pool, async (client: PoolClient) => {
    await client.query(`SELECT set_config('ferry.sync', 'on', true)`);
    const log = qualify(SCHEMA, '_trigger_log');
    for (const o of [...outcomes, ...(p?.rejected ?? [])]) {
      const ids = o.write.logIds;
      const last = ids[ids.length - 1]!;
      await client.query(
        `UPDATE ${log} SET state = 'MERGED', updated_at = now() WHERE id = ANY ($1::bigint[]) AND id <> $2`,
        [ids, last],
      );
      await client.query(`UPDATE ${log} SET state = $2, sf_message = $3, updated_at = now() WHERE id = $1`, [
        last,
        o.ok ? 'SUCCESS' : 'FAILED',
        o.ok ? null : `${o.code}: ${o.message}`,
      ]);
      const table = qualify(SCHEMA, o.write.table);
      if (o.ok && o.write.op !== 'delete') {
        await client.query(`UPDATE ${table} SET sfid = $2, _hc_lastop = 'SYNCED' WHERE id = $1`, [
          o.write.recordId,
          o.sfid,
        ]);
      } else if (!o.ok) {
        await client.query(`UPDATE ${table} SET _hc_lastop = 'FAILED', _hc_err = $2 WHERE id = $1`, [
          o.write.recordId,
          o.message,
        ]);
      }
    }
    for (const s of p?.skipped ?? []) {
      await client.query(
        `UPDATE ${log} SET state = 'IGNORED', sf_message = $2, updated_at = now() WHERE id = ANY ($1::bigint[])`,
        [s.logIds, s.reason],
      );
    }
  });
}

/** One writer round: plan, send each group in order, record. Returns the plan and all outcomes. */
export async function round(
  pool: Pool,
  sf: SalesforceClient,
  planner: Planner,
  models: Map<string, ObjectModel>,
  send: SendOptions = {},
): Promise<{ plan: WritePlan; outcomes: WriteOutcome[] }> {
  const p = await plan(pool, planner, models);
  const outcomes: WriteOutcome[] = [];
  for (const g of p.groups) {
    const done = await sendGroup(sf, g, send);
    outcomes.push(...done);
    await record(pool, done);
  }
  await record(pool, [], p);
  return { plan: p, outcomes };
}

export async function logRows(pool: Pool, where = 'true'): Promise<TriggerLogRow[]> {
  const { rows } = await pool.query<TriggerLogRow>(
    `SELECT * FROM ${qualify(SCHEMA, '_trigger_log')} WHERE ${where} ORDER BY id`,
  );
  return rows;
}

/** A record as Salesforce has it now. */
export async function fetchRecord(
  sf: SalesforceClient,
  object: string,
  id: string,
  fields: readonly string[],
): Promise<Record<string, unknown> | undefined> {
  const rows = await sf
    .queryAll(`SELECT ${['Id', 'IsDeleted', ...fields].join(', ')} FROM ${object} WHERE Id = '${id}'`)
    .toArray();
  return rows[0];
}

/** The sfid Salesforce gave mirror row `id` of `table` (the write reached it). */
export async function sfidOf(pool: Pool, table: string, id: number): Promise<string> {
  const { rows } = await pool.query<{ sfid: string }>(
    `SELECT sfid FROM ${qualify(SCHEMA, table)} WHERE id = $1`,
    [id],
  );
  return rows[0]!.sfid;
}
