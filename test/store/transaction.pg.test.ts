import { describe, expect, it } from 'vitest';
import { createPool } from '../../src/store/pool.js';
import { withTransaction } from '../../src/store/transaction.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();

describe('withTransaction', () => {
  it('commits what fn did and returns its result', async () => {
    await db().pool.query('CREATE TABLE tx_commit (a int)');
    const result = await withTransaction(db().pool, async (client) => {
      await client.query('INSERT INTO tx_commit VALUES (1), (2)');
      return 'done';
    });
    expect(result).toBe('done');
    expect((await db().pool.query('SELECT count(*)::int AS n FROM tx_commit')).rows).toEqual([{ n: 2 }]);
  });

  it('rolls back on error, rethrows the very same error and releases the client', async () => {
    await db().pool.query('CREATE TABLE tx_rollback (a int)');
    // One connection: a client not released would make the next call hang.
    const pool = createPool({ url: db().url, max: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const failure = new Error(`failure ${i}`);
        await expect(
          withTransaction(pool, async (client) => {
            await client.query('INSERT INTO tx_rollback VALUES ($1)', [i]);
            throw failure;
          }),
        ).rejects.toBe(failure);
      }
      expect((await pool.query('SELECT count(*)::int AS n FROM tx_rollback')).rows).toEqual([{ n: 0 }]);
      expect(pool.totalCount).toBe(1);
      expect(pool.idleCount).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('rolls back after a failed SQL statement inside fn', async () => {
    await db().pool.query('CREATE TABLE tx_sql (a int PRIMARY KEY)');
    await expect(
      withTransaction(db().pool, async (client) => {
        await client.query('INSERT INTO tx_sql VALUES (1)');
        await client.query('INSERT INTO tx_sql VALUES (1)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await db().pool.query('SELECT count(*)::int AS n FROM tx_sql')).rows).toEqual([{ n: 0 }]);
  });

  it('discards a client whose connection died inside fn', async () => {
    const pool = createPool({ url: db().url, max: 1 });
    try {
      await expect(
        withTransaction(pool, async (client) => {
          await client.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }),
      ).rejects.toThrow();
      // The pool replaced the dead connection.
      expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('honours isolation level and read-only', async () => {
    const settings = await withTransaction(
      db().pool,
      async (client) =>
        (
          await client.query<{ iso: string; ro: string }>(
            "SELECT current_setting('transaction_isolation') AS iso, current_setting('transaction_read_only') AS ro",
          )
        ).rows[0],
      { isolation: 'serializable', readOnly: true },
    );
    expect(settings).toEqual({ iso: 'serializable', ro: 'on' });
  });
});
