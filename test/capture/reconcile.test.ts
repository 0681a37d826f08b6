import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture } from '../../src/capture/index.js';
import { InvariantError } from '../../src/errors/index.js';
import { contextFor, control, drain, liveIds, startOrg, type Org } from './support.js';

let org: Org;
beforeAll(async () => {
  org = await startOrg();
});
afterAll(async () => {
  await org?.close();
});

async function* from(ids: readonly string[]): AsyncGenerator<string> {
  for (const id of ids) yield await Promise.resolve(id);
}

describe('reconcile', () => {
  it('tombstones known ids purged from the recycle bin, not those still in it', async () => {
    const known = await liveIds(org, 'Invoice__c');
    const purged = [known[0]!, known[500]!, known[999]!];
    const binned = known[42]!;
    expect((await org.client.delete([...purged, binned])).every((r) => r.success)).toBe(true);
    await control(org.emu, 'POST', '/recycle-bin/empty', { ids: purged });

    for (const bulkThreshold of [1_000_000, 1]) {
      const ctx = await contextFor(org, 'Invoice__c', { bulkThreshold, batchSize: 2 });
      const batches = await drain(capture.reconcile(ctx, from(known)));
      expect(batches.flatMap((b) => b.tombstones.map((t) => t.sfid))).toEqual(purged);
      expect(batches.map((b) => b.tombstones.length)).toEqual([2, 1]);
      for (const b of batches) {
        expect(b.source).toBe('reconcile');
        expect(b.cursor).toBeNull();
        expect(b.records).toEqual([]);
      }
    }
  });

  it('yields nothing when every known id exists, and tombstones ids past the org’s last', async () => {
    const ctx = await contextFor(org, 'Account');
    const known = await liveIds(org, 'Account');
    expect(await drain(capture.reconcile(ctx, from(known)))).toEqual([]);
    const ghost = '001ZZZZZZZZZZZZZZZ';
    const batches = await drain(capture.reconcile(ctx, from([...known.slice(0, 3), ghost])));
    expect(batches.flatMap((b) => b.tombstones)).toEqual([{ sfid: ghost, deletedAt: null }]);
  });

  it('refuses known ids out of order rather than tombstoning live records', async () => {
    const ctx = await contextFor(org, 'Account');
    const known = await liveIds(org, 'Account');
    await expect(drain(capture.reconcile(ctx, from([known[5]!, known[1]!])))).rejects.toThrow(InvariantError);
  });
});
