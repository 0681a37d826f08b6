import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture } from '../../src/capture/index.js';
import { contextFor, control, drain, recordsOf, startOrg, type Org } from './support.js';

let org: Org;
beforeAll(async () => {
  org = await startOrg();
});
afterAll(async () => {
  await org?.close();
});

describe('refreshFormulas', () => {
  it('reads Id + formula fields only, and sees a changed formula that moved no SystemModstamp', async () => {
    for (const [bulkThreshold, factor] of [
      [1_000_000, 2],
      [1, 3],
    ] as const) {
      const ctx = await contextFor(org, 'Invoice__c', { bulkThreshold, batchSize: 300 });
      const before = await drain(capture.refreshFormulas(ctx));
      const records = recordsOf(before);
      expect(records).toHaveLength(1000);
      expect(before.map((b) => b.records.length)).toEqual([300, 300, 300, 100]);
      for (const b of before) {
        expect(b.source).toBe('formula');
        expect(b.cursor).toBeNull();
      }
      expect(Object.keys(records[0]!.fields).sort()).toEqual(['Account_Name__c', 'Total__c']);

      await control(org.emu, 'PUT', '/formula/Invoice__c/Total__c', { formula: `Amount__c * ${factor}` });
      const after = recordsOf(await drain(capture.refreshFormulas(ctx)));
      const amounts = new Map<string, unknown>();
      for await (const r of org.client.query('SELECT Id, Amount__c FROM Invoice__c')) {
        amounts.set(String(r['Id']), r['Amount__c']);
      }
      expect(after).toHaveLength(1000);
      after.forEach((r, i) => {
        expect(r.sfid).toBe(records[i]!.sfid);
        expect(r.systemModstamp).toBe(records[i]!.systemModstamp);
        const amount = amounts.get(r.sfid);
        if (typeof amount === 'number') expect(r.fields['Total__c']).toBeCloseTo(amount * factor, 2);
        else expect(r.fields['Total__c']).toBeNull();
      });
      expect(after.some((r, i) => r.fields['Total__c'] !== records[i]!.fields['Total__c'])).toBe(true);
    }
  });

  it('yields nothing when no mapped field is a formula', async () => {
    const ctx = await contextFor(org, 'Invoice__c', { mapping: { fields: ['Name', 'Amount__c'] } });
    await control(org.emu, 'DELETE', '/calls');
    expect(await drain(capture.refreshFormulas(ctx))).toEqual([]);
    const calls = await control<{ total: number }>(org.emu, 'GET', '/calls');
    expect(calls.total).toBe(0);
  });
});
