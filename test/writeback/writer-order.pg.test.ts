/**
 * Two races of the writer loop, with the real planners, sender and Writer against the emulator:
 *
 * - a row deleted while its insert is being sent (PENDING): the DELETE was logged IGNORE (no sfid
 *   yet), the insert then succeeds — the record Salesforce created must be deleted too;
 * - ordered mode, a write Salesforce could not lock (UNABLE_TO_LOCK_ROW) goes back to NEW: a later
 *   change of the same record in the same plan must not overtake it.
 */
import type { ClientBase } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectModel } from '../../src/core/sobject-model.js';
import { createLogger } from '../../src/log/index.js';
import { withTransaction } from '../../src/store/index.js';
import { ORPHAN_DELETE_MESSAGE } from '../../src/writeback/results.js';
import type { WriteGroup } from '../../src/writeback/write-plan.js';
import { defaultWriteBackend, type WriteBackend } from '../../src/writeback/writer-backend.js';
import { Writer } from '../../src/writeback/writer.js';
import { control, faults } from '../salesforce/support/emulator.js';
import { useTestDatabase } from '../support/database.js';
import { fetchRecord, logRows, SCHEMA, setUpTables, startOrg, type Org } from './planner-fixture.js';

const db = useTestDatabase();
const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'silent' });
let org: Org;
let models: Map<string, ObjectModel>;

beforeAll(async () => {
  org = await startOrg();
});
afterAll(async () => {
  await org.close();
});
beforeEach(async () => {
  models = await setUpTables(db().pool, org, ['Account', 'Contact']);
});

const q = (sql: string, params: unknown[] = []) => db().pool.query(sql, params);

function backendFor(algorithm: 'ordered' | 'merged'): WriteBackend {
  return defaultWriteBackend({
    client: org.sf,
    schema: SCHEMA,
    algorithm,
    externalIdField: 'Ferry_Id__c',
    bulkThreshold: 2_000,
    bulkJobSize: 10_000,
    assignmentRules: false,
    models: () => Promise.resolve(models),
  });
}

function writer(backend: WriteBackend): Writer {
  return new Writer({
    pool: db().pool,
    schema: SCHEMA,
    lockName: 'ferry:writes:order-test',
    backend,
    minIntervalMs: 10,
    retryBaseMs: 50,
    retryMaxMs: 200,
    logger,
  });
}

describe.each(['ordered', 'merged'] as const)('a row deleted while its insert is sent (%s)', (algorithm) => {
  it('deletes the record Salesforce created, and logs the DELETE as sent', async () => {
    const { rows } = await q(`INSERT INTO salesforce.contact (lastname) VALUES ('Short-lived') RETURNING id`);
    const id = (rows[0] as { id: number }).id;
    const real = backendFor(algorithm);
    let deletedState: string | undefined;
    const racing: WriteBackend = {
      plan: (c: ClientBase) => real.plan(c),
      send: async (group, signal) => {
        if (group.op === 'insert' && deletedState === undefined) {
          // The application deletes the row after the writer claimed the insert, before the answer.
          await q(`DELETE FROM salesforce.contact WHERE id = $1`, [id]);
          const del = await logRows(db().pool, `record_id = ${id} AND action = 'DELETE'`);
          deletedState = del[0]?.state;
        }
        return real.send(group, signal);
      },
    };
    const result = await writer(racing).drain({ maxAttempts: 1 });
    expect(deletedState).toBe('IGNORE'); // captured without an sfid: nothing to send, then
    expect(result).toEqual({ succeeded: 2, failed: 0 });

    const log = await logRows(db().pool, `record_id = ${id}`);
    expect(log.map((r) => [r.action, r.state])).toEqual([
      ['INSERT', 'SUCCESS'],
      ['DELETE', 'SUCCESS'],
    ]);
    const sfid = log[0]!.sfid!;
    expect(sfid).toMatch(/^003/);
    expect(log[1]).toMatchObject({ sfid, sf_message: ORPHAN_DELETE_MESSAGE });
    // Deleted in Salesforce (in the recycle bin), and no row came back.
    expect(await fetchRecord(org.sf, 'Contact', sfid, ['LastName'])).toMatchObject({
      IsDeleted: true,
      LastName: 'Short-lived',
    });
    expect((await q(`SELECT 1 FROM salesforce.contact`)).rowCount).toBe(0);
  });

  it('a row removed without capture (ferry.sync on) is left alone', async () => {
    const { rows } = await q(`INSERT INTO salesforce.contact (lastname) VALUES ('Kept') RETURNING id`);
    const id = (rows[0] as { id: number }).id;
    const real = backendFor(algorithm);
    const racing: WriteBackend = {
      plan: (c: ClientBase) => real.plan(c),
      send: async (group, signal) => {
        const c = await db().pool.connect();
        try {
          await c.query('BEGIN');
          await c.query(`SELECT set_config('ferry.sync', 'on', true)`);
          await c.query(`DELETE FROM salesforce.contact WHERE id = $1`, [id]);
          await c.query('COMMIT');
        } finally {
          c.release();
        }
        return real.send(group, signal);
      },
    };
    expect(await writer(racing).drain({ maxAttempts: 1 })).toEqual({ succeeded: 1, failed: 0 });
    const log = await logRows(db().pool, `record_id = ${id}`);
    expect(log.map((r) => [r.action, r.state])).toEqual([['INSERT', 'SUCCESS']]);
    expect(await fetchRecord(org.sf, 'Contact', log[0]!.sfid!, [])).toMatchObject({ IsDeleted: false });
  });
});

describe('ordered writes after a lock retry', () => {
  it('a later change of the record waits for the requeued one: the org ends with the last value', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Contended')`);
    await q(`INSERT INTO salesforce.contact (lastname) VALUES ('Bystander')`);
    const real = backendFor('ordered');
    expect(await writer(real).drain({ maxAttempts: 1 })).toEqual({ succeeded: 2, failed: 0 });
    const account = (await q(`SELECT id, sfid FROM salesforce.account`)).rows[0] as {
      id: number;
      sfid: string;
    };

    // Three statements: account Warm, contact title, account Hot → ordered groups in that order.
    await q(`UPDATE salesforce.account SET rating = 'Warm' WHERE id = $1`, [account.id]);
    await q(`UPDATE salesforce.contact SET title = 'Unrelated'`);
    await q(`UPDATE salesforce.account SET rating = 'Hot' WHERE id = $1`, [account.id]);

    const sent: string[] = [];
    let locked = false;
    const flaky: WriteBackend = {
      plan: (c: ClientBase) => real.plan(c),
      send: async (group: WriteGroup, signal) => {
        sent.push(
          `${group.op} ${group.object} ${group.writes.map((w) => String(w.fields['Rating'] ?? w.fields['Title'])).join(',')}`,
        );
        if (locked) return real.send(group, signal);
        // The first group meets a record another transaction holds: every record UNABLE_TO_LOCK_ROW.
        locked = true;
        await faults(org.emu, { lockRowRate: 1 });
        try {
          const outcomes = await real.send(group, signal);
          expect(outcomes).toMatchObject([{ ok: false, code: 'UNABLE_TO_LOCK_ROW', retry: true }]);
          return outcomes;
        } finally {
          await control(org.emu, 'DELETE', '/faults');
        }
      },
    };
    expect(await writer(flaky).drain({ maxAttempts: 1 })).toEqual({ succeeded: 3, failed: 0 });
    // 'Hot' is not sent before the requeued 'Warm' (it was requeued with it, unsent).
    expect(sent).toEqual([
      'update Account Warm',
      'update Contact Unrelated',
      'update Account Warm',
      'update Account Hot',
    ]);
    expect(await fetchRecord(org.sf, 'Account', account.sfid, ['Rating'])).toMatchObject({ Rating: 'Hot' });
    const log = await logRows(db().pool, `table_name = 'account' AND action = 'UPDATE'`);
    expect(log.map((r) => r.state)).toEqual(['SUCCESS', 'SUCCESS']);
  });
});

describe.each(['ordered', 'merged'] as const)(
  'a parent insert sent back after a lock retry (%s)',
  (algorithm) => {
    it('its child, which names it by external id, waits for it instead of failing for want of it', async () => {
      models = await setUpTables(db().pool, org, ['Account', 'Contact'], {
        contact: ['accountid__r__ferry_id__c'],
      });
      await q(`INSERT INTO salesforce.contact (lastname) VALUES ('Bystander')`);
      const real = backendFor(algorithm);
      expect(await writer(real).drain({ maxAttempts: 1 })).toEqual({ succeeded: 1, failed: 0 });

      // One transaction: the parent, an unrelated change (so the first plan settles something), and
      // a child naming the parent only by the external id the application gave it.
      const parentId = '6f1c2a0e-3b7d-4c55-9e0a-2d8f4b6a1c33';
      await withTransaction(db().pool, async (c) => {
        await c.query(`INSERT INTO salesforce.account (name, ferry_id__c) VALUES ('Parent', $1)`, [parentId]);
        await c.query(`UPDATE salesforce.contact SET title = 'Unrelated'`);
        await c.query(
          `INSERT INTO salesforce.contact (lastname, accountid__r__ferry_id__c) VALUES ('Child', $1)`,
          [parentId],
        );
      });

      const sent: string[] = [];
      let locked = false;
      const flaky: WriteBackend = {
        plan: (c: ClientBase) => real.plan(c),
        send: async (group: WriteGroup, signal, onOutcomes) => {
          sent.push(`${group.op} ${group.object}`);
          if (locked || group.object !== 'Account') return real.send(group, signal, onOutcomes);
          // The parent's insert meets a lock: UNABLE_TO_LOCK_ROW, sent again with the next plan.
          locked = true;
          await faults(org.emu, { lockRowRate: 1 });
          try {
            const outcomes = await real.send(group, signal, onOutcomes);
            expect(outcomes).toMatchObject([{ ok: false, code: 'UNABLE_TO_LOCK_ROW', retry: true }]);
            return outcomes;
          } finally {
            await control(org.emu, 'DELETE', '/faults');
          }
        },
      };
      expect(await writer(flaky).drain({ maxAttempts: 1 })).toEqual({ succeeded: 3, failed: 0 });
      // The child is not sent in the first plan (it would fail: no parent yet); the second sends both.
      expect(sent.filter((s) => s.startsWith('insert'))).toEqual([
        'insert Account',
        'insert Account',
        'insert Contact',
      ]);
      const log = await logRows(db().pool, `action = 'INSERT'`);
      expect(log.map((r) => [r.table_name, r.state])).toEqual([
        ['contact', 'SUCCESS'],
        ['account', 'SUCCESS'],
        ['contact', 'SUCCESS'],
      ]);
      const parent = (await q(`SELECT sfid FROM salesforce.account`)).rows[0] as { sfid: string };
      const child = (await q(`SELECT sfid, _hc_lastop FROM salesforce.contact WHERE lastname = 'Child'`))
        .rows[0] as { sfid: string; _hc_lastop: string };
      expect(child._hc_lastop).toBe('INSERTED');
      expect(await fetchRecord(org.sf, 'Contact', child.sfid, ['AccountId'])).toMatchObject({
        AccountId: parent.sfid,
      });
    });
  },
);

describe('ordered writes of one record in successive groups', () => {
  it('the row stays PENDING until its last change is recorded', async () => {
    await q(`INSERT INTO salesforce.account (name) VALUES ('Twice')`);
    await q(`INSERT INTO salesforce.contact (lastname) VALUES ('Between')`);
    const real = backendFor('ordered');
    expect(await writer(real).drain({ maxAttempts: 1 })).toEqual({ succeeded: 2, failed: 0 });
    const { id } = (await q(`SELECT id FROM salesforce.account`)).rows[0] as { id: number };
    await q(`UPDATE salesforce.account SET rating = 'Warm' WHERE id = $1`, [id]);
    await q(`UPDATE salesforce.contact SET title = 'Between'`);
    await q(`UPDATE salesforce.account SET rating = 'Hot' WHERE id = $1`, [id]);

    let seen: { state: string | undefined; lastop: unknown } | undefined;
    const watching: WriteBackend = {
      plan: (c: ClientBase) => real.plan(c),
      send: async (group, signal, onOutcomes) => {
        if (group.object === 'Account' && group.writes[0]?.fields['Rating'] === 'Hot') {
          // The first change of the record is recorded (in the background) before the second is sent.
          for (let i = 0; i < 200; i++) {
            const warm = await logRows(db().pool, `table_name = 'account' AND "values"->>'rating' = 'Warm'`);
            if (warm[0]?.state !== 'PENDING') break;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          const warm = await logRows(db().pool, `table_name = 'account' AND "values"->>'rating' = 'Warm'`);
          const row = (await q(`SELECT _hc_lastop FROM salesforce.account WHERE id = $1`, [id])).rows[0] as {
            _hc_lastop: string;
          };
          seen = { state: warm[0]?.state, lastop: row._hc_lastop };
        }
        return real.send(group, signal, onOutcomes);
      },
    };
    expect(await writer(watching).drain({ maxAttempts: 1 })).toEqual({ succeeded: 3, failed: 0 });
    // Written, but a later change of the row was still to be sent: PENDING, not UPDATED.
    expect(seen).toEqual({ state: 'SUCCESS', lastop: 'PENDING' });
    const after = await q(`SELECT _hc_lastop FROM salesforce.account WHERE id = $1`, [id]);
    expect(after.rows).toEqual([{ _hc_lastop: 'UPDATED' }]);
  });
});
