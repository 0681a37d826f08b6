import { describe, expect, it } from 'vitest';
import type { ChangeBatch } from '../../src/core/change-batch.js';
import { fromDescribe } from '../../src/core/sobject-model.js';
import { applyChangeBatchesInOrder, ensureMirrorTable, readCursor } from '../../src/materialize/index.js';
import { withTransaction } from '../../src/store/index.js';
import { useTestDatabase } from '../support/database.js';
import { batch, rec, sfid } from './fixtures/batches.js';
import { widgetDescribe } from './fixtures/widget-describe.js';

const db = useTestDatabase();
const widget = fromDescribe(widgetDescribe);
const t = '2024-06-01T00:00:00.000Z';

/** Batch n holds records n*10 .. n*10+9 (disjoint, ascending), cursor at its last Id. */
function keysetBatch(n: number, bad = false): ChangeBatch {
  const records = Array.from({ length: 10 }, (_, i) =>
    rec(sfid(n * 10 + i), t, { Name: `W${n * 10 + i}`, Count__c: bad && i === 5 ? 'not a number' : i }),
  );
  return {
    ...batch('Widget__c', records, { cursor: { systemModstamp: null, id: sfid(n * 10 + 9) } }),
    source: 'initial',
  };
}

async function* slowly(batches: ChangeBatch[]): AsyncGenerator<ChangeBatch> {
  for (const b of batches) {
    await new Promise((r) => setTimeout(r, 5));
    yield b;
  }
}

async function mirrored(): Promise<number> {
  const r = await db().pool.query<{ n: string }>(`SELECT count(*) AS n FROM salesforce.widget__c`);
  return Number(r.rows[0]?.n);
}

describe('applyChangeBatchesInOrder', () => {
  it('applies every batch once with two in flight, calling back and committing in stream order', async () => {
    await withTransaction(db().pool, (c) => ensureMirrorTable(c, widget, { schema: 'salesforce' }));
    const seen: string[] = [];
    const cursors: (string | null | undefined)[] = [];
    await applyChangeBatchesInOrder(
      db().pool,
      slowly([1, 2, 3, 4, 5].map((n) => keysetBatch(n))),
      widget,
      { schema: 'salesforce', depth: 2 },
      async (b, result) => {
        seen.push(b.cursor?.id ?? '');
        expect(result.versions).toBe(10);
        // The cursor a callback sees is its own batch's: the next one has not committed yet.
        cursors.push((await readCursor(db().pool, 'Widget__c'))?.id);
      },
    );
    const expected = [1, 2, 3, 4, 5].map((n) => sfid(n * 10 + 9));
    expect(seen).toEqual(expected);
    expect(cursors).toEqual(expected);
    expect(await mirrored()).toBe(50);
  });

  it('a failing batch rolls back itself and every batch behind it; the ones before stay', async () => {
    await withTransaction(db().pool, (c) => ensureMirrorTable(c, widget, { schema: 'salesforce' }));
    await db().pool.query(`TRUNCATE salesforce.widget__c`);
    const seen: string[] = [];
    const err = await applyChangeBatchesInOrder(
      db().pool,
      slowly([keysetBatch(11), keysetBatch(12), keysetBatch(13, true), keysetBatch(14), keysetBatch(15)]),
      widget,
      { schema: 'salesforce', depth: 2 },
      (b) => {
        seen.push(b.cursor?.id ?? '');
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(seen).toEqual([sfid(119), sfid(129)]);
    expect(await mirrored()).toBe(20);
    expect((await readCursor(db().pool, 'Widget__c'))?.id).toBe(sfid(129));
  });

  it('a callback that stops the stream (governor, abort) rolls back the batch in flight behind it', async () => {
    await db().pool.query(`TRUNCATE salesforce.widget__c`);
    const stop = new Error('budget');
    const err = await applyChangeBatchesInOrder(
      db().pool,
      slowly([21, 22, 23].map((n) => keysetBatch(n))),
      widget,
      { schema: 'salesforce', depth: 2 },
      (b) => {
        if (b.cursor?.id === sfid(219)) throw stop;
      },
    ).catch((e: unknown) => e);
    expect(err).toBe(stop);
    expect(await mirrored()).toBe(10);
    expect((await readCursor(db().pool, 'Widget__c'))?.id).toBe(sfid(219));
  });
});
