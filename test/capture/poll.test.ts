import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { capture } from '../../src/capture/index.js';
import type { Cursor } from '../../src/core/change-batch.js';
import {
  bySfid,
  contextFor,
  control,
  drain,
  editAsUser,
  liveIds,
  orgNow,
  recordsOf,
  startOrg,
  type Org,
} from './support.js';

let org: Org;
let accounts: string[];
beforeAll(async () => {
  org = await startOrg();
  accounts = await liveIds(org, 'Account');
});
beforeEach(async () => {
  await control(org.emu, 'POST', '/reset');
});
afterAll(async () => {
  await org?.close();
});

function lastCursor(batches: readonly { cursor: Cursor | null }[], start: Cursor): Cursor {
  return batches.reduce<Cursor>((c, b) => b.cursor ?? c, start);
}

describe('poll', () => {
  it('catches an update, and advances the cursor to the last record read', async () => {
    const start: Cursor = { systemModstamp: await orgNow(org.emu), id: null };
    await control(org.emu, 'POST', '/clock', { advanceMs: 2_000 });
    await editAsUser(org.emu, 'Account', accounts[0]!, { Name: 'Edited in the UI' });
    const ctx = await contextFor(org, 'Account', { overlapMs: 0 });
    const batches = await drain(capture.poll(ctx, start));
    const records = recordsOf(batches);
    expect(records.map((r) => r.sfid)).toEqual([accounts[0]]);
    expect(records[0]!.fields['Name']).toBe('Edited in the UI');
    expect(batches.every((b) => b.source === 'poll')).toBe(true);
    const cursor = lastCursor(batches, start);
    expect(cursor).toEqual({ systemModstamp: records[0]!.systemModstamp, id: accounts[0] });

    // Nothing new: the overlap re-read finds the same version again (history skips it by hash);
    // without overlap, the cursor's own second is re-read (>=), so rows sharing it are never lost.
    const again = recordsOf(await drain(capture.poll(ctx, cursor)));
    expect(again.map((r) => r.sfid)).toEqual([accounts[0]]);
  });

  it('catches a delete (recycle bin) through queryAll and getDeleted', async () => {
    // getDeleted covers whole minutes up to now: put the org clock a few minutes behind this host's.
    await control(org.emu, 'POST', '/clock', { at: new Date(Date.now() - 5 * 60_000).toISOString() });
    const start: Cursor = { systemModstamp: await orgNow(org.emu), id: null };
    await control(org.emu, 'POST', '/clock', { advanceMs: 2_000 });
    const victim = (await liveIds(org, 'Invoice__c'))[5]!;
    expect((await org.client.delete([victim]))[0]!.success).toBe(true);
    // getDeleted covers whole minutes that have passed on the org's clock.
    await control(org.emu, 'POST', '/clock', { advanceMs: 2 * 60_000 });
    const ctx = await contextFor(org, 'Invoice__c', { overlapMs: 0 });
    const batches = await drain(capture.poll(ctx, start));
    const tombstones = batches.flatMap((b) => b.tombstones);
    expect(tombstones.length).toBeGreaterThanOrEqual(2); // getDeleted + queryAll IsDeleted = true
    expect(new Set(tombstones.map((t) => t.sfid))).toEqual(new Set([victim]));
    expect(recordsOf(batches).map((r) => r.sfid)).not.toContain(victim);
    // getDeleted's batch comes first and leaves the cursor; the queryAll batch moves it.
    expect(batches[0]!.cursor).toBeNull();
    expect(lastCursor(batches, start).id).toBe(victim);
  });

  it('splits a getDeleted window that holds too many ids', async () => {
    await control(org.emu, 'POST', '/clock', { at: new Date(Date.now() - 5 * 60_000).toISOString() });
    const start: Cursor = { systemModstamp: await orgNow(org.emu), id: null };
    await control(org.emu, 'POST', '/clock', { advanceMs: 2_000 });
    const victim = (await liveIds(org, 'Invoice__c'))[7]!;
    expect((await org.client.delete([victim]))[0]!.success).toBe(true);
    await control(org.emu, 'POST', '/clock', { advanceMs: 2 * 60_000 });
    await control(org.emu, 'POST', '/faults', {
      failNext: { count: 1, status: 400, errorCode: 'EXCEEDED_ID_LIMIT', match: '/deleted' },
    });
    await control(org.emu, 'DELETE', '/calls');
    const ctx = await contextFor(org, 'Invoice__c', { overlapMs: 10 * 60_000 });
    const batches = await drain(capture.poll(ctx, start));
    const fromGetDeleted = batches.filter((b) => b.cursor === null).flatMap((b) => b.tombstones);
    expect(fromGetDeleted.map((t) => t.sfid)).toEqual([victim]);
    const calls = await control<{ byEndpoint: Record<string, number> }>(org.emu, 'GET', '/calls');
    expect(calls.byEndpoint['sobject-deleted']).toBe(3); // refused, then two halves
    await control(org.emu, 'DELETE', '/faults');
  });

  it('reads with REST when Bulk refuses a large window', async () => {
    await control(org.emu, 'POST', '/faults', {
      failNext: { count: 1, status: 400, errorCode: 'INVALIDJOB', match: '/jobs/query' },
    });
    const ctx = await contextFor(org, 'Account', { batchSize: 200, bulkThreshold: 10 });
    const records = recordsOf(await drain(capture.poll(ctx, { systemModstamp: null, id: null })));
    expect(records).toHaveLength(500);
    expect(new Set(records.map((r) => r.sfid)).size).toBe(500);
    await control(org.emu, 'DELETE', '/faults');
  });

  it('catches a late commit inside the overlap window (and would miss it without overlap)', async () => {
    const start: Cursor = { systemModstamp: await orgNow(org.emu), id: null };
    await control(org.emu, 'POST', '/clock', { advanceMs: 2_000 });
    const late = accounts[10]!;
    const early = accounts[11]!;
    await editAsUser(org.emu, 'Account', late, { Name: 'Long transaction' }, 30_000);
    await control(org.emu, 'POST', '/clock', { advanceMs: 2_000 });
    await editAsUser(org.emu, 'Account', early, { Name: 'Quick edit' });

    const withOverlap = await contextFor(org, 'Account', { overlapMs: 5 * 60_000 });
    const noOverlap = await contextFor(org, 'Account', { overlapMs: 0 });
    const first = await drain(capture.poll(noOverlap, start));
    expect(recordsOf(first).map((r) => r.sfid)).toEqual([early]);
    const cursor = lastCursor(first, start);

    await control(org.emu, 'POST', '/clock', { advanceMs: 31_000 });
    const missed = recordsOf(await drain(capture.poll(noOverlap, cursor)));
    expect(missed.map((r) => r.sfid)).not.toContain(late);

    const caught = recordsOf(await drain(capture.poll(withOverlap, cursor)));
    const record = caught.find((r) => r.sfid === late);
    expect(record?.fields['Name']).toBe('Long transaction');
    expect(record!.systemModstamp < cursor.systemModstamp!).toBe(true);
  });

  it('keeps rows sharing one SystemModstamp across a page boundary', async () => {
    await control(org.emu, 'POST', '/clock', { advanceMs: 5_000, frozen: true });
    // Stamps have whole seconds: start at the frozen clock's second.
    const second = Math.floor(Date.parse(await orgNow(org.emu)) / 1000) * 1000;
    const start: Cursor = { systemModstamp: new Date(second).toISOString(), id: null };
    const tied = accounts.slice(20, 27);
    for (const id of tied) await editAsUser(org.emu, 'Account', id, { Description: 'same second' });
    await control(org.emu, 'POST', '/clock', { frozen: false });

    const ctx = await contextFor(org, 'Account', { overlapMs: 0, batchSize: 2 });
    const batches = await drain(capture.poll(ctx, start));
    const records = recordsOf(batches);
    expect(records.map((r) => r.sfid)).toEqual(tied);
    expect(new Set(records.map((r) => r.systemModstamp)).size).toBe(1);
    expect(batches.map((b) => b.records.length)).toEqual([2, 2, 2, 1]);
    expect(batches.map((b) => b.cursor?.id)).toEqual([tied[1], tied[3], tied[5], tied[6]]);

    // Resuming from a cursor in the middle of the tie still sees the rest of it.
    const resumed = recordsOf(await drain(capture.poll(ctx, batches[1]!.cursor!)));
    expect(resumed.map((r) => r.sfid)).toEqual(expect.arrayContaining(tied.slice(4)));
  });

  it('reads a large window with Bulk 2.0, with the same result as REST', async () => {
    const start: Cursor = { systemModstamp: null, id: null };
    const rest = await drain(capture.poll(await contextFor(org, 'Contact', { batchSize: 500 }), start));
    await control(org.emu, 'DELETE', '/calls');
    const bulk = await drain(
      capture.poll(await contextFor(org, 'Contact', { batchSize: 500, bulkThreshold: 100 }), start),
    );
    const calls = await control<{ byEndpoint: Record<string, number> }>(org.emu, 'GET', '/calls');
    expect(Object.keys(calls.byEndpoint).some((e) => /bulk|job/i.test(e))).toBe(true);
    expect(bySfid(recordsOf(bulk))).toEqual(bySfid(recordsOf(rest)));
    expect(recordsOf(rest)).toHaveLength(1500);
    for (const batches of [rest, bulk]) {
      const cursors = batches.map((b) => b.cursor!);
      const keys = cursors.map((c) => `${c.systemModstamp}|${c.id}`);
      expect(keys).toEqual([...keys].sort());
      expect(batches.every((b) => b.records.length <= 500)).toBe(true);
    }
    expect(lastCursor(bulk, start)).toEqual(lastCursor(rest, start));
  });
});
