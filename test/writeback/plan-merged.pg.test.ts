/**
 * Merged writes against real Postgres (capture triggers) and the emulator over HTTP: one write per
 * record with the last values, insert/update/delete combinations, failed inserts resent with later
 * changes, and parents before children.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectModel } from '../../src/core/sobject-model.js';
import { planMerged } from '../../src/writeback/plan-merged.js';
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
  // Contact before Account on purpose: the plan must still put the parent first.
  models = await setUpTables(db().pool, org, ['Contact', 'Account', 'Event'], {
    contact: ['accountid__r__ferry_id__c'],
  });
});

const q = (sql: string, params: unknown[] = []) => db().pool.query(sql, params);

const sfidOf = (table: string, id: number): Promise<string> => sfidOfRow(db().pool, table, id);

describe('planMerged', () => {
  it('collapses rapid updates of one record into one write with the last values', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Acme')`);
    await round(db().pool, org.sf, planMerged, models);
    const sfid = await sfidOf('account', 1);
    await q(`UPDATE salesforce.account SET rating = 'Hot' WHERE id = 1`);
    await q(`UPDATE salesforce.account SET rating = 'Warm', phone = '1' WHERE id = 1`);
    await q(`UPDATE salesforce.account SET rating = 'Cold' WHERE id = 1`);
    const { plan: p, outcomes } = await round(db().pool, org.sf, planMerged, models);
    expect(p.groups).toHaveLength(1);
    expect(p.groups[0]!.writes).toMatchObject([
      { op: 'update', sfid, fields: { Rating: 'Cold', Phone: '1' }, logIds: ['2', '3', '4'] },
    ]);
    expect(outcomes).toMatchObject([{ ok: true, sfid }]);
    expect((await logRows(db().pool, `action = 'UPDATE'`)).map((r) => r.state)).toEqual([
      'MERGED',
      'MERGED',
      'SUCCESS',
    ]);
    expect(await fetchRecord(org.sf, 'Account', sfid, ['Rating', 'Phone'])).toMatchObject({
      Rating: 'Cold',
      Phone: '1',
    });
  });

  it('insert then updates: one insert with the merged values', async () => {
    await q(`INSERT INTO salesforce.account (name, rating) VALUES ('New', 'Hot')`);
    await q(`UPDATE salesforce.account SET rating = 'Warm', numberofemployees = 5 WHERE id = 1`);
    const { plan: p, outcomes } = await round(db().pool, org.sf, planMerged, models);
    expect(p.groups.map((g) => g.op)).toEqual(['insert']);
    expect(p.groups[0]!.writes[0]!.fields).toMatchObject({
      Name: 'New',
      Rating: 'Warm',
      NumberOfEmployees: 5,
    });
    expect(outcomes[0]?.ok).toBe(true);
    expect((await logRows(db().pool)).map((r) => r.state)).toEqual(['MERGED', 'SUCCESS']);
  });

  it('insert then delete: nothing sent, the insert and update rows IGNORED', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Brief')`);
    await q(`UPDATE salesforce.account SET rating = 'Hot' WHERE id = 1`);
    await q(`DELETE FROM salesforce.account WHERE id = 1`);
    const { plan: p } = await round(db().pool, org.sf, planMerged, models);
    expect(p.groups).toEqual([]);
    expect((await logRows(db().pool)).map((r) => `${r.action} ${r.state}`)).toEqual([
      'INSERT IGNORED',
      'UPDATE IGNORED',
      'DELETE IGNORE',
    ]);
    expect(await org.sf.query('SELECT Id FROM Account').toArray()).toEqual([]);
  });

  it('update then delete: only the delete is sent', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Doomed')`);
    await round(db().pool, org.sf, planMerged, models);
    const sfid = await sfidOf('account', 1);
    await q(`UPDATE salesforce.account SET rating = 'Cold' WHERE id = 1`);
    await q(`DELETE FROM salesforce.account WHERE id = 1`);
    const { plan: p, outcomes } = await round(db().pool, org.sf, planMerged, models);
    expect(p.groups.map((g) => g.writes.map((w) => [w.op, w.sfid, w.logIds.length]))).toEqual([
      [['delete', sfid, 2]],
    ]);
    expect(outcomes[0]?.ok).toBe(true);
    expect(await fetchRecord(org.sf, 'Account', sfid, ['Rating'])).toMatchObject({
      IsDeleted: true,
      Rating: null,
    });
  });

  it('parents before children: a child logged first is still sent after its parent', async () => {
    await q(`BEGIN;
             INSERT INTO salesforce.contact (lastname, accountid__r__ferry_id__c) VALUES ('Child', 'p-1');
             INSERT INTO salesforce.account (name, ferry_id__c) VALUES ('Parent', 'p-1');
             COMMIT`);
    const { plan: p, outcomes } = await round(db().pool, org.sf, planMerged, models);
    expect(p.groups.map((g) => `${g.op} ${g.object}`)).toEqual(['insert Account', 'insert Contact']);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const child = await fetchRecord(org.sf, 'Contact', await sfidOf('contact', 1), ['AccountId']);
    expect(child?.['AccountId']).toBe(await sfidOf('account', 1));
    // The parent kept the application's own external id.
    expect(await fetchRecord(org.sf, 'Account', await sfidOf('account', 1), ['Ferry_Id__c'])).toMatchObject({
      Ferry_Id__c: 'p-1',
    });
  });

  it('resends a failed insert together with a later update, folding the FAILED row in', async () => {
    await q(`INSERT INTO salesforce.contact (firstname) VALUES ('Ada')`);
    const failed = await round(db().pool, org.sf, planMerged, models);
    expect(failed.outcomes).toMatchObject([{ ok: false, code: 'REQUIRED_FIELD_MISSING' }]);
    const { rows } = await q(`SELECT ferry_id__c FROM salesforce.contact WHERE id = 1`);
    const uuid = (rows[0] as { ferry_id__c: string }).ferry_id__c;

    await q(`UPDATE salesforce.contact SET lastname = 'Lovelace' WHERE id = 1`);
    const { plan: p, outcomes } = await round(db().pool, org.sf, planMerged, models);
    expect(p.groups[0]!.writes).toMatchObject([
      {
        op: 'insert',
        externalId: uuid,
        fields: { FirstName: 'Ada', LastName: 'Lovelace' },
        logIds: ['1', '2'],
      },
    ]);
    expect(outcomes[0]?.ok).toBe(true);
    expect((await logRows(db().pool)).map((r) => r.state)).toEqual(['MERGED', 'SUCCESS']);
    const sfid = await sfidOf('contact', 1);
    expect(await fetchRecord(org.sf, 'Contact', sfid, ['LastName', 'Ferry_Id__c'])).toMatchObject({
      LastName: 'Lovelace',
      Ferry_Id__c: uuid,
    });
  });

  it('resends a failed merged insert (insert and update folded) with the next update', async () => {
    await q(`INSERT INTO salesforce.contact (firstname) VALUES ('Ada')`);
    await q(`UPDATE salesforce.contact SET firstname = 'Augusta' WHERE id = 1`);
    const failed = await round(db().pool, org.sf, planMerged, models);
    expect(failed.outcomes).toMatchObject([{ ok: false, code: 'REQUIRED_FIELD_MISSING' }]);
    // The folded attempt's last row took FAILED; the insert row itself is MERGED.
    expect((await logRows(db().pool)).map((r) => `${r.action} ${r.state}`)).toEqual([
      'INSERT MERGED',
      'UPDATE FAILED',
    ]);
    await q(`UPDATE salesforce.contact SET lastname = 'King' WHERE id = 1`);
    const { plan: p, outcomes } = await round(db().pool, org.sf, planMerged, models);
    expect(p.groups[0]!.writes).toMatchObject([
      { op: 'insert', fields: { FirstName: 'Augusta', LastName: 'King' }, logIds: ['2', '3'] },
    ]);
    expect(outcomes[0]?.ok).toBe(true);
  });

  it('sends dates, datetimes (UTC) and numbers as Salesforce takes them', async () => {
    await q(`INSERT INTO salesforce.event (subject, startdatetime, enddatetime, activitydate, durationinminutes)
             VALUES ('Call', '2024-05-01 09:08:07.654', '2024-05-01 10:00', '2024-05-01', 52)`);
    const { plan: p, outcomes } = await round(db().pool, org.sf, planMerged, models);
    expect(p.groups[0]!.writes[0]!.fields).toMatchObject({
      StartDateTime: '2024-05-01T09:08:07.654Z',
      EndDateTime: '2024-05-01T10:00:00.000Z',
      ActivityDate: '2024-05-01',
      DurationInMinutes: 52,
    });
    expect(outcomes[0]?.ok).toBe(true);
    const ev = await fetchRecord(org.sf, 'Event', await sfidOf('event', 1), [
      'StartDateTime',
      'ActivityDate',
    ]);
    expect(ev).toMatchObject({ StartDateTime: '2024-05-01T09:08:07.654+0000', ActivityDate: '2024-05-01' });
  });

  it('leaves changes of a record whose insert is still being sent (PENDING) for later', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('InFlight')`);
    await q(`UPDATE salesforce._trigger_log SET state = 'PENDING'`);
    await q(`UPDATE salesforce.account SET rating = 'Hot' WHERE id = 1`);
    const p = await plan(db().pool, planMerged, models);
    expect(p).toEqual({ groups: [], rejected: [], skipped: [] });
  });
});
