import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture } from '../../src/capture/index.js';
import { selectFields } from '../../src/capture/fields.js';
import {
  bySfid,
  captureLogger,
  contextFor,
  control,
  drain,
  liveIds,
  modelOf,
  recordsOf,
  startOrg,
  type Org,
} from './support.js';

let org: Org;
beforeAll(async () => {
  org = await startOrg();
});
afterAll(async () => {
  await org?.close();
});

describe('initial load', () => {
  it('reads the demo Accounts and Contacts identically via REST and via Bulk 2.0', async () => {
    for (const [object, total] of [
      ['Account', 500],
      ['Contact', 1500],
    ] as const) {
      const rest = await drain(
        capture.initialLoad(await contextFor(org, object, { batchSize: 400 }), { afterId: null }),
      );
      const bulk = await drain(
        capture.initialLoad(
          await contextFor(org, object, { bulkThreshold: 1, bulkChunkSize: 700, batchSize: 400 }),
          { afterId: null },
        ),
      );
      for (const batches of [rest, bulk]) {
        expect(recordsOf(batches)).toHaveLength(total);
        for (const b of batches) {
          expect(b.records.length + b.tombstones.length).toBeLessThanOrEqual(400);
          expect(b.source).toBe('initial');
          expect(b.object).toBe(object);
          expect(b.cursor).toEqual({ systemModstamp: null, id: b.records.at(-1)?.sfid });
        }
        const ids = recordsOf(batches).map((r) => r.sfid);
        expect(ids).toEqual([...ids].sort());
      }
      expect(rest.length).toBe(Math.ceil(total / 400));
      expect(bySfid(recordsOf(bulk))).toEqual(bySfid(recordsOf(rest)));
      expect(recordsOf(rest).map((r) => r.sfid)).toEqual(await liveIds(org, object));
    }
  });

  it('reads mapped fields without compound or base64 ones, plus the system fields', async () => {
    const ctx = await contextFor(org, 'Account', { batchSize: 5 });
    const model = await modelOf(org, 'Account');
    const selection = selectFields(model, ctx.mapping);
    expect(selection.soqlFields.slice(0, 3)).toEqual(['Id', 'SystemModstamp', 'IsDeleted']);
    expect(selection.soqlFields).not.toContain('BillingAddress');
    expect(selection.soqlFields).toContain('BillingCity');
    const [first] = await drain(capture.initialLoad(ctx, { afterId: null }));
    const record = first!.records[0]!;
    expect(record.systemModstamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Object.keys(record.fields)).toEqual(selection.dataFields.map((f) => f.name));

    const listed = await contextFor(org, 'Account', { mapping: { fields: ['Name', 'Industry', 'Nope__c'] } });
    const [batch] = await drain(capture.initialLoad(listed, { afterId: null }));
    expect(Object.keys(batch!.records[0]!.fields)).toEqual(['Name', 'Industry']);
  });

  it('costs one call per page (REST; the first page sizes the read) or per chunk job (Bulk)', async () => {
    const ctx = await contextFor(org, 'Contact');
    await control(org.emu, 'DELETE', '/calls');
    await drain(capture.initialLoad(ctx, { afterId: null }));
    const rest = await control<{ total: number; byEndpoint: Record<string, number> }>(
      org.emu,
      'GET',
      '/calls',
    );
    // One page of 2,000 (1,500 rows: its totalSize says it holds them all), no COUNT.
    expect(rest.byEndpoint['queryAll']).toBe(1);

    await control(org.emu, 'DELETE', '/calls');
    await drain(
      capture.initialLoad(
        await contextFor(org, 'Contact', { bulkThreshold: 1, bulkChunkSize: 1000, batchSize: 200 }),
        {
          afterId: null,
        },
      ),
    );
    const bulk = await control<{ total: number; byEndpoint: Record<string, number> }>(
      org.emu,
      'GET',
      '/calls',
    );
    expect(Object.keys(bulk.byEndpoint).some((e) => /bulk|job/i.test(e))).toBe(true);
  });

  it('resumes after an Id', async () => {
    const ctx = await contextFor(org, 'Account', { batchSize: 200 });
    const all = recordsOf(await drain(capture.initialLoad(ctx, { afterId: null })));
    const afterId = all[199]!.sfid;
    for (const bulkThreshold of [1_000_000, 1]) {
      const resumed = await drain(
        capture.initialLoad(await contextFor(org, 'Account', { batchSize: 200, bulkThreshold }), { afterId }),
      );
      expect(recordsOf(resumed)).toEqual(all.slice(200));
    }
  });

  it('applies the mapping filter', async () => {
    const filter = "Industry = 'Energy' OR Industry = 'Banking'";
    const expected = await org.client
      .query(`SELECT Id FROM Account WHERE ${filter} ORDER BY Id`)
      .toArray()
      .then((rows) => rows.map((r) => String(r['Id'])));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(500);
    for (const bulkThreshold of [1_000_000, 1]) {
      const ctx = await contextFor(org, 'Account', { mapping: { filter }, bulkThreshold });
      const records = recordsOf(await drain(capture.initialLoad(ctx, { afterId: null })));
      expect(records.map((r) => r.sfid)).toEqual(expected);
      for (const r of records) expect(['Energy', 'Banking']).toContain(r.fields['Industry']);
    }
  });

  it('falls back to REST when Bulk refuses the job, and says so', async () => {
    await control(org.emu, 'POST', '/faults', {
      failNext: { count: 1, status: 400, errorCode: 'INVALIDJOB', match: '/jobs/query' },
    });
    const { logger, lines } = captureLogger('info');
    // Pages of 200: the first one sizes the read, the other 300 rows go to Bulk, which refuses.
    const ctx = await contextFor(org, 'Account', { bulkThreshold: 1, batchSize: 200, logger });
    const records = recordsOf(await drain(capture.initialLoad(ctx, { afterId: null })));
    expect(records).toHaveLength(500);
    expect(lines.some((l) => l.includes('reading with REST instead'))).toBe(true);
    await control(org.emu, 'DELETE', '/faults');
  });

  it('stops between pages when the signal aborts', async () => {
    const abort = new AbortController();
    const ctx = await contextFor(org, 'Account', { batchSize: 200, signal: abort.signal });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const b of capture.initialLoad(ctx, { afterId: null })) {
          seen.push(b.records.length);
          abort.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(seen).toEqual([200]);
  });

  it('turns deleted records into tombstones, not live rows (REST and Bulk)', async () => {
    const ids = await liveIds(org, 'Invoice__c');
    const gone = [ids[3]!, ids[10]!];
    const results = await org.client.delete(gone);
    expect(results.every((r) => r.success)).toBe(true);
    for (const bulkThreshold of [1_000_000, 1]) {
      const ctx = await contextFor(org, 'Invoice__c', { bulkThreshold });
      const batches = await drain(capture.initialLoad(ctx, { afterId: null }));
      const tombstones = batches.flatMap((b) => b.tombstones);
      expect(tombstones.map((t) => t.sfid)).toEqual(gone);
      for (const t of tombstones) expect(t.deletedAt).toMatch(/Z$/);
      const live = recordsOf(batches).map((r) => r.sfid);
      expect(live).toHaveLength(ids.length - 2);
      expect(live).not.toContain(gone[0]);
    }
  });
});
