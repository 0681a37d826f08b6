/**
 * archiveNonMatching and activity retention on the capture side: the poll's Id-only read of records
 * edited out of the filter, the scoped Id reconciliation (archived vs tombstoned), and the
 * `CreatedDate` retention window on every read — against the emulator over HTTP.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { capture } from '../../src/capture/index.js';
import { keepScopeOf, readScopeOf } from '../../src/capture/scope.js';
import type { ChangeBatch, Cursor } from '../../src/core/change-batch.js';
import {
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
beforeAll(async () => {
  org = await startOrg();
});
beforeEach(async () => {
  await control(org.emu, 'POST', '/reset');
});
afterAll(async () => {
  await org?.close();
});

const PAID = "Status__c = 'Paid'";
const archiving = { filter: PAID, archiveNonMatching: true } as const;

async function ids(soql: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of org.client.queryAll(soql)) out.push(String(r['Id']));
  return out;
}

async function calls(): Promise<{ total: number; byEndpoint: Record<string, number> }> {
  return control(org.emu, 'GET', '/calls');
}

const archivedOf = (batches: readonly ChangeBatch[]) => batches.flatMap((b) => b.archived ?? []);

async function* from(list: readonly string[]): AsyncGenerator<string> {
  for (const id of list) yield await Promise.resolve(id);
}

/** Purges records for good (delete, then empty the recycle bin of them). */
async function purge(list: readonly string[]): Promise<void> {
  expect((await org.client.delete([...list])).every((r) => r.success)).toBe(true);
  await control(org.emu, 'POST', '/recycle-bin/empty', { ids: list });
}

describe('archiveNonMatching: poll', () => {
  it('finds a record edited out of the filter with one Id-only page, after the changes', async () => {
    const [out, stays] = await ids(`SELECT Id FROM Invoice__c WHERE ${PAID} ORDER BY Id LIMIT 2`);
    const start: Cursor = { systemModstamp: await orgNow(org.emu), id: null };
    await control(org.emu, 'POST', '/clock', { advanceMs: 2_000 });
    await editAsUser(org.emu, 'Invoice__c', out!, { Status__c: 'Void' });
    await editAsUser(org.emu, 'Invoice__c', stays!, { Name: 'Still paid' });

    const on = await contextFor(org, 'Invoice__c', { mapping: archiving, overlapMs: 0 });
    await control(org.emu, 'DELETE', '/calls');
    const batches = await drain(capture.poll(on, start));
    const withArchive = await calls();
    expect(recordsOf(batches).map((r) => r.sfid)).toEqual([stays]);
    const archived = archivedOf(batches);
    expect(archived.map((a) => a.sfid)).toEqual([out]);
    expect(archived[0]!.systemModstamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const last = batches.at(-1)!;
    expect(last).toMatchObject({ source: 'poll', cursor: null, records: [], tombstones: [] });

    // The default (archiveNonMatching: false) makes no extra call and archives nothing.
    const off = await contextFor(org, 'Invoice__c', { mapping: { filter: PAID }, overlapMs: 0 });
    await control(org.emu, 'DELETE', '/calls');
    const plain = await drain(capture.poll(off, start));
    expect(archivedOf(plain)).toEqual([]);
    expect(recordsOf(plain).map((r) => r.sfid)).toEqual([stays]);
    // getDeleted + one changes page (+ one archive page).
    expect(withArchive.byEndpoint).toMatchObject({ 'sobject-deleted': 1, queryAll: 2 });
    expect((await calls()).byEndpoint).toMatchObject({ 'sobject-deleted': 1, queryAll: 1 });
  });

  it('reads the same overlap window as the poll', async () => {
    const [out] = await ids(`SELECT Id FROM Invoice__c WHERE ${PAID} ORDER BY Id LIMIT 1`);
    await editAsUser(org.emu, 'Invoice__c', out!, { Status__c: 'Draft' });
    await control(org.emu, 'POST', '/clock', { advanceMs: 60_000 });
    // The cursor is past the edit: only the overlap re-read reaches it.
    const cursor: Cursor = { systemModstamp: await orgNow(org.emu), id: null };
    const narrow = await contextFor(org, 'Invoice__c', { mapping: archiving, overlapMs: 0 });
    expect(archivedOf(await drain(capture.poll(narrow, cursor)))).toEqual([]);
    const wide = await contextFor(org, 'Invoice__c', { mapping: archiving, overlapMs: 5 * 60_000 });
    expect(archivedOf(await drain(capture.poll(wide, cursor))).map((a) => a.sfid)).toEqual([out]);
  });

  it('reads Ids in full 2,000-row pages whatever the batch size, and not at all in delta mode', async () => {
    const nonMatching = await ids(`SELECT Id FROM Invoice__c WHERE NOT (${PAID}) ORDER BY Id`);
    expect(nonMatching.length).toBeGreaterThan(100);
    const since: Cursor = { systemModstamp: '2000-01-01T00:00:00.000Z', id: null };
    const ctx = await contextFor(org, 'Invoice__c', { mapping: archiving, overlapMs: 0, batchSize: 100 });
    await control(org.emu, 'DELETE', '/calls');
    const batches = await drain(capture.poll(ctx, since));
    const archiveCalls = (await calls()).total;
    const archived = archivedOf(batches);
    expect(archived.map((a) => a.sfid)).toEqual(nonMatching);
    expect(batches.filter((b) => b.archived).every((b) => b.archived!.length <= 100)).toBe(true);

    const delta = await contextFor(org, 'Invoice__c', {
      mapping: { ...archiving, mode: 'delta' },
      overlapMs: 0,
      batchSize: 100,
    });
    await control(org.emu, 'DELETE', '/calls');
    expect(archivedOf(await drain(capture.poll(delta, since)))).toEqual([]);
    // One archive page for all of them (the changes pages are the same in both runs).
    expect(archiveCalls - (await calls()).total).toBe(1);
  });
});

describe('archiveNonMatching: a big window', () => {
  it('pages by Id through REST, or reads the rest with one Bulk job, with the same result', async () => {
    const loaded = await control<{ success: boolean }[]>(
      org.emu,
      'POST',
      '/records/Task',
      Array.from({ length: 2_100 }, (_, i) => ({ Subject: `Bulk ${i}`, Status: 'Not Started' })),
    );
    expect(loaded.every((r) => r.success)).toBe(true);
    const filter = "Status = 'Completed'";
    const expected = await ids(`SELECT Id FROM Task WHERE NOT (${filter}) ORDER BY Id`);
    expect(expected.length).toBeGreaterThan(2_000);
    const since: Cursor = { systemModstamp: '2000-01-01T00:00:00.000Z', id: null };
    const mapping = { fields: ['Subject'], filter, archiveNonMatching: true };

    const rest = await contextFor(org, 'Task', { mapping, overlapMs: 0 });
    await control(org.emu, 'DELETE', '/calls');
    const viaRest = archivedOf(await drain(capture.poll(rest, since))).map((a) => a.sfid);
    expect(viaRest).toEqual(expected);
    const restCalls = (await calls()).byEndpoint;

    const bulk = await contextFor(org, 'Task', { mapping, overlapMs: 0, bulkThreshold: 10 });
    await control(org.emu, 'DELETE', '/calls');
    const viaBulk = archivedOf(await drain(capture.poll(bulk, since))).map((a) => a.sfid);
    expect(viaBulk).toEqual(expected);
    const bulkCalls = (await calls()).byEndpoint;
    // REST: 1 changes page + 2 Id pages (the query's own next page: no COUNT, no empty page).
    // Bulk: 1 changes page + 1 Id page, whose totalSize chooses Bulk, then one job for the rest.
    expect(restCalls).toEqual({ 'sobject-deleted': 1, queryAll: 2, 'query-more': 1 });
    expect(bulkCalls).toMatchObject({ 'sobject-deleted': 1, queryAll: 2, 'bulk2-query-create': 1 });
    expect(bulkCalls['query-more']).toBeUndefined();
  });
});

describe('archiveNonMatching: Id reconciliation', () => {
  it('archives known records outside the filter (a filter changed in config) and tombstones purged ones', async () => {
    const all = await liveIds(org, 'Invoice__c');
    const paid = new Set(await ids(`SELECT Id FROM Invoice__c WHERE ${PAID}`));
    const paidVictim = all.find((id) => paid.has(id))!;
    const otherVictim = all.find((id) => !paid.has(id))!;
    await purge([paidVictim, otherVictim]);

    const ctx = await contextFor(org, 'Invoice__c', { mapping: archiving, batchSize: 300 });
    await control(org.emu, 'DELETE', '/calls');
    const batches = await drain(capture.reconcile(ctx, from(all)));
    const expectedArchived = all.filter((id) => !paid.has(id) && id !== otherVictim);
    expect(archivedOf(batches)).toEqual(expectedArchived.map((sfid) => ({ sfid, systemModstamp: null })));
    expect(batches.flatMap((b) => b.tombstones).map((t) => t.sfid)).toEqual([paidVictim, otherVictim].sort());
    for (const b of batches) {
      expect(b).toMatchObject({ source: 'reconcile', cursor: null, records: [] });
      expect((b.archived?.length ?? 0) + b.tombstones.length).toBeLessThanOrEqual(300);
    }
    // 1 page of matching ids + ⌈unmatched / 400⌉ lookups by Id.
    const lookups = Math.ceil((expectedArchived.length + 2) / 400);
    expect((await calls()).total).toBe(1 + lookups);
  });

  it('stays unscoped without archiveNonMatching: nothing archived, only purged ids tombstoned', async () => {
    const all = await liveIds(org, 'Invoice__c');
    await purge([all[3]!]);
    const ctx = await contextFor(org, 'Invoice__c', { mapping: { filter: PAID } });
    const batches = await drain(capture.reconcile(ctx, from(all)));
    expect(archivedOf(batches)).toEqual([]);
    expect(batches.flatMap((b) => b.tombstones)).toEqual([{ sfid: all[3], deletedAt: null }]);
  });

  it('costs nothing more when every known record is in scope', async () => {
    const paid = await ids(`SELECT Id FROM Invoice__c WHERE ${PAID} ORDER BY Id`);
    const ctx = await contextFor(org, 'Invoice__c', { mapping: archiving });
    await control(org.emu, 'DELETE', '/calls');
    expect(await drain(capture.reconcile(ctx, from(paid)))).toEqual([]);
    expect((await calls()).total).toBe(1); // one page (no COUNT: its totalSize sizes the read)
  });
});

describe('retention (activities)', () => {
  const DAY = 86_400_000;

  it('is a CreatedDate dateTime condition ANDed with the filter; kept scope needs archiveNonMatching', async () => {
    const now = new Date('2026-11-21T06:00:00.000Z');
    const ctx = await contextFor(org, 'Task', {
      mapping: { filter: "Status = 'Completed'", retention: 365 * DAY },
    });
    expect(readScopeOf(ctx, now)?.toSoql()).toBe(
      "((Status = 'Completed')) AND (CreatedDate >= 2025-11-21T06:00:00.000Z)",
    );
    expect(keepScopeOf(ctx, now)?.toSoql()).toBe('CreatedDate >= 2025-11-21T06:00:00.000Z');
    const archivingCtx = { ...ctx, mapping: { ...ctx.mapping, archiveNonMatching: true } };
    expect(keepScopeOf(archivingCtx, now)?.toSoql()).toBe(readScopeOf(ctx, now)?.toSoql());
    const delta = { ...archivingCtx, mapping: { ...archivingCtx.mapping, mode: 'delta' as const } };
    expect(keepScopeOf(delta, now)).toBeNull();
  });

  /** Loads a Task created `daysAgo` days ago (an admin load may set CreatedDate). */
  async function oldTask(daysAgo: number): Promise<string> {
    const created = new Date(Date.parse(await orgNow(org.emu)) - daysAgo * DAY).toISOString();
    const [result] = await control<{ id: string; success: boolean }[]>(org.emu, 'POST', '/records/Task', [
      { Subject: 'Call', CreatedDate: created },
    ]);
    expect(result?.success).toBe(true);
    return result!.id;
  }

  it('reads only activities created within the window: initial load, poll, formula refresh', async () => {
    const old = await oldTask(400);
    const recent = await oldTask(100);
    const ctx = await contextFor(org, 'Task', { mapping: { retention: 365 * DAY } });
    const unlimited = await contextFor(org, 'Task');

    const loaded = recordsOf(await drain(capture.initialLoad(ctx, { afterId: null }))).map((r) => r.sfid);
    expect(loaded).toContain(recent);
    expect(loaded).not.toContain(old);
    const all = recordsOf(await drain(capture.initialLoad(unlimited, { afterId: null }))).map((r) => r.sfid);
    expect(all).toContain(old);
    expect(loaded).toHaveLength(all.length - 1);

    const polled = recordsOf(await drain(capture.poll(ctx, { systemModstamp: null, id: null })));
    expect(polled.map((r) => r.sfid)).toContain(recent);
    expect(polled.map((r) => r.sfid)).not.toContain(old);

    const formulas = recordsOf(await drain(capture.refreshFormulas(ctx))).map((r) => r.sfid);
    expect(formulas).toContain(recent);
    expect(formulas).not.toContain(old);

    // The window is CreatedDate, a datetime: a 100-day retention drops the 100-day-old task too.
    const short = await contextFor(org, 'Task', { mapping: { retention: 100 * DAY } });
    const shortLoad = recordsOf(await drain(capture.initialLoad(short, { afterId: null }))).map(
      (r) => r.sfid,
    );
    expect(shortLoad).not.toContain(recent);
  });

  it('lets aged-out activities leave the mirror at reconciliation (archived, not tombstoned)', async () => {
    const old = await oldTask(400);
    const known = await liveIds(org, 'Task');
    expect(known).toContain(old);
    const gone = known.find((id) => id !== old)!;
    await purge([gone]);
    const ctx = await contextFor(org, 'Task', { mapping: { retention: 365 * DAY } });
    const batches = await drain(capture.reconcile(ctx, from(known)));
    expect(archivedOf(batches)).toEqual([{ sfid: old, systemModstamp: null }]);
    expect(batches.flatMap((b) => b.tombstones)).toEqual([{ sfid: gone, deletedAt: null }]);
  });
});
