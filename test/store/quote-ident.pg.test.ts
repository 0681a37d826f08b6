import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/errors/index.js';
import { copyRows } from '../../src/store/copy-rows.js';
import { qualify, quoteIdent } from '../../src/store/quote-ident.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();

const NASTY = [
  'select',
  'order',
  'User',
  'MixedCase',
  'with"quote',
  '""',
  'x"; DROP TABLE victims; --',
  'a.b',
  'semi;colon',
  'spa ce',
  'tab\tand\nnewline',
  'ünïcödé_日本',
  '$1',
  '-- comment',
  'back\\slash',
];

describe('quoteIdent', () => {
  it('quotes and doubles embedded quotes', () => {
    expect(quoteIdent('account')).toBe('"account"');
    expect(quoteIdent('with"quote')).toBe('"with""quote"');
    expect(qualify('salesforce', 'Account')).toBe('"salesforce"."Account"');
  });

  it('refuses names Postgres would reject or silently truncate', () => {
    expect(() => quoteIdent('')).toThrow(InvariantError);
    expect(() => quoteIdent('a\0b')).toThrow(InvariantError);
    expect(() => quoteIdent('x'.repeat(64))).toThrow(/63-byte/);
    expect(quoteIdent('x'.repeat(63))).toBe(`"${'x'.repeat(63)}"`);
    // Bytes, not characters: 32 two-byte characters are 64 bytes.
    expect(() => quoteIdent('é'.repeat(32))).toThrow(InvariantError);
  });

  it('round-trips nasty names through CREATE TABLE, INSERT, COPY and SELECT', async () => {
    const { pool } = db();
    await pool.query('CREATE TABLE victims (id int)');
    const schema = 'Nasty "Schema"';
    const table = 'Table; DROP TABLE victims; --';
    await pool.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await pool.query(
      `CREATE TABLE ${qualify(schema, table)} (${NASTY.map((c) => `${quoteIdent(c)} text`).join(', ')})`,
    );

    const values = NASTY.map((c) => `value of ${c}`);
    const placeholders = NASTY.map((_, i) => `$${i + 1}`).join(', ');
    await pool.query(
      `INSERT INTO ${qualify(schema, table)} (${NASTY.map(quoteIdent).join(', ')}) VALUES (${placeholders})`,
      values,
    );
    const client = await pool.connect();
    try {
      await copyRows(client, { schema, name: table }, NASTY, [values]);
    } finally {
      client.release();
    }

    const { rows } = await pool.query<Record<string, string>>(
      `SELECT ${NASTY.map(quoteIdent).join(', ')} FROM ${qualify(schema, table)}`,
    );
    const expected = Object.fromEntries(NASTY.map((c, i) => [c, values[i]]));
    expect(rows).toEqual([expected, expected]);

    const columns = await pool.query<{ column_name: string }>(
      'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [schema, table],
    );
    expect(columns.rows.map((r) => r.column_name)).toEqual(NASTY);
    expect((await pool.query('SELECT count(*)::int AS n FROM victims')).rows).toEqual([{ n: 0 }]);
  });
});
