import { performance } from 'node:perf_hooks';
import { Client, type Notification, type PoolClient } from 'pg';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromDescribe } from '../../src/core/sobject-model.js';
import { ConfigError, InvariantError } from '../../src/errors/index.js';
import { ensureMirrorTable } from '../../src/materialize/index.js';
import { withTransaction } from '../../src/store/index.js';
import {
  removeWriteTriggers,
  setWriteAccess,
  writeAccessOf,
  WRITES_CHANNEL,
  type TriggerLogRow,
} from '../../src/writeback/index.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();

const field = (name: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  type,
  createable: true,
  updateable: true,
  custom: name.endsWith('__c'),
  ...extra,
});

const invoice = fromDescribe({
  name: 'Invoice__c',
  custom: true,
  fields: [
    field('Id', 'id', { length: 18, nillable: false }),
    field('Name', 'string', { length: 80 }),
    field('Account__c', 'reference', { length: 18, referenceTo: ['Account'] }),
    field('Amount__c', 'currency', { precision: 18, scale: 2 }),
    field('Due__c', 'date'),
    field('Paid__c', 'boolean', { nillable: false }),
    field('Sent__c', 'datetime'),
    field('Notes__c', 'textarea', { length: 32768 }),
  ],
});
const SCHEMA = 'salesforce';
const TABLE = 'invoice__c';
const MIRROR = `${SCHEMA}.${TABLE}`;
/** The non-system columns: what an INSERT captures. */
const FIELDS = ['name', 'account__c', 'amount__c', 'due__c', 'paid__c', 'sent__c', 'notes__c'];

const sfid = (n: number): string => `a01${String(n).padStart(15, '0')}`;

/** Runs statements as Ferry does (ferry.sync = 'on' for the transaction): never captured. */
async function asFerry(...statements: string[]): Promise<void> {
  await withTransaction(db().pool, async (client) => {
    await client.query(`SELECT set_config('ferry.sync', 'on', true)`);
    for (const sql of statements) await client.query(sql);
  });
}

/** Rows as the sync would leave them: with sfid, `_hc_lastop = 'SYNCED'`. */
async function seed(count: number): Promise<void> {
  await asFerry(
    `INSERT INTO ${MIRROR} (id, sfid, systemmodstamp, isdeleted, _hc_lastop, name, amount__c, due__c, paid__c)
     SELECT g, 'a01' || lpad(g::text, 15, '0'), '2024-05-01 10:00', false, 'SYNCED', 'Invoice ' || g, g * 10.5,
            date '2024-06-01' + g, false
     FROM generate_series(1, ${count}) g`,
    `SELECT setval(pg_get_serial_sequence('${MIRROR}', 'id'), ${count})`,
  );
}

async function log(where = 'true'): Promise<TriggerLogRow[]> {
  const { rows } = await db().pool.query<TriggerLogRow>(
    `SELECT * FROM ${SCHEMA}._trigger_log WHERE ${where} ORDER BY id`,
  );
  return rows;
}

async function lastop(id: number): Promise<{ _hc_lastop: string | null; _hc_err: string | null }> {
  const { rows } = await db().pool.query<{ _hc_lastop: string | null; _hc_err: string | null }>(
    `SELECT _hc_lastop, _hc_err FROM ${MIRROR} WHERE id = $1`,
    [id],
  );
  return rows[0] ?? { _hc_lastop: null, _hc_err: null };
}

async function withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db().pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

beforeAll(async () => {
  await withTransaction(db().pool, async (client) => {
    await ensureMirrorTable(client, invoice, { schema: SCHEMA });
    await setWriteAccess(client, SCHEMA, TABLE, 'read-write');
  });
});

beforeEach(async () => {
  await withClient((client) => setWriteAccess(client, SCHEMA, TABLE, 'read-write'));
  await asFerry(`TRUNCATE ${MIRROR}, ${SCHEMA}._trigger_log RESTART IDENTITY`);
});

describe('installing the triggers', () => {
  it('creates the log tables with Heroku Connect’s columns and is idempotent', async () => {
    const { rows } = await db().pool.query<{ table_name: string; columns: string }>(
      `SELECT table_name, string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS columns
       FROM information_schema.columns WHERE table_schema = $1 AND table_name LIKE '\\_trigger\\_log%'
       GROUP BY table_name ORDER BY table_name`,
      [SCHEMA],
    );
    const expected =
      'id bigint, txid bigint, created_at timestamp with time zone, updated_at timestamp with time zone, ' +
      'processed_at timestamp with time zone, processed_tx bigint, state character varying, ' +
      'action character varying, table_name character varying, record_id integer, sfid character varying, ' +
      'old jsonb, values jsonb, sf_result integer, sf_message text';
    expect(rows).toEqual([
      { table_name: '_trigger_log', columns: expected },
      { table_name: '_trigger_log_archive', columns: expected },
    ]);

    await withClient(async (client) => {
      expect(await setWriteAccess(client, SCHEMA, TABLE, 'read-write')).toEqual({
        access: 'read-write',
        changed: false,
      });
      expect(await writeAccessOf(client, SCHEMA, TABLE)).toBe('read-write');

      // A dropped log comes back even though the triggers are in place.
      await client.query(`DROP TABLE ${SCHEMA}._trigger_log_archive`);
      expect(await setWriteAccess(client, SCHEMA, TABLE, 'read-write')).toMatchObject({ changed: false });
      await client.query(`SELECT 1 FROM ${SCHEMA}._trigger_log_archive`);

      // A trigger another Ferry version defined differently is replaced, not taken as done.
      await client.query(`COMMENT ON TRIGGER ferry_capture_update ON ${MIRROR} IS 'ferry write-back 0'`);
      expect(await writeAccessOf(client, SCHEMA, TABLE)).toBeNull();
      expect(await setWriteAccess(client, SCHEMA, TABLE, 'read-write')).toMatchObject({ changed: true });
      expect(await writeAccessOf(client, SCHEMA, TABLE)).toBe('read-write');
    });
  });

  it('indexes the log for the writer’s queries only, and brings an earlier log’s indexes up to date', async () => {
    const indexes = async (): Promise<string[]> => {
      const { rows } = await db().pool.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = '_trigger_log' ORDER BY 1`,
        [SCHEMA],
      );
      return rows.map((r) => r.indexname);
    };
    const current = ['_trigger_log_idx_new', '_trigger_log_idx_unsent', '_trigger_log_pkey'];
    expect(await indexes()).toEqual(current);

    // A log created by an earlier version, with Heroku Connect's three indexes.
    await db().pool.query(
      `DROP INDEX ${SCHEMA}._trigger_log_idx_unsent, ${SCHEMA}._trigger_log_idx_new;
       CREATE INDEX _trigger_log_idx_state_id ON ${SCHEMA}._trigger_log (state, id);
       CREATE INDEX _trigger_log_idx_created_at ON ${SCHEMA}._trigger_log (created_at);
       CREATE INDEX _trigger_log_idx_state_table_name ON ${SCHEMA}._trigger_log (state, table_name)
         WHERE state IN ('NEW', 'PENDING');`,
    );
    await withClient((client) => setWriteAccess(client, SCHEMA, TABLE, 'read-write'));
    expect(await indexes()).toEqual(current);

    // A record's waiting changes are found through the index, not by scanning the table's queue.
    await asFerry(
      `INSERT INTO ${SCHEMA}._trigger_log (txid, state, action, table_name, record_id)
       SELECT 1, CASE WHEN g % 10 = 0 THEN 'NEW' ELSE 'SUCCESS' END, 'UPDATE', '${TABLE}', g
       FROM generate_series(1, 20000) g`,
      `ANALYZE ${SCHEMA}._trigger_log`,
    );
    const { rows: plan } = await db().pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT 1 FROM ${SCHEMA}._trigger_log
       WHERE table_name = '${TABLE}' AND record_id = 40 AND state IN ('NEW', 'PENDING')`,
    );
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('_trigger_log_idx_unsent');
  });

  it('refuses tables that are not merge-mode mirror tables', async () => {
    await withClient(async (client) => {
      await client.query(`CREATE TABLE ${SCHEMA}.not_a_mirror (id serial PRIMARY KEY, sfid varchar(18))`);
      const notMirror = setWriteAccess(client, SCHEMA, 'not_a_mirror', 'read-write');
      await expect(notMirror).rejects.toBeInstanceOf(ConfigError);
      await expect(notMirror).rejects.toThrow(
        /salesforce\.not_a_mirror .*lacks systemmodstamp, isdeleted, _hc_lastop, _hc_err/,
      );
      await expect(setWriteAccess(client, SCHEMA, 'no_such_table', 'read-only')).rejects.toBeInstanceOf(
        InvariantError,
      );
    });
  });
});

describe('capture on a read-write table', () => {
  it('INSERT logs every column of every row, in statement order, and marks the rows PENDING', async () => {
    const { rows: tx } = await withTransaction(db().pool, async (client) => {
      await client.query(
        `INSERT INTO ${MIRROR} (name, amount__c, due__c, paid__c, sent__c, notes__c) VALUES
           ('third', 3.10, '2024-07-03', true, '2024-05-01 09:08:07.654', 'a "quoted"\nline'),
           ('first', 1, NULL, false, NULL, NULL),
           ('second', 12345678901234567.89, NULL, false, NULL, NULL)`,
      );
      return client.query<{ txid: string }>('SELECT txid_current()::text AS txid');
    });
    const rows = await log();
    expect(rows.map((r) => [r.state, r.action, r.table_name, r.values?.name])).toEqual([
      ['NEW', 'INSERT', TABLE, 'third'],
      ['NEW', 'INSERT', TABLE, 'first'],
      ['NEW', 'INSERT', TABLE, 'second'],
    ]);
    expect(rows.every((r) => r.txid === tx[0]?.txid)).toBe(true);
    expect(rows.map((r) => r.record_id)).toEqual([1, 2, 3]);
    expect(rows[0]?.sfid).toBeNull();
    expect(rows[0]?.old).toBeNull();
    expect(Object.keys(rows[0]?.values ?? {}).sort()).toEqual([...FIELDS].sort());
    expect(rows[0]?.values).toEqual({
      name: 'third',
      account__c: null,
      amount__c: 3.1,
      due__c: '2024-07-03',
      paid__c: true,
      sent__c: '2024-05-01T09:08:07.654',
      notes__c: 'a "quoted"\nline',
    });
    // numeric keeps every digit in the jsonb value.
    const { rows: exact } = await db().pool.query<{ amount: string }>(
      `SELECT "values"->>'amount__c' AS amount FROM ${SCHEMA}._trigger_log WHERE record_id = 3`,
    );
    expect(exact[0]?.amount).toBe('12345678901234567.89');
    expect(await lastop(1)).toEqual({ _hc_lastop: 'PENDING', _hc_err: null });
  });

  it('UPDATE logs only the changed columns, with their previous values', async () => {
    await seed(3);
    await db().pool.query(`UPDATE ${MIRROR} SET _hc_err = 'old failure' WHERE id = 2`);
    await db().pool.query(`UPDATE ${MIRROR} SET amount__c = 99.99, notes__c = 'late' WHERE id = 2`);
    const rows = await log(`state <> 'IGNORE'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      state: 'NEW',
      action: 'UPDATE',
      record_id: 2,
      sfid: sfid(2),
      values: { amount__c: 99.99, notes__c: 'late' },
      old: { amount__c: 21.0, notes__c: null },
    });
    expect(await lastop(2)).toEqual({ _hc_lastop: 'PENDING', _hc_err: null });
    expect(await lastop(1)).toEqual({ _hc_lastop: 'SYNCED', _hc_err: null });
  });

  it('an UPDATE that changes nothing, or only system columns, is logged IGNORE and stays SYNCED', async () => {
    await seed(3);
    await db().pool.query(`UPDATE ${MIRROR} SET amount__c = amount__c, name = name WHERE id = 1`);
    await db().pool.query(
      `UPDATE ${MIRROR} SET _hc_err = 'x', isdeleted = true, systemmodstamp = now() WHERE id = 2`,
    );
    // 10.50 → 10.5: the same number, nothing to send.
    await db().pool.query(`UPDATE ${MIRROR} SET amount__c = 10.5 WHERE id = 1`);
    const rows = await log();
    expect(rows.map((r) => [r.state, r.action, r.record_id, r.sfid, r.values])).toEqual([
      ['IGNORE', 'UPDATE', 1, sfid(1), null],
      ['IGNORE', 'UPDATE', 2, sfid(2), null],
      ['IGNORE', 'UPDATE', 1, sfid(1), null],
    ]);
    expect(await lastop(1)).toEqual({ _hc_lastop: 'SYNCED', _hc_err: null });
    expect((await lastop(2))._hc_lastop).toBe('SYNCED');
  });

  it('DELETE logs the sfid and the row as it was; a row that never reached Salesforce is IGNORE', async () => {
    await seed(2);
    await db().pool.query(`INSERT INTO ${MIRROR} (name, paid__c) VALUES ('local only', false)`);
    await db().pool.query(`DELETE FROM ${MIRROR} WHERE id IN (1, 3)`);
    const rows = await log(`action = 'DELETE'`);
    expect(rows.map((r) => [r.state, r.record_id, r.sfid, r.values])).toEqual([
      ['NEW', 1, sfid(1), null],
      ['IGNORE', 3, null, null],
    ]);
    expect(rows[0]?.old).toMatchObject({ name: 'Invoice 1', amount__c: 10.5, due__c: '2024-06-02' });
    expect(Object.keys(rows[0]?.old ?? {}).sort()).toEqual([...FIELDS].sort());
  });

  it('a multi-row UPDATE logs its rows in the order the statement processed them', async () => {
    // Ids stored in a shuffled physical order: a sequential scan updates them in that order, and
    // the capture's join by id (forced to a merge join, which sorts by id) must not reorder them.
    const ids = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 500) + 1);
    await asFerry(
      `INSERT INTO ${MIRROR} (id, sfid, name, paid__c)
       SELECT id, 'a01' || lpad(id::text, 15, '0'), 'row ' || id, false
       FROM unnest('{${ids.join(',')}}'::int[]) WITH ORDINALITY AS u(id, ord) ORDER BY ord`,
    );
    const { rows: scan } = await db().pool.query<{ id: number }>(`SELECT id FROM ${MIRROR} ORDER BY ctid`);
    expect(scan.map((r) => r.id)).toEqual(ids);
    await withTransaction(db().pool, async (client) => {
      for (const setting of ['enable_indexscan', 'enable_bitmapscan', 'enable_hashjoin', 'enable_nestloop'])
        await client.query(`SET LOCAL ${setting} = off`);
      await client.query(`UPDATE ${MIRROR} SET paid__c = true`);
    });
    const rows = await log();
    expect(rows.map((r) => r.record_id)).toEqual(ids);
  });

  it('keeps the order of a transaction’s statements, all under its txid', async () => {
    await seed(2);
    await withTransaction(db().pool, async (client) => {
      await client.query(`UPDATE ${MIRROR} SET name = 'renamed' WHERE id = 2`);
      await client.query(`INSERT INTO ${MIRROR} (name, paid__c) VALUES ('new one', false)`);
      await client.query(`UPDATE ${MIRROR} SET name = 'renamed again' WHERE id = 2`);
      await client.query(`DELETE FROM ${MIRROR} WHERE id = 1`);
      await client.query(`UPDATE ${MIRROR} SET amount__c = 1 WHERE id = 3`);
    });
    const rows = await log();
    expect(rows.map((r) => [r.action, r.record_id, r.values])).toEqual([
      ['UPDATE', 2, { name: 'renamed' }],
      ['INSERT', 3, expect.objectContaining({ name: 'new one' })],
      ['UPDATE', 2, { name: 'renamed again' }],
      ['DELETE', 1, null],
      ['UPDATE', 3, { amount__c: 1 }],
    ]);
    expect(new Set(rows.map((r) => r.txid)).size).toBe(1);
    const ids = rows.map((r) => BigInt(r.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });

  it('INSERT ... ON CONFLICT DO UPDATE logs the inserted and the updated rows', async () => {
    await seed(1);
    await db().pool.query(
      `INSERT INTO ${MIRROR} (sfid, name, paid__c) VALUES ('${sfid(1)}', 'upserted', false), ('${sfid(2)}', 'inserted', false)
       ON CONFLICT (sfid) DO UPDATE SET name = EXCLUDED.name`,
    );
    const rows = await log();
    expect(rows.map((r) => [r.state, r.action, r.sfid, r.values?.name])).toEqual(
      expect.arrayContaining([
        ['NEW', 'INSERT', sfid(2), 'inserted'],
        ['NEW', 'UPDATE', sfid(1), 'upserted'],
      ]),
    );
    expect(rows).toHaveLength(2);
  });

  it('never captures Ferry’s own statements (ferry.sync = on), only for their transaction', async () => {
    await seed(3);
    await asFerry(
      `UPDATE ${MIRROR} SET name = 'from Salesforce', _hc_lastop = 'SYNCED' WHERE id = 1`,
      `INSERT INTO ${MIRROR} (sfid, name, paid__c, _hc_lastop) VALUES ('${sfid(9)}', 'read', false, 'SYNCED')`,
      `DELETE FROM ${MIRROR} WHERE id = 2`,
    );
    expect(await log()).toEqual([]);
    expect(await lastop(1)).toEqual({ _hc_lastop: 'SYNCED', _hc_err: null });
    // The setting was transaction-local: the same pooled sessions capture again.
    await withClient(async (client) => {
      await client.query(`UPDATE ${MIRROR} SET name = 'user edit' WHERE id = 1`);
    });
    expect((await log()).map((r) => [r.state, r.record_id])).toEqual([['NEW', 1]]);
  });

  it('an application role with rights on the mirror table only is captured, and cannot touch the log', async () => {
    await seed(1);
    const role = `${db().name}_app`;
    await db().pool.query(`CREATE ROLE ${role} NOLOGIN`);
    try {
      await db().pool.query(
        `GRANT USAGE ON SCHEMA ${SCHEMA} TO ${role};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ${MIRROR} TO ${role};
         GRANT USAGE ON SEQUENCE ${MIRROR}_id_seq TO ${role};`,
      );
      await withTransaction(db().pool, async (client) => {
        await client.query(`SET LOCAL ROLE ${role}`);
        await client.query(`UPDATE ${MIRROR} SET name = 'by the app' WHERE id = 1`);
        await client.query(`INSERT INTO ${MIRROR} (name, paid__c) VALUES ('app row', false)`);
        await client.query('SAVEPOINT forge');
        await expect(
          client.query(
            `INSERT INTO ${SCHEMA}._trigger_log (txid, state, action, table_name) VALUES (1, 'NEW', 'DELETE', '${TABLE}')`,
          ),
        ).rejects.toThrow(/permission denied/);
        await client.query('ROLLBACK TO SAVEPOINT forge');
      });
      expect((await log()).map((r) => [r.state, r.action, r.record_id])).toEqual([
        ['NEW', 'UPDATE', 1],
        ['NEW', 'INSERT', 2],
      ]);
    } finally {
      await db().pool.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('refuses to change id', async () => {
    await seed(1);
    await expect(db().pool.query(`UPDATE ${MIRROR} SET id = 100 WHERE id = 1`)).rejects.toThrow(
      /Changing the id column of salesforce\.invoice__c is refused/,
    );
    expect(await log()).toEqual([]);
  });

  it('refuses TRUNCATE with a message naming the table and what to do instead', async () => {
    await seed(2);
    const error = (await db()
      .pool.query(`TRUNCATE ${MIRROR}`)
      .then(
        () => ({}),
        (err: unknown) => err,
      )) as { code?: string; message?: string; hint?: string };
    expect(error.code).toBe('55000');
    expect(error.message).toMatch(
      /^TRUNCATE of salesforce\.invoice__c is refused: it is a read-write mapping/,
    );
    expect(error.hint).toContain('use DELETE FROM salesforce.invoice__c');
    const { rows } = await db().pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${MIRROR}`);
    expect(rows[0]?.n).toBe(2);
    // Ferry itself may (a reload): beforeEach truncates with ferry.sync = 'on'.
  });
});

describe('generated capture functions', () => {
  it('logs a column changed to NULL with null, and only the columns that changed', async () => {
    await seed(2);
    await db().pool.query(`UPDATE ${MIRROR} SET due__c = NULL, notes__c = 'x' WHERE id = 1`);
    const rows = await log();
    expect(rows.map((r) => [r.state, r.values, r.old])).toEqual([
      ['NEW', { due__c: null, notes__c: 'x' }, { due__c: '2024-06-02', notes__c: null }],
    ]);
  });

  it('a one-row UPDATE (captured row by row) logs what the same change logs in a multi-row one', async () => {
    await seed(15);
    const changes = [
      `amount__c = 99.99, notes__c = 'late'`,
      `due__c = NULL, paid__c = true`,
      `amount__c = amount__c, name = name`, // nothing: IGNORE
      `amount__c = amount__c * 1.0`, // 10.50 → 10.500, the same number: IGNORE
      `_hc_err = 'x', isdeleted = true`, // system columns only: IGNORE
    ];
    for (const [i, change] of changes.entries()) {
      const [one, a, b] = [1, 2, 3].map((k) => i * 3 + k) as [number, number, number];
      if (b > 15) throw new Error('seed more rows');
      await db().pool.query(`UPDATE ${MIRROR} SET ${change} WHERE id = $1`, [one]);
      await db().pool.query(`UPDATE ${MIRROR} SET ${change} WHERE id IN ($1, $2)`, [a, b]);
    }
    const rows = await log();
    expect(rows).toHaveLength(changes.length * 3);
    for (const [i, change] of changes.entries()) {
      const [one, a, b] = rows.slice(i * 3, i * 3 + 3).map((r) => ({
        state: r.state,
        values: r.values,
        // The previous values differ from row to row where the seed differs (amounts, names).
        old: r.old === null ? null : Object.keys(r.old).sort(),
      }));
      expect([change, a], 'multi-row statement, first row').toEqual([change, one]);
      expect([change, b], 'multi-row statement, second row').toEqual([change, one]);
    }
    const states = rows.map((r) => r.state);
    expect(states).toEqual([...Array<string>(6).fill('NEW'), ...Array<string>(9).fill('IGNORE')]);
  });

  it('still captures a column added by hand before the functions are regenerated', async () => {
    await seed(1);
    await db().pool.query(
      `ALTER TABLE ${MIRROR} ADD COLUMN account__r__ferry_id__c varchar(36), ADD COLUMN extra json`,
    );
    try {
      await db().pool.query(
        `INSERT INTO ${MIRROR} (name, paid__c, account__r__ferry_id__c) VALUES ('child', false, 'b3f7')`,
      );
      await db().pool.query(`UPDATE ${MIRROR} SET account__r__ferry_id__c = 'c4a8' WHERE id = 1`);
      await db().pool.query(`UPDATE ${MIRROR} SET extra = '{"a": 1}' WHERE id = 1`);
      // Regenerated for the new columns; a json column (no = operator) is compared as jsonb.
      await withClient(async (client) => {
        expect(await writeAccessOf(client, SCHEMA, TABLE)).toBeNull();
        expect(await setWriteAccess(client, SCHEMA, TABLE, 'read-write')).toMatchObject({ changed: true });
      });
      await db().pool.query(`UPDATE ${MIRROR} SET extra = '{"a": 2}', name = name WHERE id = 1`);
      await db().pool.query(`UPDATE ${MIRROR} SET extra = '{"a": 2}' WHERE id = 1`);
      const rows = await log();
      expect(rows.map((r) => [r.state, r.action, r.record_id, r.values])).toEqual([
        [
          'NEW',
          'INSERT',
          2,
          expect.objectContaining({ name: 'child', account__r__ferry_id__c: 'b3f7', extra: null }),
        ],
        ['NEW', 'UPDATE', 1, { account__r__ferry_id__c: 'c4a8' }],
        ['NEW', 'UPDATE', 1, { extra: { a: 1 } }],
        ['NEW', 'UPDATE', 1, { extra: { a: 2 } }],
        ['IGNORE', 'UPDATE', 1, null],
      ]);
    } finally {
      await db().pool.query(`ALTER TABLE ${MIRROR} DROP COLUMN account__r__ferry_id__c, DROP COLUMN extra`);
      await withClient((client) => setWriteAccess(client, SCHEMA, TABLE, 'read-write'));
    }
  });

  it('captures columns of any type and name once the functions are regenerated for them', async () => {
    await seed(2);
    // Names the generated capture uses for its own columns and variables, and a type without `=`.
    const added = ['ferry_capture_ord', 'n0', 'c0', 'k', 'x', 'one_new'];
    await asFerry(
      `ALTER TABLE ${MIRROR} ADD COLUMN ferry_capture_ord text, ADD COLUMN n0 integer, ADD COLUMN c0 boolean,
         ADD COLUMN k text, ADD COLUMN x json, ADD COLUMN one_new text`,
    );
    try {
      await withClient((client) => setWriteAccess(client, SCHEMA, TABLE, 'read-write'));
      await db().pool.query(
        `UPDATE ${MIRROR} SET ferry_capture_ord = 'o', n0 = 7, c0 = true, k = 'key', x = '{"a": [1]}',
           one_new = 'one' WHERE id = 2`,
      );
      await db().pool.query(`UPDATE ${MIRROR} SET x = '{"a": [1]}', amount__c = 10.50 WHERE id = 1`);
      await db().pool.query(`UPDATE ${MIRROR} SET x = '{"a": [1]}' WHERE id = 1`);
      // The same through the multi-row capture.
      await db().pool.query(`UPDATE ${MIRROR} SET x = '{"a": [1]}', n0 = 7 WHERE id IN (1, 2)`);
      const rows = (await log()).map((r) => [r.state, r.record_id, r.values, r.old]);
      expect(rows.slice(0, 3)).toEqual([
        [
          'NEW',
          2,
          { ferry_capture_ord: 'o', n0: 7, c0: true, k: 'key', x: { a: [1] }, one_new: 'one' },
          { ferry_capture_ord: null, n0: null, c0: null, k: null, x: null, one_new: null },
        ],
        // 10.50 equals 10.5: only x changed.
        ['NEW', 1, { x: { a: [1] } }, { x: null }],
        ['IGNORE', 1, null, null],
      ]);
      // The multi-row statement, in whichever order it met the rows.
      expect(rows.slice(3).sort((p, q) => Number(p[1]) - Number(q[1]))).toEqual([
        ['NEW', 1, { n0: 7 }, { n0: null }],
        ['IGNORE', 2, null, null],
      ]);
      expect((await lastop(2))._hc_lastop).toBe('PENDING');
    } finally {
      await asFerry(`ALTER TABLE ${MIRROR} ${added.map((c) => `DROP COLUMN ${c}`).join(', ')}`);
      await withClient((client) => setWriteAccess(client, SCHEMA, TABLE, 'read-write'));
    }
  });

  it('captures an UPDATE of a table with more columns than a query can pass on one by one', async () => {
    const fields = Array.from({ length: 600 }, (_, i) => field(`F${i}__c`, 'string', { length: 20 }));
    const wide = fromDescribe({
      name: 'Wide__c',
      custom: true,
      fields: [field('Id', 'id', { length: 18, nillable: false }), ...fields],
    });
    await withClient(async (client) => {
      await ensureMirrorTable(client, wide, { schema: 'wide' });
      await setWriteAccess(client, 'wide', 'wide__c', 'read-write');
    });
    await asFerry(
      `INSERT INTO wide.wide__c (id, sfid, _hc_lastop, f0__c, f599__c)
       VALUES (1, '${sfid(1)}', 'SYNCED', 'a', 'z'), (2, '${sfid(2)}', 'SYNCED', 'b', 'z')`,
    );
    await db().pool.query(`UPDATE wide.wide__c SET f599__c = NULL, f300__c = 'm' WHERE id = 1`);
    await db().pool.query(`UPDATE wide.wide__c SET f0__c = 'a' WHERE id = 1`);
    // The multi-row capture, which passes such a table's rows on whole.
    await db().pool.query(`UPDATE wide.wide__c SET f599__c = NULL, f300__c = 'm' WHERE id IN (1, 2)`);
    const { rows } = await db().pool.query<TriggerLogRow>(`SELECT * FROM wide._trigger_log ORDER BY id`);
    const logged = rows.map((r) => [r.state, r.record_id, r.values, r.old]);
    expect(logged.slice(0, 2)).toEqual([
      ['NEW', 1, { f300__c: 'm', f599__c: null }, { f300__c: null, f599__c: 'z' }],
      ['IGNORE', 1, null, null],
    ]);
    expect(logged.slice(2).sort((p, q) => Number(p[1]) - Number(q[1]))).toEqual([
      ['IGNORE', 1, null, null],
      ['NEW', 2, { f300__c: 'm', f599__c: null }, { f300__c: null, f599__c: 'z' }],
    ]);
  });

  it('lets the mirror change a column’s type (no trigger names a column)', async () => {
    await seed(1);
    await asFerry(`ALTER TABLE ${MIRROR} ALTER COLUMN name TYPE varchar(120)`);
    try {
      await withClient((client) => setWriteAccess(client, SCHEMA, TABLE, 'read-write'));
      await db().pool.query(`UPDATE ${MIRROR} SET name = 'longer name' WHERE id = 1`);
      expect((await log()).map((r) => r.values)).toEqual([{ name: 'longer name' }]);
    } finally {
      await asFerry(`ALTER TABLE ${MIRROR} ALTER COLUMN name TYPE varchar(80)`);
    }
  });

  it('keeps one pair of functions per read-write table, dropped with the triggers', async () => {
    const functions = async (): Promise<string[]> =>
      (
        await db().pool.query<{ name: string }>(
          `SELECT p.proname AS name FROM pg_proc p WHERE p.pronamespace = 'ferry'::regnamespace
           AND p.proname LIKE '%.invoice\\_\\_c' ORDER BY 1`,
        )
      ).rows.map((r) => r.name);
    expect(await functions()).toEqual(['capture_salesforce.invoice__c', 'pending_salesforce.invoice__c']);
    await withClient((client) => setWriteAccess(client, SCHEMA, TABLE, 'read-only'));
    expect(await functions()).toEqual([]);
    await withClient((client) => setWriteAccess(client, SCHEMA, TABLE, 'read-write'));
    expect(await functions()).toHaveLength(2);
    await withClient((client) => removeWriteTriggers(client, SCHEMA, TABLE));
    expect(await functions()).toEqual([]);
  });
});

describe('notifications', () => {
  it('sends one notification per statement that logged something to send', async () => {
    await seed(50);
    const listener = new Client({ connectionString: db().url });
    await listener.connect();
    const received: Notification[] = [];
    listener.on('notification', (n) => received.push(n));
    try {
      await listener.query(`LISTEN ${WRITES_CHANNEL}`);
      const pool = db().pool;
      await pool.query(`UPDATE ${MIRROR} SET paid__c = true`); // 50 rows: 1
      await pool.query(
        `INSERT INTO ${MIRROR} (name, paid__c) SELECT 'n' || g, false FROM generate_series(1, 20) g`,
      ); // 1
      await pool.query(`DELETE FROM ${MIRROR} WHERE id <= 10`); // 1
      await pool.query(`UPDATE ${MIRROR} SET paid__c = paid__c`); // only IGNORE: 0
      await pool.query(`DELETE FROM ${MIRROR} WHERE sfid IS NULL AND id = 60`); // only IGNORE: 0
      await asFerry(`UPDATE ${MIRROR} SET name = 'sync'`); // Ferry's own: 0
      // A notification is delivered at the latest before the listener's next query completes.
      await listener.query('SELECT 1');
      await new Promise((resolve) => setTimeout(resolve, 200));
      await listener.query('SELECT 1');
      expect(received.map((n) => [n.channel, n.payload])).toEqual([
        [WRITES_CHANNEL, MIRROR],
        [WRITES_CHANNEL, MIRROR],
        [WRITES_CHANNEL, MIRROR],
      ]);
    } finally {
      await listener.end();
    }
  });
});

describe('read-only tables and switching access', () => {
  it('logs changes to a read-only table as READONLY, sends no notification, allows TRUNCATE', async () => {
    await seed(3);
    await withClient(async (client) => {
      expect(await setWriteAccess(client, SCHEMA, TABLE, 'read-only')).toEqual({
        access: 'read-only',
        changed: true,
      });
      expect(await setWriteAccess(client, SCHEMA, TABLE, 'read-only')).toMatchObject({ changed: false });
      expect(await writeAccessOf(client, SCHEMA, TABLE)).toBe('read-only');
    });
    const listener = new Client({ connectionString: db().url });
    await listener.connect();
    let notified = 0;
    listener.on('notification', () => (notified += 1));
    try {
      await listener.query(`LISTEN ${WRITES_CHANNEL}`);
      await db().pool.query(`UPDATE ${MIRROR} SET name = 'edited locally' WHERE id = 1`);
      await db().pool.query(`UPDATE ${MIRROR} SET name = name WHERE id = 2`); // no change: not logged
      await db().pool.query(`INSERT INTO ${MIRROR} (name, paid__c) VALUES ('local', false)`);
      await db().pool.query(`DELETE FROM ${MIRROR} WHERE id = 3`);
      await asFerry(`UPDATE ${MIRROR} SET name = 'synced'`);
      await listener.query('SELECT 1');
    } finally {
      await listener.end();
    }
    expect(notified).toBe(0);
    const rows = await log();
    expect(rows.map((r) => [r.state, r.action, r.record_id, r.sfid])).toEqual([
      ['READONLY', 'UPDATE', 1, sfid(1)],
      ['READONLY', 'INSERT', 4, null],
      ['READONLY', 'DELETE', 3, sfid(3)],
    ]);
    // A marker, not a copy: the data stays in the row until the next sync.
    expect(rows.every((r) => r.values === null && r.old === null)).toBe(true);
    // Read-only rows are not marked PENDING: nothing will be sent.
    expect((await lastop(4))._hc_lastop).toBeNull();
    await withTransaction(db().pool, async (client) => {
      await client.query(`TRUNCATE ${MIRROR}`);
      throw new Error('rollback');
    }).catch(() => undefined);

    // Back to read-write: READONLY rows stay READONLY (never sent), new edits are NEW.
    await withClient((client) => setWriteAccess(client, SCHEMA, TABLE, 'read-write'));
    await db().pool.query(`UPDATE ${MIRROR} SET name = 'now sent' WHERE id = 1`);
    expect((await log()).map((r) => r.state)).toEqual(['READONLY', 'READONLY', 'READONLY', 'NEW']);
  });

  it('removing the triggers stops capture and is idempotent', async () => {
    await seed(1);
    await withClient(async (client) => {
      expect(await removeWriteTriggers(client, SCHEMA, TABLE)).toBe(true);
      expect(await removeWriteTriggers(client, SCHEMA, TABLE)).toBe(false);
      expect(await writeAccessOf(client, SCHEMA, TABLE)).toBeNull();
    });
    await db().pool.query(`UPDATE ${MIRROR} SET name = 'unmapped' WHERE id = 1`);
    expect(await log()).toEqual([]);
  });

  it('keeps one log per mirror schema', async () => {
    await withClient(async (client) => {
      await ensureMirrorTable(client, invoice, { schema: 'crm' });
      await setWriteAccess(client, 'crm', TABLE, 'read-write');
      await client.query(`INSERT INTO crm.${TABLE} (name, paid__c) VALUES ('elsewhere', false)`);
    });
    const { rows } = await db().pool.query<{ table_name: string }>('SELECT table_name FROM crm._trigger_log');
    expect(rows).toEqual([{ table_name: TABLE }]);
    expect(await log()).toEqual([]);
  });
});

describe('room for the writer’s updates', () => {
  const fillfactor = async (schema: string): Promise<string[] | null> => {
    const { rows } = await db().pool.query<{ reloptions: string[] | null }>(
      `SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2`,
      [schema, TABLE],
    );
    return rows[0]?.reloptions ?? null;
  };

  it('a read-write table keeps 10% of each page free; a fillfactor the user chose is kept', async () => {
    expect(await fillfactor(SCHEMA)).toEqual(['fillfactor=90']);
    await withClient(async (client) => {
      await ensureMirrorTable(client, invoice, { schema: 'tuned' });
      expect(await fillfactor('tuned')).toBeNull();
      await setWriteAccess(client, 'tuned', TABLE, 'read-only');
      expect(await fillfactor('tuned')).toBeNull();
      await client.query(`ALTER TABLE tuned.${TABLE} SET (fillfactor = 70)`);
      await setWriteAccess(client, 'tuned', TABLE, 'read-write');
      expect(await fillfactor('tuned')).toEqual(['fillfactor=70']);
    });
  });

  it('the writer’s status update of a synced row stays on its page (HOT)', async () => {
    await seed(400);
    // Every 25th row (two a page), twice, as the user's edit and the writer's result: the page's free
    // 10% holds both new versions without having to prune the first (a statement updating every row
    // of a page at once could not fit in it).
    const counts = await withClient(async (client) => {
      // Statistics reach pg_stat_user_tables late: from Postgres 15 when the session flushes them
      // (at its next transaction's end after pg_stat_force_next_flush), before 15 through the
      // statistics collector, within about half a second. Read until the 32 updates show.
      const { rows: version } = await client.query<{ v: string }>(
        `SELECT current_setting('server_version_num') AS v`,
      );
      const flush = Number(version[0]!.v) >= 150_000 ? 'SELECT pg_stat_force_next_flush()' : 'SELECT 1';
      const read = async (): Promise<{ upd: number; hot: number }> => {
        await client.query(flush);
        await client.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await client.query<{ upd: string; hot: string }>(
          `SELECT n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot FROM pg_stat_user_tables
           WHERE schemaname = $1 AND relname = $2`,
          [SCHEMA, TABLE],
        );
        return { upd: Number(rows[0]!.upd), hot: Number(rows[0]!.hot) };
      };
      const before = await read();
      for (const lastop of ['PENDING', 'SYNCED']) {
        await client.query('BEGIN');
        await client.query(`SELECT set_config('ferry.sync', 'on', true)`);
        await client.query(`UPDATE ${MIRROR} SET _hc_lastop = $1, _hc_err = NULL WHERE id % 25 = 0`, [
          lastop,
        ]);
        await client.query('COMMIT');
      }
      let after = await read();
      for (let waited = 0; after.upd - before.upd < 32 && waited < 5_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await read();
      }
      return { upd: after.upd - before.upd, hot: after.hot - before.hot };
    });
    expect(counts).toEqual({ upd: 32, hot: 32 });
  });
});

describe('cost', () => {
  it('a 100,000-row UPDATE with triggers is not pathological (timings printed)', async () => {
    const N = 100_000;
    await seed(N);
    await db().pool.query(`VACUUM ANALYZE ${MIRROR}`);
    const timings: Record<string, number> = {};
    /** Times one statement in a transaction that is rolled back, so every run starts alike. */
    const time = async (label: string, sql: string, ferry = false): Promise<void> => {
      await withTransaction(db().pool, async (client) => {
        if (ferry) await client.query(`SELECT set_config('ferry.sync', 'on', true)`);
        const started = performance.now();
        const result = await client.query(sql);
        timings[label] = Math.round(performance.now() - started);
        expect(result.rowCount).toBe(N);
        if (label === 'user UPDATE, read-write') {
          const { rows } = await client.query<{ state: string; n: number }>(
            `SELECT state, count(*)::int AS n FROM ${SCHEMA}._trigger_log GROUP BY state`,
          );
          expect(rows).toEqual([{ state: 'NEW', n: N }]);
        }
        throw new Error('rollback');
      }).catch((err: unknown) => {
        if (!(err instanceof Error && err.message === 'rollback')) throw err;
      });
    };
    const edit = `UPDATE ${MIRROR} SET amount__c = amount__c + 1, notes__c = 'edited'`;
    const noop = `UPDATE ${MIRROR} SET amount__c = amount__c`;

    await withClient((client) => removeWriteTriggers(client, SCHEMA, TABLE));
    await time('UPDATE, no triggers', edit);
    await withClient((client) => setWriteAccess(client, SCHEMA, TABLE, 'read-write'));
    await time('user UPDATE, read-write', edit);
    await time('user no-op UPDATE, read-write (IGNORE)', noop);
    await time('Ferry UPDATE (ferry.sync), read-write', edit, true);
    await withClient((client) => setWriteAccess(client, SCHEMA, TABLE, 'read-only'));
    await time('Ferry UPDATE (ferry.sync), read-only', edit, true);
    await time('user UPDATE, read-only (READONLY)', edit);

    const base = timings['UPDATE, no triggers'] ?? 1;
    console.log(
      `trigger cost, ${N} rows:\n` +
        Object.entries(timings)
          .map(
            ([label, ms]) => `  ${label.padEnd(42)} ${String(ms).padStart(6)} ms  ×${(ms / base).toFixed(1)}`,
          )
          .join('\n'),
    );
  }, 300_000);
});
