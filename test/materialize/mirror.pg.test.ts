import { describe, expect, it } from 'vitest';
import type { PoolClient } from 'pg';
import type { ChangeBatch } from '../../src/core/change-batch.js';
import { fromDescribe, type ObjectModel } from '../../src/core/sobject-model.js';
import { RecordError, UnrecoverableError } from '../../src/errors/index.js';
import { versionsOf } from '../../src/history/index.js';
import {
  acquireLease,
  applyBatch,
  applyChangeBatch,
  ensureMirrorTable,
  readCursor,
  type ApplyOptions,
} from '../../src/materialize/index.js';
import { withTransaction } from '../../src/store/index.js';
import { useTestDatabase } from '../support/database.js';
import { batch, rec, sfid } from './fixtures/batches.js';
import { widgetColumnTypes, widgetDescribe } from './fixtures/widget-describe.js';

const db = useTestDatabase();
const widget = fromDescribe(widgetDescribe);
const SCHEMA = 'salesforce';

function apply(
  b: ChangeBatch,
  model: ObjectModel = widget,
  options: ApplyOptions = {},
): ReturnType<typeof applyBatch> {
  return withTransaction(db().pool, (client) => applyBatch(client, b, model, { schema: SCHEMA, ...options }));
}

async function ensure(model: ObjectModel, options: { schema?: string; mode?: 'merge' | 'delta' } = {}) {
  return withTransaction(db().pool, (client) =>
    ensureMirrorTable(client, model, { schema: SCHEMA, ...options }),
  );
}

/** Column → formatted type, as Postgres reports it. */
async function columnTypes(table: string): Promise<Record<string, string>> {
  const { rows } = await db().pool.query<{ attname: string; type: string }>(
    `SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [`${SCHEMA}.${table}`],
  );
  return Object.fromEntries(rows.map((r) => [r.attname, r.type]));
}

const PG_SPELLING: Record<string, string> = {
  'varchar(18)': 'character varying(18)',
  timestamp: 'timestamp without time zone',
  time: 'time without time zone',
};
const spell = (t: string): string =>
  PG_SPELLING[t] ?? t.replace(/^varchar\((\d+)\)$/, 'character varying($1)');

const t1 = '2024-05-01T10:00:00.000Z';
const t2 = '2024-05-02T10:00:00.000Z';
const full = {
  Name: 'Sprocket',
  Account__c: '001000000000000001',
  Notes__c: 'line 1\nline\t2 \\ done',
  Status__c: 'Open',
  Tags__c: 'a;b',
  Active__c: true,
  Due__c: '2024-06-30',
  Seen__c: '2024-05-01T09:08:07.654Z',
  Opens__c: '08:30:00.000Z',
  Weight__c: 0.1,
  Price__c: '12345678901234567.89',
  Share__c: 12.5,
  Count__c: 42,
  Big__c: 9007199254740991,
  Email__c: 'a@example.com',
  Phone__c: '+1 555',
  Site__c: 'https://example.com',
  Secret__c: '****',
  Kind__c: 'Other',
  Ext_Id__c: '6f1c1d3e-0000-4000-8000-000000000001',
  Formula__c: 3.5,
  Spot__Latitude__s: 48.85837012345679,
  Spot__Longitude__s: 2.294481,
  MailingStreet__c: '1 Main St',
  MailingCity__c: 'Paris',
  Blob__c: '/services/data/v62.0/sobjects/Widget__c/x/Blob__c',
};

describe('mirror table DDL', () => {
  it('creates the Heroku Connect layout with a column of the right type per field', async () => {
    const result = await ensure(widget);
    expect(result).toEqual({
      schema: SCHEMA,
      table: 'widget__c',
      created: true,
      addedColumns: [],
      changedColumns: [],
    });
    const types = await columnTypes('widget__c');
    expect(types).toMatchObject({
      id: 'integer',
      sfid: 'character varying(18)',
      systemmodstamp: 'timestamp without time zone',
      isdeleted: 'boolean',
      _hc_lastop: 'character varying(32)',
      _hc_err: 'text',
    });
    for (const [column, type] of Object.entries(widgetColumnTypes))
      expect(types[column], column).toBe(spell(type));
    expect(Object.keys(types)).not.toContain('blob__c');
    expect(Object.keys(types)).not.toContain('spot__c');
    const { rows } = await db().pool.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'widget__c' ORDER BY 1`,
      [SCHEMA],
    );
    expect(rows.map((r) => r.indexname)).toEqual([
      'hc_idx_widget__c_systemmodstamp',
      'hcu_idx_widget__c_sfid',
      'widget__c_pkey',
    ]);
    expect(rows[1]?.indexdef).toMatch(/UNIQUE/);
    expect((await ensure(widget)).created).toBe(false);
  });

  it('schema drift: a new field adds a column, existing data stays', async () => {
    await apply(batch('Widget__c', [rec(sfid(500), t1, { Name: 'Before drift' })]));
    const drifted = fromDescribe({
      ...widgetDescribe,
      fields: [...widgetDescribe.fields, { ...widgetDescribe.fields[1], name: 'Color__c', length: 30 }],
    });
    const result = await ensure(drifted);
    expect(result.addedColumns).toEqual(['color__c']);
    expect((await columnTypes('widget__c')).color__c).toBe('character varying(30)');
    await apply(batch('Widget__c', [rec(sfid(501), t1, { Name: 'After drift', Color__c: 'red' })]), drifted);
    const { rows } = await db().pool.query(
      `SELECT name, color__c FROM salesforce.widget__c WHERE sfid = ANY($1) ORDER BY sfid`,
      [[sfid(500), sfid(501)]],
    );
    expect(rows).toEqual([
      { name: 'Before drift', color__c: null },
      { name: 'After drift', color__c: 'red' },
    ]);
    expect((await ensure(drifted)).addedColumns).toEqual([]);
  });

  it('schema drift: a field whose type changed widens its column and never loses data', async () => {
    const withColor = (length: number, type = 'string') =>
      fromDescribe({
        ...widgetDescribe,
        fields: [...widgetDescribe.fields, { ...widgetDescribe.fields[1], name: 'Size__c', type, length }],
      });
    await ensure(withColor(10));
    await apply(batch('Widget__c', [rec(sfid(510), t1, { Name: 'Sized', Size__c: 'small' })]), withColor(10));
    // Longer: widened in place. Shorter again: kept wide.
    expect((await ensure(withColor(40))).changedColumns).toEqual([
      { column: 'size__c', from: 'character varying(10)', to: 'varchar(40)' },
    ]);
    expect((await columnTypes('widget__c')).size__c).toBe('character varying(40)');
    expect((await ensure(withColor(20))).changedColumns).toEqual([]);
    expect((await columnTypes('widget__c')).size__c).toBe('character varying(40)');
    // Text to number: the column becomes text, which holds the old values and the new ones.
    const numeric = withColor(0, 'double');
    expect((await ensure(numeric)).changedColumns).toEqual([
      { column: 'size__c', from: 'character varying(40)', to: 'text' },
    ]);
    await apply(batch('Widget__c', [rec(sfid(511), t1, { Name: 'Numbered', Size__c: 12.5 })]), numeric);
    const { rows } = await db().pool.query(
      `SELECT size__c FROM salesforce.widget__c WHERE sfid = ANY($1) ORDER BY sfid`,
      [[sfid(510), sfid(511)]],
    );
    expect(rows).toEqual([{ size__c: 'small' }, { size__c: '12.5' }]);
    expect((await ensure(numeric)).changedColumns).toEqual([]);
  });
});

describe('merge mode', () => {
  it('keeps every digit of numbers beyond a double (exact decimal text from capture)', async () => {
    const id = sfid(520);
    await apply(batch('Widget__c', [rec(id, t1, { Name: 'Exact', Price__c: '123456789012345678.25' })]));
    const { rows } = await db().pool.query<{ p: string }>(
      `SELECT price__c::text AS p FROM salesforce.widget__c WHERE sfid = $1`,
      [id],
    );
    expect(rows).toEqual([{ p: '123456789012345678.25' }]);
  });

  it('stores every type faithfully', async () => {
    const id = sfid(1);
    const result = await apply(batch('Widget__c', [rec(id, t1, full)]));
    expect(result).toMatchObject({ mode: 'merge', upserted: 1, deleted: 0 });
    const { rows } = await db().pool.query<Record<string, unknown>>(
      `SELECT *, price__c::text AS price_text, seen__c::text AS seen_text, opens__c::text AS opens_text,
              spot__latitude__s::text AS lat_text, due__c::text AS due_text
       FROM salesforce.widget__c WHERE sfid = $1`,
      [id],
    );
    const row = rows[0]!;
    expect(row).toMatchObject({
      name: 'Sprocket',
      notes__c: 'line 1\nline\t2 \\ done',
      active__c: true,
      count__c: 42,
      big__c: '9007199254740991',
      isdeleted: false,
      _hc_lastop: 'SYNCED',
      _hc_err: null,
      price_text: '12345678901234567.89',
      seen_text: '2024-05-01 09:08:07.654',
      opens_text: '08:30:00',
      lat_text: '48.85837012345679',
      due_text: '2024-06-30',
    });
    expect((row.systemmodstamp as Date).toISOString()).toBe(t1);
  });

  it('re-applying unchanged data writes no tuple; a change rewrites only its row', async () => {
    const ids = [sfid(10), sfid(11), sfid(12)];
    const first = batch(
      'Widget__c',
      ids.map((id, i) => rec(id, t1, { Name: `W${i}`, Count__c: i })),
    );
    expect((await apply(first)).upserted).toBe(3);
    const xmins = async (): Promise<Record<string, string>> => {
      const { rows } = await db().pool.query<{ sfid: string; xmin: string }>(
        `SELECT sfid, xmin::text FROM salesforce.widget__c WHERE sfid = ANY($1)`,
        [ids],
      );
      return Object.fromEntries(rows.map((r) => [r.sfid, r.xmin]));
    };
    const updates = async (): Promise<number> => {
      const { rows } = await db().pool.query<{ n: string }>(
        `SELECT n_tup_upd::text AS n FROM pg_stat_xact_user_tables WHERE relid = 'salesforce.widget__c'::regclass`,
      );
      return Number(rows[0]?.n ?? 0);
    };
    const before = await xmins();
    // Same content (keys in another order): zero rows written, in a transaction that counts updates.
    const written = await withTransaction(db().pool, async (client: PoolClient) => {
      const r = await applyBatch(
        client,
        batch(
          'Widget__c',
          ids.map((id, i) => rec(id, t1, { Count__c: i, Name: `W${i}` })),
        ),
        widget,
        { schema: SCHEMA },
      );
      const { rows } = await client.query<{ n: string }>(
        `SELECT n_tup_upd::text AS n FROM pg_stat_xact_user_tables WHERE relid = 'salesforce.widget__c'::regclass`,
      );
      return { upserted: r.upserted, tupleUpdates: Number(rows[0]?.n ?? 0) };
    });
    expect(written).toEqual({ upserted: 0, tupleUpdates: 0 });
    expect(await xmins()).toEqual(before);
    expect(await updates()).toBe(0);

    const changed = await apply(
      batch('Widget__c', [
        rec(ids[0]!, t1, { Name: 'W0', Count__c: 0 }),
        rec(ids[1]!, t2, { Name: 'W1 renamed', Count__c: 1 }),
      ]),
    );
    expect(changed.upserted).toBe(1);
    const after = await xmins();
    expect(after[ids[0]!]).toBe(before[ids[0]!]);
    expect(after[ids[1]!]).not.toBe(before[ids[1]!]);
    expect(after[ids[2]!]).toBe(before[ids[2]!]);
  });

  it('keeps the last version of a record within a batch and never goes back in time', async () => {
    const id = sfid(20);
    await apply(batch('Widget__c', [rec(id, t1, { Name: 'v1' }), rec(id, t2, { Name: 'v2' })]));
    // An older version (stale re-read) does not overwrite the newer row.
    expect((await apply(batch('Widget__c', [rec(id, t1, { Name: 'v1' })]))).upserted).toBe(0);
    const { rows } = await db().pool.query(`SELECT name FROM salesforce.widget__c WHERE sfid = $1`, [id]);
    expect(rows).toEqual([{ name: 'v2' }]);
  });

  it('tombstones mark rows deleted, unless the row changed after the deletion', async () => {
    const [a, b, c] = [sfid(30), sfid(31), sfid(32)];
    await apply(batch('Widget__c', [rec(a, t1, { Name: 'a' }), rec(b, t2, { Name: 'b' })]));
    const result = await apply(
      batch('Widget__c', [], {
        tombstones: [
          { sfid: a, deletedAt: '2024-05-01T12:00:00.000Z' },
          { sfid: b, deletedAt: '2024-05-01T12:00:00.000Z' }, // b was modified later: undeleted since
          { sfid: c, deletedAt: null }, // never mirrored
        ],
      }),
    );
    expect(result.deleted).toBe(1);
    const { rows } = await db().pool.query(
      `SELECT sfid, isdeleted FROM salesforce.widget__c WHERE sfid = ANY($1) ORDER BY sfid`,
      [[a, b, c]],
    );
    expect(rows).toEqual([
      { sfid: a, isdeleted: true },
      { sfid: b, isdeleted: false },
    ]);
    // Seen again: nothing to write.
    expect(
      (await apply(batch('Widget__c', [], { tombstones: [{ sfid: a, deletedAt: null }] }))).deleted,
    ).toBe(0);
  });

  it("sets ferry.sync = 'on' for the applying transaction only", async () => {
    const inside = await withTransaction(db().pool, async (client) => {
      await applyBatch(client, batch('Widget__c', [rec(sfid(40), t1, { Name: 'x' })]), widget, {
        schema: SCHEMA,
      });
      const { rows } = await client.query<{ v: string }>(`SELECT current_setting('ferry.sync', true) AS v`);
      return rows[0]?.v;
    });
    expect(inside).toBe('on');
    const client = await db().pool.connect();
    try {
      const { rows } = await client.query<{ v: string | null }>(
        `SELECT current_setting('ferry.sync', true) AS v`,
      );
      expect(rows[0]?.v ?? '').toBe('');
    } finally {
      client.release();
    }
  });
  it('leaves columns no record of the batch carries untouched (formula refresh)', async () => {
    const id = sfid(46);
    await apply(batch('Widget__c', [rec(id, t1, { Name: 'kept', Formula__c: 1 })]));
    expect((await apply(batch('Widget__c', [rec(id, t1, { Formula__c: 2 })]))).upserted).toBe(1);
    const { rows } = await db().pool.query(
      `SELECT name, formula__c::text AS f FROM salesforce.widget__c WHERE sfid = $1`,
      [id],
    );
    expect(rows).toEqual([{ name: 'kept', f: '2' }]);
  });

  it('names the object and the next step when the mirror table is missing', async () => {
    const other = fromDescribe({ ...widgetDescribe, name: 'Gadget__c' });
    const err = await apply(batch('Gadget__c', [rec(sfid(45), t1, { Name: 'x' })]), other).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as UnrecoverableError).message).toMatch(
      /Gadget__c batch of run run-1 to salesforce\.gadget__c/,
    );
    expect((err as UnrecoverableError).hint).toMatch(/ensureMirrorTable/);
  });
});

describe('delta mode', () => {
  it('appends one change row per new version into <table>_changes', async () => {
    const created = await ensure(widget, { mode: 'delta' });
    expect(created).toMatchObject({ table: 'widget__c_changes', created: true });
    const id = sfid(50);
    const r1 = await apply(
      batch(
        'Widget__c',
        [rec(id, t1, { Name: 'd1' }), rec(id, t1, { Name: 'd1' }), rec(id, t2, { Name: 'd2' })],
        {
          runId: 'run-a',
        },
      ),
      widget,
      { mode: 'delta' },
    );
    expect(r1).toMatchObject({ mode: 'delta', appended: 2, upserted: 0 });
    // Re-read of the latest version (another run): nothing appended. Then a tombstone.
    expect(
      (
        await apply(batch('Widget__c', [rec(id, t2, { Name: 'd2' })], { runId: 'run-b' }), widget, {
          mode: 'delta',
        })
      ).appended,
    ).toBe(0);
    const r3 = await apply(
      batch('Widget__c', [], { tombstones: [{ sfid: id, deletedAt: '2024-05-03T00:00:00.000Z' }] }),
      widget,
      { mode: 'delta' },
    );
    expect(r3.appended).toBe(1);
    const { rows } = await db().pool.query(
      `SELECT name, _op, isdeleted, _run_id, systemmodstamp::text AS ts FROM salesforce.widget__c_changes
       WHERE sfid = $1 ORDER BY change_id`,
      [id],
    );
    expect(rows).toEqual([
      { name: 'd1', _op: 'upsert', isdeleted: false, _run_id: 'run-a', ts: '2024-05-01 10:00:00' },
      { name: 'd2', _op: 'upsert', isdeleted: false, _run_id: 'run-a', ts: '2024-05-02 10:00:00' },
      { name: null, _op: 'delete', isdeleted: true, _run_id: 'run-1', ts: '2024-05-03 00:00:00' },
    ]);
  });
});

describe('applyChangeBatch', () => {
  const account = (): ObjectModel => widget;

  it('stores history, mirror rows and the cursor together', async () => {
    const id = sfid(60);
    const cursor = { systemModstamp: t2, id };
    const result = await applyChangeBatch(
      db().pool,
      batch('Widget__c', [rec(id, t2, { Name: 'together' })], { cursor }),
      account(),
      { schema: SCHEMA },
    );
    expect(result).toMatchObject({ versions: 1, upserted: 1 });
    expect(await readCursor(db().pool, 'Widget__c')).toMatchObject(cursor);
    expect(await versionsOf(db().pool, 'Widget__c', id)).toHaveLength(1);
  });

  it('a failure mid-batch leaves history, mirror and cursor untouched', async () => {
    const before = await readCursor(db().pool, 'Widget__c');
    const good = sfid(70);
    const bad = sfid(71);
    const err = await applyChangeBatch(
      db().pool,
      batch('Widget__c', [rec(good, t2, { Name: 'good' }), rec(bad, t2, { Count__c: 'not a number' })], {
        cursor: { systemModstamp: '2024-06-01T00:00:00.000Z', id: bad },
      }),
      account(),
      { schema: SCHEMA },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecordError);
    expect(await versionsOf(db().pool, 'Widget__c', good)).toEqual([]);
    const { rows } = await db().pool.query(`SELECT 1 FROM salesforce.widget__c WHERE sfid = ANY($1)`, [
      [good, bad],
    ]);
    expect(rows).toEqual([]);
    expect(await readCursor(db().pool, 'Widget__c')).toEqual(before);

    // A database-side failure (value too long for varchar(80)) rolls back the same way.
    const err2 = await applyChangeBatch(
      db().pool,
      batch('Widget__c', [rec(good, t2, { Name: 'x'.repeat(81) })], {
        cursor: { systemModstamp: t2, id: good },
      }),
      account(),
      { schema: SCHEMA },
    ).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(Error);
    expect(await versionsOf(db().pool, 'Widget__c', good)).toEqual([]);
    expect(await readCursor(db().pool, 'Widget__c')).toEqual(before);
  });

  it('a worker whose lease was taken over cannot commit a batch', async () => {
    const old = await acquireLease(db().pool, 'Widget__c', 'worker-1');
    const current = await acquireLease(db().pool, 'Widget__c', 'worker-2');
    expect(BigInt(current.epoch)).toBe(BigInt(old.epoch) + 1n);
    const id = sfid(80);
    const stale = await applyChangeBatch(
      db().pool,
      batch('Widget__c', [rec(id, t2, { Name: 'stale' })], { cursor: { systemModstamp: t2, id } }),
      account(),
      { schema: SCHEMA, lease: old },
    ).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(UnrecoverableError);
    expect((stale as UnrecoverableError).code).toBe('CURSOR_LEASE_LOST');
    expect(await versionsOf(db().pool, 'Widget__c', id)).toEqual([]);
    const ok = await applyChangeBatch(
      db().pool,
      batch('Widget__c', [rec(id, t2, { Name: 'current' })], { cursor: { systemModstamp: t2, id } }),
      account(),
      { schema: SCHEMA, lease: current },
    );
    expect(ok.versions).toBe(1);
    expect(await readCursor(db().pool, 'Widget__c')).toMatchObject({ id, leaseOwner: 'worker-2' });
  });
});
