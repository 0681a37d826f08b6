/**
 * retryConflictAborts against a real deadlock: two transactions lock two rows in opposite orders;
 * Postgres aborts one (40P01), which runs again and commits. Other errors are not retried.
 */
import { describe, expect, it } from 'vitest';
import { TransientError } from '../../src/errors/index.js';
import { isConflictAbort, retryConflictAborts, withTransaction, wrapPgError } from '../../src/store/index.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();

/** Resolves once both sides hold their first lock, so each then waits for the other's. */
function barrier(parties: number): () => Promise<void> {
  let waiting = 0;
  let release: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (release = resolve));
  return async () => {
    if (++waiting === parties) release();
    await all;
  };
}

describe('retryConflictAborts', () => {
  it('runs a transaction Postgres aborted to break a deadlock again, and it commits', async () => {
    const pool = db().pool;
    await pool.query('CREATE TABLE deadlock_rows (id int PRIMARY KEY, v int)');
    await pool.query('INSERT INTO deadlock_rows VALUES (1, 0), (2, 0)');
    const bothHoldOne = barrier(2);
    const attempts = { a: 0, b: 0 };
    const side = (name: 'a' | 'b', first: number, second: number) =>
      retryConflictAborts(() =>
        withTransaction(pool, async (c) => {
          attempts[name]++;
          await c.query('UPDATE deadlock_rows SET v = v + 1 WHERE id = $1', [first]);
          if (attempts[name] === 1) await bothHoldOne();
          await c.query('UPDATE deadlock_rows SET v = v + 1 WHERE id = $1', [second]);
        }),
      );
    await Promise.all([side('a', 1, 2), side('b', 2, 1)]);
    // One of them lost the first round and ran again; both committed once.
    expect(attempts.a + attempts.b).toBe(3);
    const { rows } = await pool.query<{ v: number }>('SELECT v FROM deadlock_rows ORDER BY id');
    expect(rows.map((r) => r.v)).toEqual([2, 2]);
  });

  it('recognises the abort inside a wrapped error, and nothing else', () => {
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    expect(isConflictAbort(deadlock)).toBe(true);
    expect(isConflictAbort(wrapPgError('Could not apply a batch', deadlock))).toBe(true);
    expect(isConflictAbort(new TransientError('wrapped', { cause: deadlock }))).toBe(true);
    expect(isConflictAbort(Object.assign(new Error('unique'), { code: '23505' }))).toBe(false);
    expect(isConflictAbort(new Error('plain'))).toBe(false);
  });

  it('throws any other error at once, and the last abort after the attempts', async () => {
    let calls = 0;
    const other = Object.assign(new Error('unique violation'), { code: '23505' });
    await expect(
      retryConflictAborts(() => {
        calls++;
        return Promise.reject(other);
      }),
    ).rejects.toBe(other);
    expect(calls).toBe(1);
    calls = 0;
    const abort = Object.assign(new Error('could not serialize access'), { code: '40001' });
    await expect(
      retryConflictAborts(() => {
        calls++;
        return Promise.reject(abort);
      }, 3),
    ).rejects.toBe(abort);
    expect(calls).toBe(3);
  });
});
