import { describe, expect, it } from 'vitest';
import { RecordError } from '../../src/errors/index.js';
import { copyRows } from '../../src/store/copy-rows.js';
import { withTransaction } from '../../src/store/transaction.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();

const COLUMNS = ['id', 'txt', 'doc', 'num', 'dbl', 'flag', 'at', 'bin', 'big'] as const;
type Row = [
  number,
  string | null,
  unknown,
  string | null,
  number | null,
  boolean | null,
  Date | null,
  Buffer | null,
  bigint | null,
];

const AWKWARD = [
  'plain',
  '',
  'tab\there',
  'new\nline',
  'carriage\rreturn\r\n',
  'back\\slash',
  '\\N',
  'N',
  '\\\\double',
  '\\.',
  'ünïcödé ✓ 🚀 日本語',
  'e\u0301 combining',
  '"quotes" and \'apostrophes\'',
  '\t\n\\\r',
  ' leading and trailing ',
];
const DOUBLES = [0.1, -0, 1e308, -1e-308, Number.NaN, Infinity, -Infinity, 42];

function row(i: number): Row {
  const text = i % 17 === 0 ? null : `${AWKWARD[i % AWKWARD.length]}#${i}`;
  const doc =
    i % 13 === 0
      ? null
      : { i, s: AWKWARD[(i * 7) % AWKWARD.length], nested: { list: [i, 'a\tb', null, true] }, u: '🚀\\' };
  return [
    i,
    text,
    doc,
    i % 11 === 0 ? null : `${i}.${String(i).padStart(12, '0')}123456789`,
    i % 19 === 0 ? null : (DOUBLES[i % DOUBLES.length] ?? 0),
    i % 5 === 0 ? null : i % 2 === 0,
    i % 23 === 0 ? null : new Date(Date.UTC(2000, 0, 1) + i * 61_001),
    i % 29 === 0 ? null : Buffer.from([i & 255, 0, 92, 9, 10, (i >> 8) & 255]),
    i % 31 === 0 ? null : BigInt(i) * 1_000_000_000_007n,
  ];
}

async function* generate(count: number): AsyncGenerator<Row> {
  for (let i = 1; i <= count; i++) {
    // A source that really is asynchronous, like a Salesforce stream.
    if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    yield row(i);
  }
}

async function createTable(name: string): Promise<void> {
  await db().pool.query(
    `CREATE TABLE ${name} (id integer PRIMARY KEY, txt text, doc jsonb, num numeric, dbl double precision,
       flag boolean, at timestamptz, bin bytea, big bigint)`,
  );
}

describe('copyRows', () => {
  it('streams 50,000 awkward rows and reads them back identical', async () => {
    await createTable('copy_big');
    const client = await db().pool.connect();
    try {
      const count = await copyRows(client, 'copy_big', COLUMNS, generate(50_000));
      expect(count).toBe(50_000);
    } finally {
      client.release();
    }

    const { rows } = await db().pool.query<Record<(typeof COLUMNS)[number], unknown>>(
      'SELECT * FROM copy_big ORDER BY id',
    );
    expect(rows).toHaveLength(50_000);
    for (const [index, actual] of rows.entries()) {
      const [id, txt, doc, num, dbl, flag, at, bin, big] = row(index + 1);
      // toEqual tells -0 from 0 and treats NaN as equal to NaN: exactly the round trip we want.
      expect(actual).toEqual({
        id,
        txt,
        doc,
        num,
        dbl,
        flag,
        at,
        bin,
        big: big === null ? null : big.toString(),
      });
    }
  });

  it('accepts a plain array and a schema-qualified table', async () => {
    await db().pool.query('CREATE SCHEMA copy_schema; CREATE TABLE copy_schema.t (a text, b int)');
    const client = await db().pool.connect();
    try {
      const count = await copyRows(
        client,
        { schema: 'copy_schema', name: 't' },
        ['a', 'b'],
        [
          ['x', 1],
          [null, null],
        ],
      );
      expect(count).toBe(2);
      const empty = await copyRows(client, { schema: 'copy_schema', name: 't' }, ['a', 'b'], []);
      expect(empty).toBe(0);
    } finally {
      client.release();
    }
    const { rows } = await db().pool.query('SELECT a, b FROM copy_schema.t ORDER BY b NULLS LAST');
    expect(rows).toEqual([
      { a: 'x', b: 1 },
      { a: null, b: null },
    ]);
  });

  it('aborts the whole COPY when the source fails, and the client stays usable', async () => {
    await createTable('copy_fail');
    const boom = new Error('source broke');
    async function* failing(): AsyncGenerator<Row> {
      yield* generate(20_000);
      throw boom;
    }
    const client = await db().pool.connect();
    try {
      await expect(copyRows(client, 'copy_fail', COLUMNS, failing())).rejects.toBe(boom);
      expect((await client.query('SELECT count(*)::int AS n FROM copy_fail')).rows).toEqual([{ n: 0 }]);

      await expect(copyRows(client, 'copy_fail', ['id', 'txt'], [[1, 'nul\0byte']])).rejects.toThrow(
        RecordError,
      );
      // A server-side failure (duplicate key) is reported with its SQLSTATE.
      await expect(copyRows(client, 'copy_fail', ['id'], [[1], [1]])).rejects.toMatchObject({
        code: '23505',
        message: expect.stringContaining('"copy_fail"') as unknown,
      });
      expect((await client.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      client.release();
    }
  });

  it('runs inside the caller transaction', async () => {
    await db().pool.query('CREATE TABLE copy_tx (a int)');
    const failure = new Error('roll it back');
    await expect(
      withTransaction(db().pool, async (client) => {
        await copyRows(client, 'copy_tx', ['a'], [[1], [2]]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect((await db().pool.query('SELECT count(*)::int AS n FROM copy_tx')).rows).toEqual([{ n: 0 }]);
  });
});
