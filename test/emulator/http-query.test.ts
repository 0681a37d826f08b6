/**
 * Query and QueryAll over raw HTTP: paging, locators (valid under /query/ and /queryAll/), batch
 * sizes, COUNT(), columnMetadata and the SOQL error codes (salesforce-wire.md §2.4).
 */
import { describe, expect, it } from 'vitest';
import { V, anyString, objectLike, useEmulator, type Json } from './support/rest-client.js';

const session = useEmulator({ seed: 'demo' });
const { emu } = session;

interface Page {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Json[];
}

const get = (path: string, headers: Record<string, string> = {}) =>
  session.api('GET', path, undefined, headers);

function q(soql: string, resource = 'query'): string {
  return `${V}/${resource}?q=${encodeURIComponent(soql)}`;
}

const BATCH_200 = { 'Sforce-Query-Options': 'batchSize=200' };

describe('paging', () => {
  it('pages with nextRecordsUrl until done, with no duplicates', async () => {
    const first = (await get(q('SELECT Id FROM Contact'), BATCH_200)).json as Page;
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(200);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]{15}-200$/);
    const seen = new Set(first.records.map((r) => r['Id']));
    let page = first;
    let pages = 1;
    while (!page.done) {
      const next = await get(page.nextRecordsUrl ?? '');
      expect(next.status).toBe(200);
      page = next.json as Page;
      expect(page.totalSize).toBe(first.totalSize);
      for (const r of page.records) seen.add(r['Id']);
      pages++;
    }
    expect(page).not.toHaveProperty('nextRecordsUrl');
    expect(seen.size).toBe(first.totalSize);
    expect(pages).toBe(Math.ceil(first.totalSize / 200));
  });

  it('serves a locator under /query/ and /queryAll/ alike', async () => {
    const first = (await get(q('SELECT Id FROM Contact ORDER BY Id'), BATCH_200)).json as Page;
    const locator = first.nextRecordsUrl?.split('/').at(-1) ?? '';
    const viaQuery = (await get(`${V}/query/${locator}`)).json as Page;
    const viaQueryAll = (await get(`${V}/queryAll/${locator}`)).json as Page;
    expect(viaQueryAll.records).toEqual(viaQuery.records);
    expect(viaQuery.records[0]?.['Id']).not.toBe(first.records[0]?.['Id']);
  });

  it('clamps batchSize to 200..2000 and defaults to 2000', async () => {
    const small = (await get(q('SELECT Id FROM Contact'), { 'Sforce-Query-Options': 'batchSize=10' }))
      .json as Page;
    expect(small.records).toHaveLength(200);
    const total = small.totalSize;
    const big = (await get(q('SELECT Id FROM Contact'), { 'Sforce-Query-Options': 'batchSize=9000' }))
      .json as Page;
    expect(big.records).toHaveLength(Math.min(2000, total));
    const plain = (await get(q('SELECT Id FROM Contact'))).json as Page;
    expect(plain.records).toHaveLength(Math.min(2000, total));
  });

  it('accepts /query/?q= (the documented form) too', async () => {
    const res = await get(`${V}/query/?q=${encodeURIComponent('SELECT Id FROM Account LIMIT 3')}`);
    expect(res.status).toBe(200);
    expect((res.json as Page).records).toHaveLength(3);
  });

  it('rejects unknown locators with INVALID_QUERY_LOCATOR', async () => {
    for (const locator of ['01gAAAAAAAAAAAAAAA-200', 'garbage']) {
      const res = await get(`${V}/query/${locator}`);
      expect(res.status).toBe(400);
      expect((res.json as Json[])[0]?.['errorCode']).toBe('INVALID_QUERY_LOCATOR');
    }
  });
});

describe('results', () => {
  it('renders records with attributes and parent relationships', async () => {
    const page = (
      await get(
        q('SELECT Id, LastName, Account.Name, ReportsTo.Name FROM Contact WHERE AccountId != null LIMIT 1'),
      )
    ).json as Page;
    const r = page.records[0] ?? {};
    expect(r['attributes']).toEqual({ type: 'Contact', url: `${V}/sobjects/Contact/${String(r['Id'])}` });
    expect(r['Account']).toMatchObject({ attributes: { type: 'Account' }, Name: anyString });
    expect(r).toHaveProperty('ReportsTo');
  });

  it('answers COUNT() with totalSize and no records', async () => {
    const page = (await get(q('SELECT COUNT() FROM Account'))).json as Page;
    expect(page).toEqual({ totalSize: page.totalSize, done: true, records: [] });
    expect(page.totalSize).toBeGreaterThan(0);
  });

  it('queryAll includes deleted records, query does not', async () => {
    const created = await fetch(`${emu.url}${V}/sobjects/Account`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ Name: 'Deleted soon' }),
    });
    const { id } = (await created.json()) as { id: string };
    await fetch(`${emu.url}${V}/sobjects/Account/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${session.token}` },
    });
    const soql = `SELECT Id, IsDeleted FROM Account WHERE Id = '${id}'`;
    expect(((await get(q(soql))).json as Page).totalSize).toBe(0);
    const all = (await get(q(soql, 'queryAll'))).json as Page;
    expect(all.records).toEqual([objectLike({ Id: id, IsDeleted: true })]);
  });

  it('returns columnMetadata for columns=true', async () => {
    const res = await get(`${q('SELECT Id, LastName, Account.Name FROM Contact')}&columns=true`);
    expect(res.status).toBe(200);
    const columns = (res.json as { columnMetadata: Json[] }).columnMetadata;
    expect(columns[0]).toEqual({
      aggregate: false,
      apexType: 'Id',
      booleanType: false,
      columnName: 'Id',
      custom: false,
      displayName: 'Id',
      foreignKeyName: null,
      insertable: false,
      joinColumns: [],
      numberType: false,
      textType: false,
      updatable: false,
    });
    expect(columns[2]).toMatchObject({
      columnName: 'Account',
      foreignKeyName: 'AccountId',
      joinColumns: [objectLike({ columnName: 'Name', apexType: 'String', textType: true })],
    });
  });

  it('explains a query', async () => {
    const res = await get(`${V}/query?explain=${encodeURIComponent('SELECT Id FROM Account')}`);
    expect(res.status).toBe(200);
    expect((res.json as { plans: Json[] }).plans[0]).toMatchObject({
      sobjectType: 'Account',
      leadingOperationType: 'TableScan',
    });
  });
});

describe('errors', () => {
  it('maps SOQL problems to Salesforce error codes', async () => {
    const cases: Array<[string, string]> = [
      ['SELEC Id FROM Account', 'MALFORMED_QUERY'],
      ['SELECT Nope__c FROM Account', 'INVALID_FIELD'],
      ['SELECT Id FROM ScratchOrgInfo LIMIT 1', 'INVALID_TYPE'],
    ];
    for (const [soql, code] of cases) {
      const res = await get(q(soql));
      expect(res.status).toBe(400);
      expect((res.json as Json[])[0]).toMatchObject({ errorCode: code, message: anyString });
    }
    const missing = await get(`${V}/query`);
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual([
      { message: 'A query string has to be specified', errorCode: 'MALFORMED_QUERY' },
    ]);
  });
});
