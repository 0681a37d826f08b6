import { describe, expect, it } from 'vitest';
import { advisoryLockKey, tryAdvisoryLock, withAdvisoryLock } from '../../src/store/advisory-lock.js';
import { createPool } from '../../src/store/pool.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();

describe('advisoryLockKey', () => {
  it('is a stable signed 64-bit key per name', () => {
    // Pinned: changing the derivation would let an old and a new Ferry hold "the same" lock at once.
    expect(advisoryLockKey('ferry:migrate')).toBe(advisoryLockKey('ferry:migrate'));
    expect(advisoryLockKey('a')).not.toBe(advisoryLockKey('b'));
    expect(advisoryLockKey('ferry:test')).toBe(5512304516590037428n);
    const key = advisoryLockKey('anything');
    expect(key >= -(2n ** 63n) && key < 2n ** 63n).toBe(true);
  });
});

describe('advisory locks', () => {
  it('exclude a second connection until released', async () => {
    const other = createPool({ url: db().url, max: 2 });
    try {
      const held = await tryAdvisoryLock(db().pool, 'job:1');
      expect(held).toBeDefined();
      expect(await tryAdvisoryLock(other, 'job:1')).toBeUndefined();
      // A different name is independent.
      const unrelated = await tryAdvisoryLock(other, 'job:2');
      expect(unrelated).toBeDefined();
      await unrelated?.release();

      await held?.release();
      await held?.release(); // idempotent
      const again = await tryAdvisoryLock(other, 'job:1');
      expect(again).toBeDefined();
      await again?.release();
    } finally {
      await other.end();
    }
  });

  it('withAdvisoryLock makes a second holder wait, and releases even when fn throws', async () => {
    const other = createPool({ url: db().url, max: 2 });
    const events: string[] = [];
    try {
      let letGo!: () => void;
      const gate = new Promise<void>((resolve) => (letGo = resolve));
      let acquired!: () => void;
      const firstHasIt = new Promise<void>((resolve) => (acquired = resolve));

      const first = withAdvisoryLock(db().pool, 'shared', async () => {
        events.push('first in');
        acquired();
        await gate;
        events.push('first out');
        throw new Error('first failed');
      });
      await firstHasIt;
      const second = withAdvisoryLock(other, 'shared', () => {
        events.push('second in');
        return Promise.resolve(2);
      });
      // Give the second a chance to (wrongly) get in.
      await new Promise((r) => setTimeout(r, 200));
      expect(events).toEqual(['first in']);
      letGo();

      await expect(first).rejects.toThrow('first failed');
      expect(await second).toBe(2);
      expect(events).toEqual(['first in', 'first out', 'second in']);

      // Nothing is left held — in this file's database: other test files running at the same time
      // on the same server (writers, sync locks) hold advisory locks of their own.
      const { rows } = await db().pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks
         WHERE locktype = 'advisory' AND granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(rows[0]?.n).toBe(0);
    } finally {
      await other.end();
    }
  });

  it('is released by Postgres when the holding session ends', async () => {
    const pool = createPool({ url: db().url, max: 1 });
    const held = await tryAdvisoryLock(pool, 'session-bound');
    if (!held) throw new Error('lock not taken');
    const { rows } = await held.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await db().pool.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
    await expect.poll(() => held.signal.aborted).toBe(true);
    await expect(held.release()).rejects.toThrow();
    await pool.end().catch(() => undefined);
    const again = await tryAdvisoryLock(db().pool, 'session-bound');
    expect(again).toBeDefined();
    await again?.release();
  });
});
