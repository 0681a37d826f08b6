/**
 * Relationship external-id columns end to end: `ferry sync --once --read-write Account,Contact` (in
 * process, real engine, planner, sender and writer) creates `accountid__r__ferry_id__c`; a parent and
 * a child inserted in ONE Postgres transaction, the child naming the parent only by the UUID the
 * application put in the parent's `ferry_id__c`, both reach the emulator linked; reads then fill the
 * plain lookup and leave the relationship column as it was written.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { clientOptionsFor, resolveConfig } from '../../src/config/ferry-config.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { fromDescribe } from '../../src/core/sobject-model.js';
import { createLogger } from '../../src/log/index.js';
import { ensureMirrorTable } from '../../src/materialize/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';
import { withTransaction } from '../../src/store/index.js';
import { useTestDatabase } from '../support/database.js';
import { emulatorEnv } from '../support/emulator-env.js';

const db = useTestDatabase();
let emulator: RunningEmulator;
let client: SalesforceClient;

function loginEnv(): Record<string, string> {
  return {
    ...emulatorEnv(emulator),
    FERRY_LOG_LEVEL: 'silent',
  };
}

/** `ferry sync --once` of Account and Contact, both read-write, in this process. */
async function syncOnce(...more: string[]): Promise<{ code: number; out: string }> {
  for (const [k, v] of Object.entries(loginEnv())) vi.stubEnv(k, v);
  const out: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    out.push(String(chunk));
    return true;
  };
  const spyOut = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const args = [
      'sync',
      '--once',
      '--objects',
      'Account,Contact',
      '--read-write',
      'Account,Contact',
      ...more,
    ];
    const code = await main(['node', 'ferry', ...args, '--database-url', db().url]);
    return { code, out: out.join('') };
  } finally {
    spyOut.mockRestore();
    spyErr.mockRestore();
    vi.unstubAllEnvs();
  }
}

async function columnsOf(table: string, schema = 'salesforce'): Promise<Record<string, string>> {
  const { rows } = await db().pool.query<{ column_name: string; type: string }>(
    `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
     FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [`${schema}.${table}`],
  );
  return Object.fromEntries(rows.map((r) => [r.column_name, r.type]));
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'none' });
  const config = resolveConfig({ env: { ...loginEnv(), FERRY_DATABASE_URL: db().url } });
  client = new SalesforceClient({ ...clientOptionsFor(config), logger: createLogger({ level: 'silent' }) });
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

describe('relationship external-id columns', () => {
  it('a parent and a child inserted in one transaction arrive linked by the parent’s external id', async () => {
    const first = await syncOnce();
    expect(first.code, first.out).toBe(0);
    // Lookups to objects with Ferry_Id__c get a column of its type; others (Owner → User,
    // CreatedBy: not writable) get none.
    const contact = await columnsOf('contact');
    expect(contact).toMatchObject({
      accountid__r__ferry_id__c: 'character varying(36)',
      reportstoid__r__ferry_id__c: 'character varying(36)',
    });
    expect(Object.keys(contact).filter((c) => c.includes('__r__'))).toHaveLength(2);
    expect(await columnsOf('account')).toMatchObject({ parentid__r__ferry_id__c: 'character varying(36)' });

    const parentKey = randomUUID();
    const pool = db().pool;
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      await tx.query(`INSERT INTO salesforce.account (name, ferry_id__c) VALUES ('Linked Parent', $1)`, [
        parentKey,
      ]);
      await tx.query(
        `INSERT INTO salesforce.contact (lastname, accountid__r__ferry_id__c) VALUES ('Linked Child', $1)`,
        [parentKey],
      );
      await tx.query('COMMIT');
    } finally {
      tx.release();
    }

    const sent = await syncOnce();
    expect(sent.code, sent.out).toBe(0);
    expect(sent.out).toMatch(/Writes: 2 sent to Salesforce, 0 refused/);
    const parent = (
      await pool.query(`SELECT sfid FROM salesforce.account WHERE ferry_id__c = $1`, [parentKey])
    ).rows[0] as { sfid: string };
    const child = (
      await pool.query(`SELECT sfid, accountid FROM salesforce.contact WHERE lastname = 'Linked Child'`)
    ).rows[0] as { sfid: string; accountid: string | null };
    expect(parent.sfid).toMatch(/^001/);
    expect(child.sfid).toMatch(/^003/);
    const org = await client
      .query<{ Id: string; AccountId: string | null }>(
        `SELECT Id, AccountId FROM Contact WHERE Id = '${child.sfid}'`,
      )
      .toArray();
    expect(org[0]?.AccountId).toBe(parent.sfid);
    const log = await pool.query<{ table_name: string; action: string; state: string }>(
      `SELECT table_name, action, state FROM salesforce._trigger_log ORDER BY id`,
    );
    expect(log.rows).toEqual([
      { table_name: 'account', action: 'INSERT', state: 'SUCCESS' },
      { table_name: 'contact', action: 'INSERT', state: 'SUCCESS' },
    ]);

    // The next read fills the plain lookup; the relationship column keeps what was written, and
    // nothing is captured.
    const read = await syncOnce();
    expect(read.code, read.out).toBe(0);
    const after = (
      await pool.query(
        `SELECT accountid, accountid__r__ferry_id__c, _hc_lastop FROM salesforce.contact WHERE sfid = $1`,
        [child.sfid],
      )
    ).rows[0] as unknown;
    expect(after).toEqual({
      accountid: parent.sfid,
      accountid__r__ferry_id__c: parentKey,
      _hc_lastop: 'SYNCED',
    });
    expect((await pool.query(`SELECT 1 FROM salesforce._trigger_log`)).rowCount).toBe(2);
  });

  it('a child moved before any read filled its lookup: the parent Salesforce reports is no conflict', async () => {
    const pool = db().pool;
    const first = (await pool.query(`SELECT sfid FROM salesforce.account WHERE name = 'Linked Parent'`))
      .rows[0] as { sfid: string };
    const parentKey = randomUUID();
    await withTransaction(pool, async (c) => {
      await c.query(`INSERT INTO salesforce.account (name, ferry_id__c) VALUES ('Second Parent', $1)`, [
        parentKey,
      ]);
      await c.query(
        `INSERT INTO salesforce.contact (lastname, accountid__r__ferry_id__c) VALUES ('Moved Child', $1)`,
        [parentKey],
      );
    });
    expect((await syncOnce()).code).toBe(0);
    // Sent; no read has filled accountid yet. The application moves the child to the first parent.
    await pool.query(
      `UPDATE salesforce.contact SET accountid = $1, accountid__r__ferry_id__c = NULL WHERE lastname = 'Moved Child'`,
      [first.sfid],
    );
    // The next read sees the child under the second parent — our own insert, not a move made in
    // Salesforce: with salesforce-wins, a conflict would drop the application's move.
    const sent = await syncOnce('--writes-conflict-policy', 'salesforce-wins');
    expect(sent.code, sent.out).toBe(0);
    const child = (
      await pool.query(`SELECT sfid, accountid FROM salesforce.contact WHERE lastname = 'Moved Child'`)
    ).rows[0] as { sfid: string; accountid: string };
    expect(child.accountid).toBe(first.sfid);
    const org = await client
      .query<{ AccountId: string | null }>(`SELECT AccountId FROM Contact WHERE Id = '${child.sfid}'`)
      .toArray();
    expect(org[0]?.AccountId).toBe(first.sfid);
    expect((await pool.query(`SELECT 1 FROM ferry.write_conflicts`)).rowCount).toBe(0);
  });
});

describe('ensureMirrorTable with relationship columns', () => {
  const child = fromDescribe({
    name: 'Child__c',
    fields: [
      { name: 'Id', type: 'id' },
      { name: 'Name', type: 'string', length: 80, createable: true, updateable: true },
    ],
  });
  const columns = (type: string) => [
    { column: 'parent__c__r__ferry_id__c', type },
    { column: 'other__c__r__ferry_id__c', type },
  ];
  const ensure = (type: string) =>
    withTransaction(db().pool, (c) =>
      ensureMirrorTable(c, child, { schema: 'rel', relationshipColumns: columns(type) }),
    );

  it('creates them, adds missing ones to an existing table, widens losslessly, keeps a user’s type', async () => {
    await db().pool.query(`CREATE SCHEMA rel`);
    await db().pool.query(
      `CREATE TABLE rel.child__c (id serial PRIMARY KEY, sfid varchar(18), name varchar(80),
         parent__c__r__ferry_id__c uuid)`,
    );
    const added = await ensure('varchar(36)');
    expect(added.addedRelationshipColumns).toEqual(['other__c__r__ferry_id__c']);
    expect(await columnsOf('child__c', 'rel')).toMatchObject({
      parent__c__r__ferry_id__c: 'uuid', // the application's own choice stays
      other__c__r__ferry_id__c: 'character varying(36)',
    });
    const widened = await ensure('varchar(80)');
    expect(widened.addedRelationshipColumns).toBeUndefined();
    expect(widened.changedColumns).toEqual([
      { column: 'other__c__r__ferry_id__c', from: 'character varying(36)', to: 'varchar(80)' },
    ]);
    expect(await columnsOf('child__c', 'rel')).toMatchObject({
      parent__c__r__ferry_id__c: 'uuid',
      other__c__r__ferry_id__c: 'character varying(80)',
    });
  });
});
