/**
 * Bulk API 2.0 query jobs on the emulator, over real HTTP: 412 before completion, locator paging
 * with the header on every page and the literal `null` locator last, the job's CSV dialect, refusals
 * — by raw requests and through jsforce 3, unchanged. Ingest jobs: bulk2.test.ts.
 */
import type { Connection } from 'jsforce';
import { beforeAll, describe, expect, it } from 'vitest';
import { tokenConnection, useBulk2 } from './support/bulk-client.js';
import type { Json } from './support/rest-client.js';

const session = useBulk2({ seed: 'demo' });
const { emu, call, json, settle, text } = session;
let conn: Connection;

beforeAll(() => {
  conn = tokenConnection(session, 'bulk2');
});

describe('Bulk 2.0 query', () => {
  it('answers 412 until the job is complete, then pages with locators: header on every page, null last', async () => {
    const createRes = await call('POST', '/jobs/query', {
      operation: 'query',
      query: 'SELECT Id, LastName, Account.Name FROM Contact WHERE Ferry_Id__c = null ORDER BY Id',
    });
    expect(createRes.status).toBe(200);
    const created = await json(createRes);
    const id = created['id'] as string;
    expect(created).toMatchObject({
      operation: 'query',
      object: 'Contact',
      state: 'UploadComplete',
      apiVersion: 62,
    });
    const early = await call('GET', `/jobs/query/${id}/results`);
    expect(early.status).toBe(412);
    expect(((await early.json()) as Json[])[0]?.['errorCode']).toBe('JOB_NOT_COMPLETE');

    const info = await settle(`/jobs/query/${id}`);
    const total = emu.org.openCursor(emu.org.compile('SELECT Id FROM Contact WHERE Ferry_Id__c = null'), {
      scanAll: false,
    }).totalSize;
    expect(info).toMatchObject({ state: 'JobComplete', jobType: 'V2Query', numberRecordsProcessed: total });
    expect(typeof info['numberRecordsProcessed']).toBe('number');

    const pageSize = 700;
    let locator: string | null = null;
    const ids: string[] = [];
    const counts: number[] = [];
    const locators: string[] = [];
    do {
      const res = await call(
        'GET',
        `/jobs/query/${id}/results?maxRecords=${pageSize}${locator === null ? '' : `&locator=${locator}`}`,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv');
      const body = await res.text();
      const lines = body.split('\n');
      expect(lines[0]).toBe('"Id","LastName","Account.Name"');
      expect(lines.at(-1)).toBe('');
      const rows = lines.slice(1, -1);
      counts.push(Number(res.headers.get('sforce-numberofrecords')));
      expect(rows).toHaveLength(counts.at(-1) ?? -1);
      for (const row of rows) ids.push(/^"(003\w{15})"/.exec(row)?.[1] ?? 'bad row');
      locator = res.headers.get('sforce-locator');
      expect(locator).not.toBeNull();
      locators.push(locator ?? '');
    } while (locator !== 'null');
    expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
    expect(counts.length).toBe(Math.ceil(total / pageSize));
    expect(locators.at(-1)).toBe('null');
    expect(new Set(ids).size).toBe(total);
    expect([...ids].sort()).toEqual(ids);

    // Without maxRecords the (large) default page holds everything.
    const all = await call('GET', `/jobs/query/${id}/results`);
    expect(all.headers.get('sforce-locator')).toBe('null');
    expect(all.headers.get('sforce-numberofrecords')).toBe(String(total));
  });

  it('renders nulls as empty quoted cells and uses the job dialect', async () => {
    const [accountless] = emu.org.create('Contact', [{ LastName: 'Orphan', Ferry_Id__c: 'q-orphan' }]);
    const created = await json(
      await call('POST', '/jobs/query', {
        operation: 'query',
        query: "SELECT Id, LastName, Account.Name, Email FROM Contact WHERE Ferry_Id__c = 'q-orphan'",
        columnDelimiter: 'SEMICOLON',
        lineEnding: 'CRLF',
      }),
    );
    const id = created['id'] as string;
    await settle(`/jobs/query/${id}`);
    const { body } = await text(`/jobs/query/${id}/results`);
    expect(body).toBe(`"Id";"LastName";"Account.Name";"Email"\r\n"${accountless?.id}";"Orphan";"";""\r\n`);
  });

  it('refuses SOQL it cannot run: syntax errors and queries Bulk does not support', async () => {
    const bad = await call('POST', '/jobs/query', { operation: 'query', query: 'SELECT Id FROM' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json[])[0]?.['errorCode']).toBe('MALFORMED_QUERY');
    const field = await call('POST', '/jobs/query', {
      operation: 'query',
      query: 'SELECT Nope__c FROM Account',
    });
    expect(((await field.json()) as Json[])[0]?.['errorCode']).toBe('INVALID_FIELD');
    const count = await call('POST', '/jobs/query', {
      operation: 'query',
      query: 'SELECT COUNT() FROM Account',
    });
    expect(count.status).toBe(400);
    const refusal = ((await count.json()) as Json[])[0];
    expect(refusal?.['errorCode']).toBe('API_ERROR');
    expect(refusal?.['message']).toBeTruthy();
    const op = await call('POST', '/jobs/query', { operation: 'select', query: 'SELECT Id FROM Account' });
    expect(((await op.json()) as Json[])[0]?.['errorCode']).toBe('JSON_PARSER_ERROR');
    const old = await session.request('POST', '/services/data/v46.0/jobs/query', {
      operation: 'query',
      query: 'SELECT Id FROM Account',
    });
    expect(old.status).toBe(404);
  });

  it('queryAll returns deleted rows that query does not', async () => {
    const [gone] = emu.org.create('Account', [{ Name: 'Soon Deleted', Ferry_Id__c: 'q-deleted' }]);
    emu.org.delete([gone?.id ?? '']);
    const rows = async (operation: string): Promise<string> => {
      const soql = "SELECT Id, IsDeleted FROM Account WHERE Ferry_Id__c = 'q-deleted'";
      const id = (await json(await call('POST', '/jobs/query', { operation, query: soql })))['id'] as string;
      await settle(`/jobs/query/${id}`);
      return (await text(`/jobs/query/${id}/results`)).body;
    };
    expect(await rows('query')).toBe('"Id","IsDeleted"\n');
    expect(await rows('queryAll')).toBe(`"Id","IsDeleted"\n"${gone?.id}","true"\n`);
  });

  it('rejects a foreign locator or a bad maxRecords, aborts and deletes jobs, lists them', async () => {
    const id = (
      await json(await call('POST', '/jobs/query', { operation: 'query', query: 'SELECT Id FROM Account' }))
    )['id'] as string;
    await settle(`/jobs/query/${id}`);
    expect((await call('GET', `/jobs/query/${id}/results?locator=not-ours`)).status).toBe(400);
    expect((await call('GET', `/jobs/query/${id}/results?maxRecords=0`)).status).toBe(400);
    expect((await call('PATCH', `/jobs/query/${id}`, { state: 'Aborted' })).status).toBe(400); // complete

    const other = (
      await json(await call('POST', '/jobs/query', { operation: 'query', query: 'SELECT Id FROM Lead' }))
    )['id'] as string;
    const aborted = await json(await call('PATCH', `/jobs/query/${other}`, { state: 'Aborted' }));
    expect(aborted['state']).toBe('Aborted');
    expect((await call('GET', `/jobs/query/${other}/results`)).status).toBe(412);

    const list = await json(await call('GET', '/jobs/query'));
    const ids = (list['records'] as Json[]).map((j) => j['id']);
    expect(ids).toEqual(expect.arrayContaining([id, other]));
    expect((await call('DELETE', `/jobs/query/${id}`)).status).toBe(204);
    expect((await call('GET', `/jobs/query/${id}`)).status).toBe(404);
  });

  it('serves jsforce bulk2.query unchanged', async () => {
    const records = (await (
      await conn.bulk2.query('SELECT Id, Name, Industry FROM Account WHERE Industry != null LIMIT 20')
    ).toArray()) as Array<Record<string, string>>;
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) expect(Object.keys(r)).toEqual(['Id', 'Name', 'Industry']);

    const contacts = await (await conn.bulk2.query('SELECT Id FROM Contact', { scanAll: true })).toArray();
    const total = emu.org.openCursor(emu.org.compile('SELECT Id FROM Contact'), { scanAll: true }).totalSize;
    expect(contacts).toHaveLength(total);
  });
});
