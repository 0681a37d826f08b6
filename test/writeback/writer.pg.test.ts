/**
 * The writer loop end to end: real Postgres, the emulator over HTTP through SalesforceClient, the
 * sync engine reading back. The planner and sender here are small and literal (one write per log
 * row, Contact only) so these tests exercise the loop, results, conflicts and locking on their own.
 */
import { randomUUID } from 'node:crypto';
import type { ClientBase, Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture, type CaptureApi } from '../../src/capture/index.js';
import { clientOptionsFor, resolveConfig, type FerryConfig } from '../../src/config/ferry-config.js';
import { SyncEngine } from '../../src/engine/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { TransientError } from '../../src/errors/index.js';
import { createLogger } from '../../src/log/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';
import type { SaveResult } from '../../src/salesforce/types.js';
import { withTransaction } from '../../src/store/index.js';
import { archiveTriggerLog, ignoreWrite, writeAccessOf } from '../../src/writeback/index.js';
import type { PlannedWrite, WriteGroup, WriteOutcome, WritePlan } from '../../src/writeback/write-plan.js';
import type { WriteBackend } from '../../src/writeback/writer-backend.js';
import { Writer } from '../../src/writeback/writer.js';
import { useTestDatabase } from '../support/database.js';
import { emulatorEnv } from '../support/emulator-env.js';

const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'silent' });
const db = useTestDatabase();
let emulator: RunningEmulator;
let client: SalesforceClient;
let config: FerryConfig;
let engine: SyncEngine;
/** Contact column → field API name, for the fields the writes may set. */
let apiName: Map<string, string>;

function configFor(url: string): FerryConfig {
  return resolveConfig({
    env: {
      ...emulatorEnv(emulator),
      FERRY_DATABASE_URL: url,
      FERRY_OBJECTS: 'Contact',
      FERRY_READ_WRITE: 'Contact',
    },
  });
}

/** One write per NEW log row of contact, contiguous ops grouped; inserts reuse a stamped UUID. */
async function planContacts(c: ClientBase): Promise<WritePlan> {
  const { rows } = await c.query<{
    id: string;
    action: 'INSERT' | 'UPDATE' | 'DELETE';
    record_id: number;
    sfid: string | null;
    values: Record<string, unknown> | null;
  }>(
    `SELECT id::text, action, record_id, sfid, "values" FROM salesforce._trigger_log
     WHERE state = 'NEW' AND table_name = 'contact' ORDER BY id`,
  );
  const groups: WriteGroup[] = [];
  const seen = new Set<number>();
  await c.query(`SELECT set_config('ferry.sync', 'on', true)`);
  for (const r of rows) {
    // Ordered: a record's second change waits for the first one's outcome (its sfid).
    if (seen.has(r.record_id)) break;
    seen.add(r.record_id);
    const op = r.action.toLowerCase() as PlannedWrite['op'];
    if (op !== 'insert' && r.sfid === null) break;
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r.values ?? {})) {
      const name = apiName.get(k);
      if (name && name !== 'Ferry_Id__c' && (op === 'update' || v !== null)) fields[name] = v;
    }
    let externalId: string | null = null;
    if (op === 'insert') {
      const stamped = await c.query<{ ferry_id__c: string | null }>(
        'SELECT ferry_id__c FROM salesforce.contact WHERE id = $1',
        [r.record_id],
      );
      externalId = stamped.rows[0]?.ferry_id__c ?? randomUUID();
      await c.query('UPDATE salesforce.contact SET ferry_id__c = $1 WHERE id = $2', [
        externalId,
        r.record_id,
      ]);
    }
    const write: PlannedWrite = {
      object: 'Contact',
      table: 'contact',
      op,
      recordId: r.record_id,
      sfid: r.sfid,
      externalId,
      fields: op === 'delete' ? {} : fields,
      logIds: [r.id],
    };
    const last = groups.at(-1);
    if (last && last.op === op) (last.writes as PlannedWrite[]).push(write);
    else groups.push({ object: 'Contact', table: 'contact', op, writes: [write] });
  }
  return { groups, rejected: [], skipped: [] };
}

async function sendContacts(group: WriteGroup): Promise<WriteOutcome[]> {
  let results: SaveResult[];
  if (group.op === 'insert') {
    results = await client.upsert(
      'Contact',
      'Ferry_Id__c',
      group.writes.map((w) => ({ ...w.fields, Ferry_Id__c: w.externalId })),
      { idempotent: true },
    );
  } else if (group.op === 'update') {
    results = await client.update(
      'Contact',
      group.writes.map((w) => ({ Id: w.sfid, ...w.fields })),
    );
  } else {
    results = await client.delete(group.writes.map((w) => w.sfid!));
  }
  return group.writes.map((write, i): WriteOutcome => {
    const r = results[i]!;
    if (r.success) return { write, ok: true, sfid: r.id ?? write.sfid! };
    const e = r.errors[0];
    return {
      write,
      ok: false,
      code: e?.statusCode ?? 'UNKNOWN',
      message: e?.message ?? 'unknown error',
      fields: e?.fields ?? [],
      ...(e?.statusCode === 'UNABLE_TO_LOCK_ROW' ? { retry: true } : {}),
    };
  });
}

const backend: WriteBackend = { plan: planContacts, send: sendContacts };

function writer(more: Partial<ConstructorParameters<typeof Writer>[0]> = {}): Writer {
  return new Writer({
    pool: db().pool,
    schema: 'salesforce',
    lockName: 'ferry:writes:test',
    backend,
    minIntervalMs: 20,
    pollEveryMs: 60_000,
    retryBaseMs: 100,
    retryMaxMs: 500,
    logger,
    ...more,
  });
}

async function orgContact(id: string): Promise<Record<string, unknown> | undefined> {
  for await (const page of client
    .query(`SELECT Id, LastName, Title, Email, Ferry_Id__c FROM Contact WHERE Id = '${id}'`)
    .pages()) {
    return page.records[0];
  }
  return undefined;
}

async function orgCount(where: string): Promise<number> {
  let n = 0;
  for await (const page of client.query(`SELECT Id FROM Contact WHERE ${where}`).pages())
    n += page.records.length;
  return n;
}

async function row(
  pool: Pool,
  where: string,
  params: unknown[] = [],
): Promise<Record<string, unknown> | undefined> {
  const r = await pool.query(`SELECT * FROM salesforce.contact WHERE ${where}`, params);
  return r.rows[0] as Record<string, unknown> | undefined;
}

async function logRows(
  recordId: number,
): Promise<{ id: string; state: string; action: string; sf_message: string | null }[]> {
  const r = await db().pool.query<{ id: string; state: string; action: string; sf_message: string | null }>(
    `SELECT id::text, state, action, sf_message FROM salesforce._trigger_log WHERE record_id = $1 ORDER BY id`,
    [recordId],
  );
  return r.rows;
}

/** A synced contact (the first by sfid not used by another test yet). */
let picked = 0;
async function aContact(): Promise<{ id: number; sfid: string }> {
  const r = await db().pool.query<{ id: number; sfid: string }>(
    `SELECT id, sfid FROM salesforce.contact WHERE sfid IS NOT NULL AND isdeleted IS NOT TRUE ORDER BY sfid OFFSET $1 LIMIT 1`,
    [picked++],
  );
  return r.rows[0]!;
}

async function poll(): Promise<void> {
  await engine.runCycle();
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo' });
  config = configFor(db().url);
  client = new SalesforceClient({ ...clientOptionsFor(config), logger });
  engine = new SyncEngine({ config, pool: db().pool, client, capture, logger });
  await engine.runCycle();
  const describe = await client.describe('Contact');
  apiName = new Map(
    describe.fields.filter((f) => f.createable && f.updateable).map((f) => [f.name.toLowerCase(), f.name]),
  );
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

describe('the writer', () => {
  it('installs the read-write triggers during the sync', async () => {
    expect(await writeAccessOf(db().pool as unknown as ClientBase, 'salesforce', 'contact')).toBe(
      'read-write',
    );
  });

  it('sends an update; the poll that reads it back logs nothing and changes nothing', async () => {
    const c = await aContact();
    await db().pool.query(`UPDATE salesforce.contact SET title = 'Chief Ferry Officer' WHERE id = $1`, [
      c.id,
    ]);
    expect((await row(db().pool, 'id = $1', [c.id]))?._hc_lastop).toBe('PENDING');
    const result = await writer().drain();
    expect(result).toEqual({ succeeded: 1, failed: 0 });
    expect((await orgContact(c.sfid))?.Title).toBe('Chief Ferry Officer');
    const after = await row(db().pool, 'id = $1', [c.id]);
    expect(after?._hc_lastop).toBe('UPDATED');
    expect(after?._hc_err).toBeNull();
    const log = await db().pool.query<{
      state: string;
      sf_result: number;
      processed_at: Date | null;
      processed_tx: string | null;
    }>(
      `SELECT state, sf_result, processed_at, processed_tx FROM salesforce._trigger_log WHERE record_id = $1`,
      [c.id],
    );
    expect(log.rows).toHaveLength(1);
    expect(log.rows[0]).toMatchObject({ state: 'SUCCESS', sf_result: 1 });
    expect(log.rows[0]?.processed_at).toBeInstanceOf(Date);
    expect(log.rows[0]?.processed_tx).not.toBeNull();

    await poll();
    expect(await logRows(c.id)).toHaveLength(1); // no echo
    const polled = await row(db().pool, 'id = $1', [c.id]);
    expect(polled?.title).toBe('Chief Ferry Officer');
    expect(polled?._hc_lastop).toBe('SYNCED');
  });

  it('sends an insert with its external id, writes the sfid back, and the poll adds no duplicate', async () => {
    const inserted = await db().pool.query<{ id: number }>(
      `INSERT INTO salesforce.contact (lastname, email) VALUES ('Ferryman', 'ferryman@example.com') RETURNING id`,
    );
    const id = inserted.rows[0]!.id;
    expect(await writer().drain()).toEqual({ succeeded: 1, failed: 0 });
    const r = await row(db().pool, 'id = $1', [id]);
    expect(r?.sfid).toMatch(/^003/);
    expect(r?._hc_lastop).toBe('INSERTED');
    const org = await orgContact(String(r?.sfid));
    expect(org).toMatchObject({ LastName: 'Ferryman', Ferry_Id__c: r?.ferry_id__c });
    await poll();
    const copies = await db().pool.query(
      `SELECT id, _hc_lastop FROM salesforce.contact WHERE lastname = 'Ferryman'`,
    );
    expect(copies.rows).toEqual([{ id, _hc_lastop: 'SYNCED' }]);
    expect(await logRows(id)).toHaveLength(1);
  });

  it('a poll that reads a new record before its sfid is written back leaves one row, the user’s', async () => {
    const inserted = await db().pool.query<{ id: number }>(
      `INSERT INTO salesforce.contact (lastname) VALUES ('Raced') RETURNING id`,
    );
    const id = inserted.rows[0]!.id;
    // The sync polls between Salesforce's answer and the writer recording it.
    const racing: WriteBackend = {
      plan: planContacts,
      send: async (group) => {
        const outcomes = await sendContacts(group);
        await poll();
        return outcomes;
      },
    };
    expect(await writer({ backend: racing }).drain()).toEqual({ succeeded: 1, failed: 0 });
    const rows = await db().pool.query(`SELECT id, sfid FROM salesforce.contact WHERE lastname = 'Raced'`);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({ id, sfid: expect.stringMatching(/^003/) as unknown });
  });

  it('sends a delete, and the poll does not bring the row back', async () => {
    const c = await aContact();
    await db().pool.query(`DELETE FROM salesforce.contact WHERE id = $1`, [c.id]);
    expect(await writer().drain()).toEqual({ succeeded: 1, failed: 0 });
    expect(await orgContact(c.sfid)).toBeUndefined();
    await poll();
    expect(await row(db().pool, 'sfid = $1 AND isdeleted IS NOT TRUE', [c.sfid])).toBeUndefined();
  });

  it('rapid updates with a poll in between: no flip-flop', async () => {
    const c = await aContact();
    const pool = db().pool;
    await pool.query(`UPDATE salesforce.contact SET title = 'A' WHERE id = $1`, [c.id]);
    await writer().drain();
    await pool.query(`UPDATE salesforce.contact SET title = 'B' WHERE id = $1`, [c.id]);
    // The poll reads 'A' back while 'B' waits: the mirror keeps 'B', no conflict (Salesforce did not
    // change the field: 'A' is what the local change replaced).
    await poll();
    const during = await row(pool, 'id = $1', [c.id]);
    expect(during).toMatchObject({ title: 'B', _hc_lastop: 'PENDING' });
    expect(
      (await pool.query(`SELECT 1 FROM ferry.write_conflicts WHERE record_id = $1`, [c.id])).rowCount,
    ).toBe(0);
    await writer().drain();
    expect((await orgContact(c.sfid))?.Title).toBe('B');
    await poll();
    expect((await row(pool, 'id = $1', [c.id]))?.title).toBe('B');
    expect((await logRows(c.id)).map((l) => l.state)).toEqual(['SUCCESS', 'SUCCESS']);
  });

  it('update then delete: a poll before the delete is sent does not revive the row', async () => {
    const c = await aContact();
    const pool = db().pool;
    await pool.query(`UPDATE salesforce.contact SET title = 'Doomed' WHERE id = $1`, [c.id]);
    await pool.query(`DELETE FROM salesforce.contact WHERE id = $1`, [c.id]);
    await client.update('Contact', [{ Id: c.sfid, Department: 'Changed in Salesforce' }]);
    await poll();
    expect(await row(pool, 'sfid = $1', [c.sfid])).toBeUndefined();
    await writer().drain();
    expect(await orgContact(c.sfid)).toBeUndefined();
    await poll();
    expect(await row(pool, 'sfid = $1 AND isdeleted IS NOT TRUE', [c.sfid])).toBeUndefined();
  });

  it('a poll that read a record before a write landed, applied after it was recorded, does not put the old value back', async () => {
    const c = await aContact();
    const pool = db().pool;
    await pool.query(`UPDATE salesforce.contact SET title = 'Before' WHERE id = $1`, [c.id]);
    await writer().drain();
    await poll();
    await client.update('Contact', [{ Id: c.sfid, Department: 'Touched' }]);
    await pool.query(`UPDATE salesforce.contact SET title = 'Written' WHERE id = $1`, [c.id]);
    // The poll reads the record (title Before, department Touched); the write is sent and recorded;
    // only then is the batch applied — the order a poll and the writer running side by side can take.
    let sent = false;
    const racing: CaptureApi = {
      ...capture,
      poll: async function* (ctx, cursor) {
        for await (const batch of capture.poll(ctx, cursor)) {
          if (!sent && batch.records.some((r) => r.sfid === c.sfid)) {
            sent = true;
            expect(await writer().drain()).toEqual({ succeeded: 1, failed: 0 });
          }
          yield batch;
        }
      },
    };
    await new SyncEngine({ config, pool, client, capture: racing, logger }).runCycle();
    expect(sent).toBe(true);
    // Before, the row went back to 'Before' until the next poll; a user editing it meanwhile captured
    // 'Before' as the change's old value, which salesforce-wins then took for a conflict.
    expect(await row(pool, 'id = $1', [c.id])).toMatchObject({ title: 'Written', _hc_lastop: 'UPDATED' });
    // The next poll reads the version the write made, with the department changed before it.
    await poll();
    expect(await row(pool, 'id = $1', [c.id])).toMatchObject({
      title: 'Written',
      department: 'Touched',
      _hc_lastop: 'SYNCED',
    });
  });

  it('both sides changed a field: postgres-wins keeps and sends the local value, and records the conflict', async () => {
    const c = await aContact();
    const pool = db().pool;
    await pool.query(`UPDATE salesforce.contact SET title = 'Local' WHERE id = $1`, [c.id]);
    await client.update('Contact', [{ Id: c.sfid, Title: 'Remote', Department: 'Remote dept' }]);
    await poll();
    const r = await row(pool, 'id = $1', [c.id]);
    // The field changed on both sides keeps the local value; the other takes Salesforce's.
    expect(r).toMatchObject({ title: 'Local', department: 'Remote dept', _hc_lastop: 'PENDING' });
    const conflicts = await pool.query(
      `SELECT field, local_value, salesforce_value, policy, resolution FROM ferry.write_conflicts WHERE record_id = $1`,
      [c.id],
    );
    expect(conflicts.rows).toEqual([
      {
        field: 'title',
        local_value: 'Local',
        salesforce_value: 'Remote',
        policy: 'postgres-wins',
        resolution: 'kept-local',
      },
    ]);
    await writer().drain();
    expect((await orgContact(c.sfid))?.Title).toBe('Local');
  });

  it('salesforce-wins takes Salesforce’s value and drops the local change', async () => {
    const c = await aContact();
    const pool = db().pool;
    await withSalesforceWins(async () => {
      await pool.query(`UPDATE salesforce.contact SET title = 'Local 2' WHERE id = $1`, [c.id]);
      await client.update('Contact', [{ Id: c.sfid, Title: 'Remote 2' }]);
      // The engine writes the configured policy at the start of each cycle: apply a poll by hand.
      await pollKeepingPolicy();
      expect((await row(pool, 'id = $1', [c.id]))?.title).toBe('Remote 2');
      expect((await logRows(c.id)).map((l) => l.state)).toEqual(['IGNORED']);
      const conflict = await pool.query(`SELECT resolution FROM ferry.write_conflicts WHERE record_id = $1`, [
        c.id,
      ]);
      expect(conflict.rows).toEqual([{ resolution: 'took-salesforce' }]);
    });
  });

  it('salesforce-wins: a write that landed unacknowledged is not taken for a Salesforce change', async () => {
    const c = await aContact();
    const pool = db().pool;
    await withSalesforceWins(async () => {
      await pool.query(`UPDATE salesforce.contact SET title = 'Landed' WHERE id = $1`, [c.id]);
      // The write reaches Salesforce but its answer never comes back: the log row is still NEW.
      await client.update('Contact', [{ Id: c.sfid, Title: 'Landed' }]);
      await pool.query(`UPDATE salesforce.contact SET title = 'Newer' WHERE id = $1`, [c.id]);
      await pollKeepingPolicy();
      // Before, 'Landed' differed from the base (the title before it) and from 'Newer': a conflict,
      // which salesforce-wins resolved by dropping both local changes, the newer one included.
      expect((await row(pool, 'id = $1', [c.id]))?.title).toBe('Newer');
      expect(await conflictsOf(c.id)).toBe(0);
      await writer().drain();
      expect((await orgContact(c.sfid))?.Title).toBe('Newer');
    });
  });

  it('salesforce-wins: the value before a refused change, read back, is not taken for a Salesforce change', async () => {
    const c = await aContact();
    const pool = db().pool;
    const before = (await orgContact(c.sfid))?.Title;
    await pool.query(`UPDATE salesforce.contact SET lastname = NULL, title = 'Refused' WHERE id = $1`, [
      c.id,
    ]);
    expect(await writer().drain()).toEqual({ succeeded: 0, failed: 1 });
    await withSalesforceWins(async () => {
      // The user changes the title again; meanwhile the record changes in Salesforce (another field),
      // so a poll reads it with the title as it was before the refused change.
      await pool.query(`UPDATE salesforce.contact SET title = 'Second' WHERE id = $1`, [c.id]);
      await client.update('Contact', [{ Id: c.sfid, Department: 'Elsewhere' }]);
      await pollKeepingPolicy();
      // Before, that title differed from the value the waiting change replaced ('Refused'): a
      // conflict, and salesforce-wins dropped 'Second'.
      expect(await row(pool, 'id = $1', [c.id])).toMatchObject({ title: 'Second', department: 'Elsewhere' });
      expect(await conflictsOf(c.id)).toBe(0);
      expect(before).not.toBe('Second');
      await writer().drain();
      expect((await orgContact(c.sfid))?.Title).toBe('Second');
    });
  });

  it('a record error is FAILED with Salesforce’s message; the row keeps what the user wrote', async () => {
    const c = await aContact();
    const pool = db().pool;
    await pool.query(`UPDATE salesforce.contact SET lastname = NULL, title = 'Nameless' WHERE id = $1`, [
      c.id,
    ]);
    expect(await writer().drain()).toEqual({ succeeded: 0, failed: 1 });
    const [log] = await logRows(c.id);
    expect(log?.state).toBe('FAILED');
    expect(log?.sf_message).toMatch(/\w/);
    const r = await row(pool, 'id = $1', [c.id]);
    expect(r).toMatchObject({ lastname: null, title: 'Nameless', _hc_lastop: 'FAILED' });
    const err = JSON.parse(String(r?._hc_err)) as Record<string, unknown>;
    expect(err.op).toBe('UPDATE');
    expect(err.code).toMatch(/^[A-Z_]+$/);
    expect(err.message).toBe(log?.sf_message);
    expect(err.fields).toEqual(expect.any(Array));
  });

  it('a refused change stays in the row, FAILED, when Salesforce changes the record — until it is ignored', async () => {
    const c = await aContact();
    const pool = db().pool;
    const before = await orgContact(c.sfid);
    await pool.query(`UPDATE salesforce.contact SET lastname = NULL, title = 'Refused' WHERE id = $1`, [
      c.id,
    ]);
    expect(await writer().drain()).toEqual({ succeeded: 0, failed: 1 });
    const [failed] = await logRows(c.id);

    // Another user edits the record: the poll takes the field they changed and keeps the refused
    // ones, with the row's FAILED status and error (before, the poll replaced them and the row said
    // SYNCED: the refusal vanished from the table).
    await client.update('Contact', [{ Id: c.sfid, Department: 'Changed in Salesforce' }]);
    await poll();
    let r = await row(pool, 'id = $1', [c.id]);
    expect(r).toMatchObject({
      lastname: null,
      title: 'Refused',
      department: 'Changed in Salesforce',
      _hc_lastop: 'FAILED',
    });
    expect(JSON.parse(String(r?._hc_err))).toMatchObject({ op: 'UPDATE', message: failed?.sf_message });

    // Fixing one field and sending it does not end the protection of the other refused one.
    await pool.query(`UPDATE salesforce.contact SET lastname = 'Fixed' WHERE id = $1`, [c.id]);
    expect(await writer().drain()).toEqual({ succeeded: 1, failed: 0 });
    await client.update('Contact', [{ Id: c.sfid, Department: 'Changed again' }]);
    await poll();
    r = await row(pool, 'id = $1', [c.id]);
    expect(r).toMatchObject({ lastname: 'Fixed', title: 'Refused', department: 'Changed again' });
    expect((await orgContact(c.sfid))?.Title).toBe(before?.Title ?? null);

    // Ignored, the refused change no longer holds the field: the next version of it is taken.
    await ignoreWrite(pool, 'salesforce', failed!.id);
    await client.update('Contact', [{ Id: c.sfid, Title: 'Set in Salesforce' }]);
    await poll();
    r = await row(pool, 'id = $1', [c.id]);
    expect(r).toMatchObject({ lastname: 'Fixed', title: 'Set in Salesforce', _hc_lastop: 'SYNCED' });
  });

  it('a refused value replaced by a later change is not held: Salesforce’s next value is taken', async () => {
    const c = await aContact();
    const pool = db().pool;
    await pool.query(`UPDATE salesforce.contact SET lastname = NULL WHERE id = $1`, [c.id]);
    expect(await writer().drain()).toEqual({ succeeded: 0, failed: 1 });
    await pool.query(`UPDATE salesforce.contact SET lastname = 'Corrected' WHERE id = $1`, [c.id]);
    expect(await writer().drain()).toEqual({ succeeded: 1, failed: 0 });
    await client.update('Contact', [{ Id: c.sfid, LastName: 'Renamed in Salesforce' }]);
    await poll();
    expect(await row(pool, 'id = $1', [c.id])).toMatchObject({ lastname: 'Renamed in Salesforce' });
    expect(await conflictsOf(c.id)).toBe(0);
  });

  it('Salesforce unavailable: nothing is marked FAILED, everything is sent once it is back', async () => {
    const pool = db().pool;
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await aContact();
      ids.push(c.id);
      await pool.query(`UPDATE salesforce.contact SET title = $2 WHERE id = $1`, [
        c.id,
        `During maintenance ${i}`,
      ]);
    }
    await setFaults({ maintenance: { durationMs: 1_500, status: 503 } });
    const states: string[] = [];
    const result = await writer({ onState: (s) => states.push(s) }).drain();
    expect(result).toEqual({ succeeded: 3, failed: 0 });
    const log = await pool.query(
      `SELECT DISTINCT state FROM salesforce._trigger_log WHERE record_id = ANY ($1::int[])`,
      [ids],
    );
    expect(log.rows).toEqual([{ state: 'SUCCESS' }]);
    // The client retries a 503 itself for a while; the writer's own backoff shows when it gave up.
    expect(states).toContain('writing');
  });

  it('a writer that gives up while Salesforce is down leaves the rows NEW', async () => {
    const c = await aContact();
    const pool = db().pool;
    await pool.query(`UPDATE salesforce.contact SET title = 'Still down' WHERE id = $1`, [c.id]);
    const down: WriteBackend = {
      plan: planContacts,
      send: () =>
        Promise.reject(new TransientError('Salesforce is down for maintenance', { code: 'HTTP_503' })),
    };
    await expect(writer({ backend: down }).drain({ maxAttempts: 2 })).rejects.toThrow(/maintenance/);
    expect((await logRows(c.id)).map((l) => l.state)).toEqual(['NEW']);
    expect((await row(pool, 'id = $1', [c.id]))?._hc_lastop).toBe('PENDING');
    expect(await writer().drain()).toEqual({ succeeded: 1, failed: 0 });
  });

  it('Salesforce lost mid-group: answers already in are recorded, the rest waits as NEW', async () => {
    const [a, b] = [await aContact(), await aContact()];
    const pool = db().pool;
    await pool.query(`UPDATE salesforce.contact SET title = 'Half way' WHERE id = ANY ($1::int[])`, [
      [a.id, b.id],
    ]);
    // The first call answers (and is reported as it arrives), the second meets a 503.
    const halfDown: WriteBackend = {
      plan: planContacts,
      send: async (group, _signal, onOutcomes) => {
        const first = await sendContacts({ ...group, writes: group.writes.slice(0, 1) });
        onOutcomes?.(first);
        throw new TransientError('Salesforce is down for maintenance', { code: 'HTTP_503' });
      },
    };
    await expect(writer({ backend: halfDown }).drain({ maxAttempts: 1 })).rejects.toThrow(/maintenance/);
    const states = [(await logRows(a.id)).at(-1)?.state, (await logRows(b.id)).at(-1)?.state];
    expect(states.sort()).toEqual(['NEW', 'SUCCESS']);
    const lastops = [
      (await row(pool, 'id = $1', [a.id]))?._hc_lastop,
      (await row(pool, 'id = $1', [b.id]))?._hc_lastop,
    ];
    expect(lastops.sort()).toEqual(['PENDING', 'UPDATED']);
    expect(await writer().drain()).toEqual({ succeeded: 1, failed: 0 });
    expect((await orgContact(a.sfid))?.Title).toBe('Half way');
    expect((await orgContact(b.sfid))?.Title).toBe('Half way');
  });

  it('two writers: the second waits for the lock and never writes meanwhile', async () => {
    const pool = db().pool;
    let firstReady = false;
    const first = writer({
      onState: (state) => {
        if (state === 'idle') firstReady = true;
      },
    });
    const stop = new AbortController();
    const running = first.run(stop.signal);
    const drainStop = new AbortController();
    let draining: Promise<unknown> | undefined;
    try {
      // Idle = it holds the lock, listens, and has sent what was waiting.
      await waitFor(() => Promise.resolve(firstReady));
      let secondDone = false;
      const secondSent: string[] = [];
      const second = writer({
        backend: {
          plan: planContacts,
          send: (g) => {
            secondSent.push(g.op);
            return sendContacts(g);
          },
        },
      });
      draining = second.drain({ signal: drainStop.signal }).then((r) => {
        secondDone = true;
        return r;
      });
      const c = await aContact();
      await pool.query(`UPDATE salesforce.contact SET title = 'Sent by the first' WHERE id = $1`, [c.id]);
      // The first writer wakes on the notification and sends it.
      await waitFor(async () => (await orgContact(c.sfid))?.Title === 'Sent by the first');
      expect(secondDone).toBe(false);
      stop.abort();
      await running;
      expect(await draining).toEqual({ succeeded: 0, failed: 0 });
      expect(secondSent).toEqual([]);
    } finally {
      stop.abort();
      drainStop.abort();
      await running.catch(() => undefined);
      await draining?.catch(() => undefined);
    }
  });

  it('a writer killed mid-send: the next one resends, no change lost, no duplicate in the org', async () => {
    const pool = db().pool;
    const inserted = await pool.query<{ id: number }>(
      `INSERT INTO salesforce.contact (lastname) VALUES ('Crashy') RETURNING id`,
    );
    const id = inserted.rows[0]!.id;
    // What a writer killed after Salesforce saved the insert leaves behind: the plan committed (the
    // UUID stamped, the row PENDING), no result recorded.
    const plan = await withTransaction(pool, async (c) => {
      const p = await planContacts(c);
      await c.query(`UPDATE salesforce._trigger_log SET state = 'PENDING' WHERE id = ANY ($1::bigint[])`, [
        p.groups.flatMap((g) => g.writes.flatMap((w) => w.logIds)),
      ]);
      return p;
    });
    for (const g of plan.groups) await sendContacts(g);
    expect(await orgCount(`LastName = 'Crashy'`)).toBe(1);
    expect(await writer().drain()).toEqual({ succeeded: 1, failed: 0 });
    expect(await orgCount(`LastName = 'Crashy'`)).toBe(1);
    const r = await row(pool, 'id = $1', [id]);
    expect(r?.sfid).toMatch(/^003/);
    expect((await logRows(id)).map((l) => l.state)).toEqual(['SUCCESS']);
  });
});

describe('housekeeping', () => {
  it('moves processed rows to the archive after archiveAfter and purges them after purgeAfter', async () => {
    const pool = db().pool;
    const before = await pool.query<{ state: string; n: string }>(
      `SELECT state, count(*)::text AS n FROM salesforce._trigger_log GROUP BY state`,
    );
    const processed = before.rows.filter((r) => r.state !== 'NEW' && r.state !== 'PENDING');
    const total = processed.reduce((n, r) => n + Number(r.n), 0);
    expect(total).toBeGreaterThan(0);
    // Nothing is old enough yet.
    expect(
      await archiveTriggerLog(pool, 'salesforce', { archiveAfterMs: 3_600_000, purgeAfterMs: 86_400_000 }),
    ).toEqual({
      archived: 0,
      purged: 0,
    });
    const later = new Date(Date.now() + 2 * 3_600_000);
    expect(
      await archiveTriggerLog(pool, 'salesforce', {
        archiveAfterMs: 3_600_000,
        purgeAfterMs: 86_400_000,
        now: later,
      }),
    ).toEqual({ archived: total, purged: 0 });
    const left = await pool.query(
      `SELECT state FROM salesforce._trigger_log WHERE state NOT IN ('NEW', 'PENDING')`,
    );
    expect(left.rowCount).toBe(0);
    const muchLater = new Date(Date.now() + 2 * 86_400_000);
    expect(
      await archiveTriggerLog(pool, 'salesforce', {
        archiveAfterMs: 3_600_000,
        purgeAfterMs: 86_400_000,
        now: muchLater,
      }),
    ).toEqual({ archived: 0, purged: total });
  });
});

/** Runs `body` with the schema's conflict policy set to salesforce-wins (pollKeepingPolicy keeps it). */
async function withSalesforceWins(body: () => Promise<void>): Promise<void> {
  const pool = db().pool;
  await pool.query(`UPDATE ferry.write_settings SET conflict_policy = 'salesforce-wins'`);
  try {
    await body();
  } finally {
    await pool.query(`UPDATE ferry.write_settings SET conflict_policy = 'postgres-wins'`);
  }
}

/** Conflicts recorded for a mirror row. */
async function conflictsOf(recordId: number): Promise<number> {
  const r = await db().pool.query(`SELECT 1 FROM ferry.write_conflicts WHERE record_id = $1`, [recordId]);
  return r.rowCount ?? 0;
}

async function pollKeepingPolicy(): Promise<void> {
  // SyncEngine sets the configured policy (postgres-wins) first; use a config that says salesforce-wins.
  const sfWins = resolveConfig({
    env: {
      ...emulatorEnv(emulator),
      FERRY_DATABASE_URL: db().url,
      FERRY_OBJECTS: 'Contact',
      FERRY_READ_WRITE: 'Contact',
      FERRY_WRITES_CONFLICT_POLICY: 'salesforce-wins',
    },
  });
  await new SyncEngine({ config: sfWins, pool: db().pool, client, capture, logger }).runCycle();
}

async function setFaults(faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulator.url}/__emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  expect(res.ok).toBe(true);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
