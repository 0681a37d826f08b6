/**
 * The sender against the emulator over HTTP: Bulk 2.0 from the threshold with a failing record
 * falling back to collections, DUPLICATE_VALUE on the external id as success, deletes of deleted
 * records, lock errors marked for retry, and call-level errors thrown (not record failures).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectModel } from '../../src/core/sobject-model.js';
import { isFerryError } from '../../src/errors/index.js';
import { planOrdered } from '../../src/writeback/plan-ordered.js';
import { sendGroup } from '../../src/writeback/send-writes.js';
import type { PlannedWrite, WriteGroup } from '../../src/writeback/write-plan.js';
import { calls, faults } from '../salesforce/support/emulator.js';
import { useTestDatabase } from '../support/database.js';
import {
  fetchRecord,
  logRows,
  plan,
  record,
  round,
  setUpTables,
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
  models = await setUpTables(db().pool, org, ['Account']);
});

const q = (sql: string, params: unknown[] = []) => db().pool.query(sql, params);

describe('sendGroup', () => {
  it('uses Bulk 2.0 from the threshold; a record failing in Bulk is retried once through collections', async () => {
    await q(`INSERT INTO salesforce.account (name, rating)
             SELECT 'Bulk ' || g, 'Hot' FROM generate_series(1, 6) g`);
    await q(`INSERT INTO salesforce.account (name) VALUES (NULL)`); // Name is required
    const p = await plan(db().pool, planOrdered, models);
    expect(p.groups).toHaveLength(1);
    const outcomes = await sendGroup(org.sf, p.groups[0]!, { bulkThreshold: 5, bulkJobSize: 4 });
    await record(db().pool, outcomes);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true, true, true, false]);
    expect(outcomes[6]).toMatchObject({
      ok: false,
      code: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [Name]',
      fields: ['Name'],
    });
    // Two Bulk jobs (4 + 3 records), then the one failed record once through collections.
    const used = (await calls(org.emu)).byEndpoint;
    const count = (name: string): number | undefined =>
      Object.entries(used).find(([k]) => k.includes(name))?.[1];
    expect(count('bulk2-ingest-create')).toBe(2);
    expect(count('collections-upsert')).toBe(1);
    const accounts = await org.sf.query('SELECT Id, Name, Rating, Ferry_Id__c FROM Account').toArray();
    expect(accounts).toHaveLength(6);
    const { rows } = await q(
      `SELECT sfid, ferry_id__c FROM salesforce.account WHERE sfid IS NOT NULL ORDER BY id`,
    );
    expect(new Set(rows.map((r: { sfid: string }) => r.sfid))).toEqual(new Set(accounts.map((a) => a.Id)));
    expect((await logRows(db().pool)).map((r) => r.state)).toEqual([
      ...Array<string>(6).fill('SUCCESS'),
      'FAILED',
    ]);
  });

  it('Bulk updates and deletes match results by Id; Bulk inserts link parents by external id', async () => {
    models = await setUpTables(db().pool, org, ['Account', 'Contact'], {
      contact: ['accountid__r__ferry_id__c'],
    });
    await q(`INSERT INTO salesforce.account (name, ferry_id__c) VALUES ('Parent', 'p-1')`);
    await q(`INSERT INTO salesforce.contact (lastname, accountid__r__ferry_id__c)
             SELECT 'C' || g, 'p-1' FROM generate_series(1, 6) g`);
    const send = { bulkThreshold: 5 };
    const inserted = await round(db().pool, org.sf, planOrdered, models, send);
    expect(inserted.outcomes.map((o) => o.ok)).toEqual(Array<boolean>(7).fill(true));
    const parent = await org.sf.query(`SELECT Id FROM Account`).toArray();
    const children = await org.sf.query(`SELECT Id, AccountId FROM Contact`).toArray();
    expect(children.map((c) => c['AccountId'])).toEqual(Array<unknown>(6).fill(parent[0]?.Id));

    await q(`UPDATE salesforce.contact SET title = 'T' || id, department = NULL`);
    const updated = await round(db().pool, org.sf, planOrdered, models, send);
    expect(updated.plan.groups.map((g) => [g.op, g.writes.length])).toEqual([['update', 6]]);
    expect(updated.outcomes.every((o) => o.ok)).toBe(true);
    expect(
      (await org.sf.query(`SELECT Title FROM Contact ORDER BY Title`).toArray()).map((c) => c['Title']),
    ).toEqual(['T1', 'T2', 'T3', 'T4', 'T5', 'T6']);

    await q(`DELETE FROM salesforce.contact`);
    const deleted = await round(db().pool, org.sf, planOrdered, models, send);
    expect(deleted.outcomes.map((o) => o.ok)).toEqual(Array<boolean>(6).fill(true));
    expect(await org.sf.query(`SELECT Id FROM Contact`).toArray()).toEqual([]);
    const used = (await calls(org.emu)).byEndpoint;
    expect(Object.entries(used).find(([k]) => k.includes('bulk2-ingest-create'))?.[1]).toBe(3);
  });

  it('treats DUPLICATE_VALUE on the external id as success and fetches the Id', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Once')`);
    const p = await plan(db().pool, planOrdered, models);
    const group = p.groups[0]!;
    const [first] = await sendGroup(org.sf, group);
    expect(first?.ok).toBe(true);
    // The acknowledgement was "lost": the same insert goes again and races the first one.
    await faults(org.emu, { upsertRace: { count: 1 } });
    const [again] = await sendGroup(org.sf, group);
    expect(again).toMatchObject({ ok: true, sfid: first?.ok ? first.sfid : 'x' });
    expect(await org.sf.query('SELECT Id FROM Account').toArray()).toHaveLength(1);
  });

  it('a delete of a record already deleted in Salesforce succeeds', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Twice')`);
    await round(db().pool, org.sf, planOrdered, models);
    const { rows } = await q(`SELECT sfid FROM salesforce.account WHERE id = 1`);
    const sfid = (rows[0] as { sfid: string }).sfid;
    await org.sf.delete([sfid]);
    await q(`DELETE FROM salesforce.account WHERE id = 1`);
    const { outcomes } = await round(db().pool, org.sf, planOrdered, models);
    expect(outcomes).toMatchObject([{ ok: true, sfid }]);
    expect(await fetchRecord(org.sf, 'Account', sfid, [])).toMatchObject({ IsDeleted: true });
  });

  it('marks UNABLE_TO_LOCK_ROW failures for retry', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Locked')`);
    await round(db().pool, org.sf, planOrdered, models);
    await q(`UPDATE salesforce.account SET rating = 'Hot' WHERE id = 1`);
    const p = await plan(db().pool, planOrdered, models);
    await faults(org.emu, { lockRowRate: 1 });
    const outcomes = await sendGroup(org.sf, p.groups[0]!);
    expect(outcomes).toMatchObject([{ ok: false, code: 'UNABLE_TO_LOCK_ROW', retry: true }]);
  });

  it('throws call-level errors (503) as transient instead of failing the records', async () => {
    const write: PlannedWrite = {
      object: 'Account',
      table: 'account',
      op: 'insert',
      recordId: 1,
      sfid: null,
      externalId: '00000000-0000-4000-8000-000000000001',
      fields: { Name: 'Down', Ferry_Id__c: '00000000-0000-4000-8000-000000000001' },
      logIds: ['1'],
    };
    const group: WriteGroup = { object: 'Account', table: 'account', op: 'insert', writes: [write] };
    await faults(org.emu, { maintenance: { durationMs: 60_000 } });
    const err: unknown = await sendGroup(org.sf, group).catch((e: unknown) => e);
    expect(isFerryError(err) && err.disposition).toBe('transient');
  });
});
