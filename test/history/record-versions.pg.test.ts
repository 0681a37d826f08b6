import { describe, expect, it } from 'vitest';
import type { ChangeBatch } from '../../src/core/change-batch.js';
import { appendVersions, latestAsOf, purgeVersions, versionsOf } from '../../src/history/index.js';
import { withTransaction } from '../../src/store/index.js';
import { useTestDatabase } from '../support/database.js';
import { batch, rec, sfid } from '../materialize/fixtures/batches.js';

const db = useTestDatabase();

function append(b: ChangeBatch): Promise<number> {
  return withTransaction(db().pool, (client) => appendVersions(client, b));
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('appendVersions', () => {
  it('stores versions and skips one whose content equals the newest stored version', async () => {
    const id = sfid(1);
    const v1 = rec(id, '2024-01-01T00:00:00.000Z', { Name: 'Acme', Phone: null });
    expect(
      await append(batch('Account', [v1, rec(sfid(2), '2024-01-01T00:00:00.000Z', { Name: 'B' })])),
    ).toBe(2);
    // The overlap window re-reads v1 (keys in another order): nothing stored.
    expect(
      await append(batch('Account', [rec(id, '2024-01-01T00:00:00.000Z', { Phone: null, Name: 'Acme' })])),
    ).toBe(0);
    // A change is stored; going back to the old content is a new version too.
    expect(
      await append(
        batch('Account', [rec(id, '2024-01-02T00:00:00.000Z', { Name: 'Acme Inc', Phone: null })]),
      ),
    ).toBe(1);
    expect(await append(batch('Account', [v1]))).toBe(1);
    const versions = await versionsOf(db().pool, 'Account', id);
    expect(versions.map((v) => v.fields.Name)).toEqual(['Acme', 'Acme Inc', 'Acme']);
    expect(versions[0]).toMatchObject({ op: 'upsert', source: 'poll', runId: 'run-1', object: 'Account' });
    expect(versions[0]?.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(versions[0]?.systemModstamp.toISOString()).toBe('2024-01-01T00:00:00.000Z');
  });

  it('dedups inside one batch against the version before it', async () => {
    const id = sfid(10);
    const a = { Name: 'A' };
    const b = { Name: 'B' };
    const stored = await append(
      batch('Account', [
        rec(id, '2024-01-01T00:00:00.000Z', a),
        rec(id, '2024-01-01T00:00:00.000Z', a),
        rec(id, '2024-01-02T00:00:00.000Z', b),
        rec(id, '2024-01-03T00:00:00.000Z', a),
      ]),
    );
    expect(stored).toBe(3);
    expect((await versionsOf(db().pool, 'Account', id)).map((v) => v.fields.Name)).toEqual(['A', 'B', 'A']);
  });

  it('stores tombstones as delete versions, once', async () => {
    const id = sfid(20);
    await append(batch('Account', [rec(id, '2024-01-01T00:00:00.000Z', { Name: 'Gone soon' })]));
    const tomb = { sfid: id, deletedAt: '2024-01-05T00:00:00.000Z' };
    expect(await append(batch('Account', [], { tombstones: [tomb] }))).toBe(1);
    expect(await append(batch('Account', [], { tombstones: [tomb] }))).toBe(0);
    // The same delete seen twice in one batch (queryAll's IsDeleted record, then getDeleted's
    // tombstone): the tombstone adds nothing after a deletion.
    const other = sfid(21);
    expect(
      await append(
        batch('Account', [rec(other, '2024-01-06T00:00:00.000Z', { Name: 'X' }, true)], {
          tombstones: [{ sfid: other, deletedAt: null }],
        }),
      ),
    ).toBe(1);
    const versions = await versionsOf(db().pool, 'Account', id);
    expect(versions.map((v) => v.op)).toEqual(['upsert', 'delete']);
    expect(versions[1]?.fields).toEqual({});
    expect(versions[1]?.systemModstamp.toISOString()).toBe('2024-01-05T00:00:00.000Z');
    expect((await versionsOf(db().pool, 'Account', other)).map((v) => v.op)).toEqual(['delete']);
  });

  it('handles a large batch set-based: 5000 versions stored, then none on re-read', async () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      rec(sfid(100_000 + i), '2024-02-01T00:00:00.000Z', {
        Name: `N${i}`,
        Amount: i,
        Nested: { b: 1, a: 2 },
      }),
    );
    expect(await append(batch('Lead', many))).toBe(5000);
    expect(await append(batch('Lead', many.slice().reverse()))).toBe(0);
  });

  it('keeps objects apart and returns 0 for an empty batch', async () => {
    const id = sfid(30);
    await append(batch('Account', [rec(id, '2024-01-01T00:00:00.000Z', { Name: 'Same' })]));
    expect(await append(batch('Contact', [rec(id, '2024-01-01T00:00:00.000Z', { Name: 'Same' })]))).toBe(1);
    expect(await append(batch('Account', []))).toBe(0);
  });
});

describe('as-of queries and retention', () => {
  const object = 'Opportunity';
  const ids = [sfid(1, '006'), sfid(2, '006'), sfid(3, '006')];

  it('latestAsOf streams the latest version of each record at T, by either clock', async () => {
    await append(
      batch(object, [
        rec(ids[0]!, '2024-01-01T00:00:00.000Z', { Amount: 1 }),
        rec(ids[1]!, '2024-01-01T00:00:00.000Z', { Amount: 10 }),
        rec(ids[2]!, '2024-01-03T00:00:00.000Z', { Amount: 100 }),
      ]),
    );
    const { rows } = await db().pool.query<{ now: Date }>('SELECT now()');
    const afterFirst = rows[0]!.now;
    await append(
      batch(object, [rec(ids[0]!, '2024-01-02T00:00:00.000Z', { Amount: 2 })], {
        tombstones: [{ sfid: ids[1]!, deletedAt: '2024-01-02T12:00:00.000Z' }],
      }),
    );

    const at = async (t: string, options = {}): Promise<Record<string, unknown>> =>
      Object.fromEntries(
        (await collect(latestAsOf(db().pool, object, t, { fetchSize: 1, ...options }))).map((v) => [
          v.sfid,
          v.op === 'delete' ? 'deleted' : v.fields.Amount,
        ]),
      );
    expect(await at('2023-12-31T00:00:00Z')).toEqual({});
    expect(await at('2024-01-01T00:00:00Z')).toEqual({ [ids[0]!]: 1, [ids[1]!]: 10 });
    expect(await at('2024-01-02T18:00:00Z')).toEqual({ [ids[0]!]: 2 });
    expect(await at('2024-01-02T18:00:00Z', { includeDeleted: true })).toEqual({
      [ids[0]!]: 2,
      [ids[1]!]: 'deleted',
    });
    expect(await at('2024-02-01T00:00:00Z')).toEqual({ [ids[0]!]: 2, [ids[2]!]: 100 });
    // What Ferry had stored right after the first batch (captured_at clock).
    expect(await at(afterFirst.toISOString(), { by: 'captured' })).toEqual({
      [ids[0]!]: 1,
      [ids[1]!]: 10,
      [ids[2]!]: 100,
    });
  });

  it('latestAsOf can be abandoned mid-stream without leaking its connection', async () => {
    for (let i = 0; i < 5; i++) {
      for await (const v of latestAsOf(db().pool, object, new Date('2030-01-01'), { fetchSize: 1 })) {
        expect(v.object).toBe(object);
        break;
      }
    }
    const { rows } = await db().pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in%'`,
    );
    expect(rows[0]?.n).toBe('0');
  });

  it('purgeVersions deletes superseded old versions and never the newest one of a record', async () => {
    const id = sfid(99, '006');
    for (const amount of [1, 2, 3]) {
      await append(batch(object, [rec(id, `2024-03-0${amount}T00:00:00.000Z`, { Amount: amount })]));
    }
    const before = await versionsOf(db().pool, object, id);
    expect(before).toHaveLength(3);
    // Everything is older than the future cutoff: only the newest version of each record remains.
    const purged = await purgeVersions(db().pool, { olderThan: new Date(Date.now() + 60_000), object });
    expect(purged).toBeGreaterThanOrEqual(2);
    const after = await versionsOf(db().pool, object, id);
    expect(after.map((v) => v.fields.Amount)).toEqual([3]);
    for (const other of ids) expect(await versionsOf(db().pool, object, other)).toHaveLength(1);
    // Nothing older than a cutoff in the past: nothing goes.
    await append(batch(object, [rec(id, '2024-03-04T00:00:00.000Z', { Amount: 4 })]));
    expect(await purgeVersions(db().pool, { olderThan: new Date('2000-01-01') })).toBe(0);
    // Other objects were not touched by the object-scoped purge.
    expect(await versionsOf(db().pool, 'Account', sfid(10))).toHaveLength(3);
  });
});
