/**
 * Ordered writes against real Postgres (capture triggers) and the emulator over HTTP: log order,
 * packing, holding back records whose insert failed, insert-then-change across plans, deletes,
 * refused values, and the transaction-visibility rule.
 */
import { Client } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectModel } from '../../src/core/sobject-model.js';
import { widenXidSql } from '../../src/writeback/log-reader.js';
import { planOrdered } from '../../src/writeback/plan-ordered.js';
import { useTestDatabase } from '../support/database.js';
import {
  fetchRecord,
  logRows,
  plan,
  round,
  setUpTables,
  sfidOf as sfidOfRow,
  startOrg,
  type Org,
} from './planner-fixture.js';

const db = useTestDatabase();
let org: Org;
let models: Map<string, ObjectModel>;

beforeAll(async () => {
  org = await startOrg();
});
afterAll(async () => {
  await org.close();
});
beforeEach(async () => {
  models = await setUpTables(db().pool, org, ['Account', 'Contact', 'Lead'], {
    contact: ['accountid__r__ferry_id__c'],
  });
});

const q = (sql: string, params: unknown[] = []) => db().pool.query(sql, params);

const sfidOf = (table: string, id: number): Promise<string> => sfidOfRow(db().pool, table, id);

describe('planOrdered', () => {
  it('packs contiguous inserts into one group with UUID external ids stored before sending', async () => {
    await q(`INSERT INTO salesforce.account (name, annualrevenue, numberofemployees) VALUES
             ('A1', 1000.5, 10), ('A2', NULL, 20), ('A3', 3, NULL)`);
    const p = await plan(db().pool, planOrdered, models);
    expect(p.groups).toHaveLength(1);
    const g = p.groups[0]!;
    expect(g).toMatchObject({ object: 'Account', table: 'account', op: 'insert' });
    expect(g.writes.map((w) => w.fields['Name'])).toEqual(['A1', 'A2', 'A3']);
    expect(g.writes[0]!.fields).toMatchObject({ AnnualRevenue: 1000.5, NumberOfEmployees: 10 });
    // An insert leaves unset fields out (Salesforce applies its defaults).
    expect(g.writes[1]!.fields).not.toHaveProperty('AnnualRevenue');
    // The UUID is in the mirror row (not captured: no new log row) and in the write.
    const { rows } = await q(`SELECT id, ferry_id__c FROM salesforce.account ORDER BY id`);
    const stamped = rows as { id: number; ferry_id__c: string }[];
    expect(stamped.map((r) => r.ferry_id__c)).toEqual(g.writes.map((w) => w.externalId));
    expect(g.writes[0]!.externalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(g.writes[0]!.fields['Ferry_Id__c']).toBe(g.writes[0]!.externalId);
    expect(await logRows(db().pool)).toHaveLength(3);
    // Planning again reuses the stored UUIDs.
    const again = await plan(db().pool, planOrdered, models);
    expect(again.groups[0]!.writes.map((w) => w.externalId)).toEqual(g.writes.map((w) => w.externalId));
  });

  it('sends rapid updates of one record one by one, in order', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Acme')`);
    await round(db().pool, org.sf, planOrdered, models);
    const sfid = await sfidOf('account', 1);
    expect(sfid).toMatch(/^001/);

    await q(`UPDATE salesforce.account SET rating = 'Hot' WHERE id = 1`);
    await q(`UPDATE salesforce.account SET rating = 'Warm', phone = '1' WHERE id = 1`);
    await q(`UPDATE salesforce.account SET rating = 'Cold' WHERE id = 1`);
    const { plan: p, outcomes } = await round(db().pool, org.sf, planOrdered, models);
    // Same record three times: three groups (never two writes of one record in a group).
    expect(p.groups.map((g) => g.writes.map((w) => w.fields))).toEqual([
      [{ Rating: 'Hot' }],
      [{ Rating: 'Warm', Phone: '1' }],
      [{ Rating: 'Cold' }],
    ]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(await fetchRecord(org.sf, 'Account', sfid, ['Rating', 'Phone'])).toMatchObject({
      Rating: 'Cold',
      Phone: '1',
    });
    expect((await logRows(db().pool)).map((r) => r.state)).toEqual([
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
    ]);
  });

  it('ends the plan before a change that needs the sfid of an insert in it; the next plan sends it', async () => {
    await q(`BEGIN; INSERT INTO salesforce.account (name) VALUES ('New');
             UPDATE salesforce.account SET rating = 'Hot' WHERE id = 1; COMMIT`);
    const first = await round(db().pool, org.sf, planOrdered, models);
    expect(first.plan.groups.map((g) => g.op)).toEqual(['insert']);
    expect(first.plan.groups[0]!.writes[0]!.fields).not.toHaveProperty('Rating');
    const second = await round(db().pool, org.sf, planOrdered, models);
    const sfid = await sfidOf('account', 1);
    expect(second.plan.groups.map((g) => [g.op, g.writes[0]!.sfid])).toEqual([['update', sfid]]);
    expect(await fetchRecord(org.sf, 'Account', sfid, ['Rating'])).toMatchObject({ Rating: 'Hot' });
  });

  it('holds back later changes of a record whose insert failed; other records proceed', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Other')`);
    await round(db().pool, org.sf, planOrdered, models);
    // LastName is required.
    await q(`INSERT INTO salesforce.contact (firstname) VALUES ('Ada')`);
    const failed = await round(db().pool, org.sf, planOrdered, models);
    expect(failed.outcomes).toMatchObject([
      { ok: false, code: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]' },
    ]);
    await q(`UPDATE salesforce.contact SET lastname = 'Lovelace' WHERE id = 1`);
    await q(`UPDATE salesforce.account SET rating = 'Warm' WHERE id = 1`);
    const next = await round(db().pool, org.sf, planOrdered, models);
    expect(next.plan.groups.map((g) => `${g.op} ${g.object}`)).toEqual(['update Account']);
    const held = await logRows(db().pool, `table_name = 'contact'`);
    expect(held.map((r) => `${r.action} ${r.state}`)).toEqual(['INSERT FAILED', 'UPDATE NEW']);
    // Requeued (as retryWrites does), the insert goes with the row as it is now, the held update folded in.
    await q(
      `UPDATE salesforce._trigger_log SET state = 'NEW', updated_at = now(), sf_message = NULL WHERE id = $1`,
      [held[0]!.id],
    );
    const retry = await round(db().pool, org.sf, planOrdered, models);
    expect(retry.plan.groups.map((g) => g.writes.map((w) => [w.op, w.fields['LastName'], w.logIds]))).toEqual(
      [[['insert', 'Lovelace', [held[0]!.id, held[1]!.id]]]],
    );
    expect(retry.outcomes[0]?.ok).toBe(true);
    expect((await logRows(db().pool, `table_name = 'contact'`)).map((r) => r.state)).toEqual([
      'MERGED',
      'SUCCESS',
    ]);
  });

  it('insert then delete before sending: nothing is sent, the insert becomes IGNORED', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Gone')`);
    await q(`DELETE FROM salesforce.account WHERE id = 1`);
    const { plan: p } = await round(db().pool, org.sf, planOrdered, models);
    expect(p.groups).toEqual([]);
    expect(p.skipped).toMatchObject([{ table: 'account', recordId: 1, state: 'IGNORED' }]);
    expect((await logRows(db().pool)).map((r) => `${r.action} ${r.state}`)).toEqual([
      'INSERT IGNORED',
      'DELETE IGNORE',
    ]);
    expect(await org.sf.query('SELECT Id FROM Account').toArray()).toEqual([]);
  });

  it('update then delete: both sent, in order', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Doomed')`);
    await round(db().pool, org.sf, planOrdered, models);
    const sfid = await sfidOf('account', 1);
    await q(`UPDATE salesforce.account SET rating = 'Cold' WHERE id = 1`);
    await q(`DELETE FROM salesforce.account WHERE id = 1`);
    const { plan: p, outcomes } = await round(db().pool, org.sf, planOrdered, models);
    expect(p.groups.map((g) => g.op)).toEqual(['update', 'delete']);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(await fetchRecord(org.sf, 'Account', sfid, ['Rating'])).toMatchObject({
      IsDeleted: true,
      Rating: 'Cold',
    });
  });

  it('parent and child inserted in one transaction, linked by external id', async () => {
    await q(`BEGIN;
             INSERT INTO salesforce.account (name, ferry_id__c) VALUES ('Parent', 'p-1');
             INSERT INTO salesforce.contact (lastname, accountid__r__ferry_id__c) VALUES ('Child', 'p-1');
             COMMIT`);
    const { plan: p, outcomes } = await round(db().pool, org.sf, planOrdered, models);
    expect(p.groups.map((g) => `${g.op} ${g.object}`)).toEqual(['insert Account', 'insert Contact']);
    expect(p.groups[1]!.writes[0]!.fields).toMatchObject({ Account: { Ferry_Id__c: 'p-1' } });
    expect(p.groups[1]!.writes[0]!.fields).not.toHaveProperty('AccountId');
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const child = await fetchRecord(org.sf, 'Contact', await sfidOf('contact', 1), ['AccountId']);
    expect(child?.['AccountId']).toBe(await sfidOf('account', 1));
  });

  it('refuses a read-only field before sending and reports Salesforce errors per record', async () => {
    await q(`ALTER TABLE salesforce.account ALTER COLUMN accountnumber TYPE text`);
    await q(`INSERT INTO salesforce.lead (lastname, company, isconverted) VALUES ('R', 'C', true)`);
    await q(`INSERT INTO salesforce.lead (lastname, company, status) VALUES ('P', 'C', 'Bogus')`);
    await q(`INSERT INTO salesforce.account (name, accountnumber) VALUES ('Long', repeat('x', 41))`);
    const { plan: p, outcomes } = await round(db().pool, org.sf, planOrdered, models);
    expect(p.rejected).toMatchObject([
      {
        ok: false,
        code: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        fields: ['IsConverted'],
        message: expect.stringContaining('IsConverted') as unknown,
      },
    ]);
    expect(outcomes).toMatchObject([
      {
        ok: false,
        code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        message: expect.stringContaining('Bogus') as unknown,
      },
      { ok: false, code: 'STRING_TOO_LONG' },
    ]);
    const states = await logRows(db().pool);
    expect(states.map((r) => r.state)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(states[2]!.sf_message).toContain('STRING_TOO_LONG');
  });

  it('reads only rows of transactions older than every open one', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('X'), ('Y')`);
    await round(db().pool, org.sf, planOrdered, models);
    const open = new Client({ connectionString: db().url });
    await open.connect();
    try {
      await open.query('BEGIN');
      await open.query(`UPDATE salesforce.account SET rating = 'Hot' WHERE id = 1`);
      // Commits while the first transaction is still open: its rows wait too.
      await q(`UPDATE salesforce.account SET rating = 'Warm' WHERE id = 2`);
      expect((await plan(db().pool, planOrdered, models)).groups).toEqual([]);
      await open.query('COMMIT');
    } finally {
      await open.end();
    }
    const p = await plan(db().pool, planOrdered, models);
    expect(p.groups.flatMap((g) => g.writes.map((w) => [w.recordId, w.fields['Rating']]))).toEqual([
      [1, 'Hot'],
      [2, 'Warm'],
    ]);
  });

  it('is held up by an open transaction newer than every finished one only for its own rows', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('X')`);
    await round(db().pool, org.sf, planOrdered, models);
    await q(`UPDATE salesforce.account SET rating = 'Cold' WHERE id = 1`);
    const open = new Client({ connectionString: db().url });
    await open.connect();
    try {
      // The newest transaction of the server, as long as none started after it ends first: its xid
      // is then ahead of the snapshot's xmax (the latest completed xid + 1).
      await open.query('BEGIN');
      await open.query(`UPDATE salesforce.account SET rating = 'Hot' WHERE id = 1`);
      const p = await plan(db().pool, planOrdered, models);
      expect(p.groups.flatMap((g) => g.writes.map((w) => w.fields['Rating']))).toEqual(['Cold']);
      await open.query('ROLLBACK');
    } finally {
      await open.end();
    }
  });

  it('widens the 32-bit xids pg_locks shows to the txids of their epoch, ahead of xmax too', async () => {
    const E = 2n ** 32n;
    const cases: [bigint, bigint, bigint][] = [
      // [snapshot xmax (64-bit), xid (32-bit), txid]
      [22_080n, 22_082n, 22_082n], // running, ahead of xmax (an earlier version made it negative)
      [22_085n, 22_082n, 22_082n],
      [E + 5n, E - 6n, E - 6n], // from the previous epoch
      [E - 3n, 2n, E + 2n], // ahead of xmax, in the next epoch
      [3n * E + 100n, 100n, 3n * E + 100n],
    ];
    for (const [xmax, xid, txid] of cases) {
      const { rows } = await db().pool.query<{ txid: string }>(
        `SELECT ${widenXidSql('$1::bigint', '$2::bigint')}::text AS txid`,
        [xmax.toString(), xid.toString()],
      );
      expect(rows[0]!.txid).toBe(txid.toString());
    }
  });

  it('is not held up by open transactions that wrote nothing to the trigger log', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('X')`);
    const open = new Client({ connectionString: db().url });
    await open.connect();
    try {
      // An open transaction with an xid (as a writer waiting for its lock after FOR UPDATE).
      await open.query('BEGIN');
      await open.query(`CREATE TEMP TABLE busy (x int)`);
      await open.query(`SELECT txid_current()`);
      await q(`UPDATE salesforce.account SET rating = 'Hot' WHERE id = 1`);
      const p = await plan(db().pool, planOrdered, models);
      expect(p.groups.map((g) => g.op)).toEqual(['insert']);
      await open.query('ROLLBACK');
    } finally {
      await open.end();
    }
  });
});
