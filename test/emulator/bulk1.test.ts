/**
 * Bulk API 1.0 on the emulator, over real HTTP: the XML job and batch documents, CSV batch results
 * in input order, query result lists, errors — by raw requests and through jsforce's `conn.bulk`.
 */
import type { Connection } from 'jsforce';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { tokenConnection } from './support/bulk-client.js';
import { useEmulator } from './support/rest-client.js';

const NS = 'http://www.force.com/2009/06/asyncapi/dataload';
const session = useEmulator({ seed: 'demo' });
const { emu } = session;
const xml = new XMLParser({ parseTagValue: false, ignoreAttributes: false, attributeNamePrefix: '@' });
let conn: Connection;

beforeAll(() => {
  conn = tokenConnection(session, 'bulk');
});

type Doc = Record<string, Record<string, unknown>>;

async function call(
  method: string,
  path: string,
  body?: string,
  contentType = 'application/xml; charset=utf-8',
) {
  const headers: Record<string, string> = { 'X-SFDC-Session': session.token };
  if (body !== undefined) headers['Content-Type'] = contentType;
  return fetch(`${emu.url}/services/async/62.0${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
}

async function doc(res: Response): Promise<Doc> {
  expect(res.headers.get('content-type')).toBe('application/xml');
  return xml.parse(await res.text()) as Doc;
}

function jobXml(fields: Record<string, string>): string {
  const inner = Object.entries(fields)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="${NS}">${inner}</jobInfo>`;
}

async function createJob(fields: Record<string, string>): Promise<string> {
  const res = await call('POST', '/job', jobXml(fields));
  expect(res.status).toBe(201);
  return (await doc(res))['jobInfo']?.['id'] as string;
}

async function settleBatch(jobId: string, batchId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const info = (await doc(await call('GET', `/job/${jobId}/batch/${batchId}`)))['batchInfo'] ?? {};
    if (info['state'] !== 'Queued' && info['state'] !== 'InProgress') return info;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('batch did not finish');
}

describe('Bulk 1.0', () => {
  it('runs an insert job end to end: jobInfo, batchInfo, CSV results in input order, close', async () => {
    const created = await call(
      'POST',
      '/job',
      jobXml({ operation: 'insert', object: 'Contact', contentType: 'CSV' }),
    );
    expect(created.status).toBe(201);
    const text = await created.clone().text();
    expect(text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><jobInfo\s+xmlns="http:\/\/www.force.com\/2009\/06\/asyncapi\/dataload">/,
    );
    const job = (await doc(created))['jobInfo'] ?? {};
    const jobId = job['id'] as string;
    expect(jobId).toMatch(/^750\w{15}$/);
    expect(job).toMatchObject({
      operation: 'insert',
      object: 'Contact',
      state: 'Open',
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      numberBatchesQueued: '0',
      numberBatchesTotal: '0',
      numberRecordsProcessed: '0',
      numberRetries: '0',
      apiVersion: '62.0',
      numberRecordsFailed: '0',
    });
    expect(job['createdDate']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const csv =
      'LastName,Email,Level__c\n"Bulk, One",one@x.com,Primary\n,two@x.com,Primary\nThree,not-an-email,\n';
    const added = await call('POST', `/job/${jobId}/batch`, csv, 'text/csv');
    expect(added.status).toBe(201);
    const batch = (await doc(added))['batchInfo'] ?? {};
    const batchId = batch['id'] as string;
    expect(batchId).toMatch(/^751\w{15}$/);
    expect(batch).toMatchObject({ jobId, state: 'Queued', numberRecordsProcessed: '0' });

    const done = await settleBatch(jobId, batchId);
    expect(done).toMatchObject({ state: 'Completed', numberRecordsProcessed: '3', numberRecordsFailed: '2' });

    const results = await call('GET', `/job/${jobId}/batch/${batchId}/result`);
    expect(results.headers.get('content-type')).toBe('text/csv');
    const body = await results.text();
    const newId = /\n"(003\w{15})"/.exec(body)?.[1];
    expect(body).toBe(
      '"Id","Success","Created","Error"\n' +
        `"${newId}","true","true",""\n` +
        '"","false","false","REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"\n' +
        '"","false","false","INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --"\n',
    );
    expect(emu.org.retrieve('Contact', newId ?? '').row['LastName']).toBe('Bulk, One');

    const list = (await doc(await call('GET', `/job/${jobId}/batch`)))['batchInfoList'] ?? {};
    expect((list['batchInfo'] as Record<string, unknown>)['id']).toBe(batchId);
    expect(await (await call('GET', `/job/${jobId}/batch/${batchId}/request`)).text()).toBe(csv);

    const closed =
      (await doc(await call('POST', `/job/${jobId}`, jobXml({ state: 'Closed' }))))['jobInfo'] ?? {};
    expect(closed).toMatchObject({
      state: 'Closed',
      numberBatchesCompleted: '1',
      numberBatchesTotal: '1',
      numberRecordsProcessed: '3',
      numberRecordsFailed: '2',
    });
    const late = await call('POST', `/job/${jobId}/batch`, csv, 'text/csv');
    expect(late.status).toBe(400);
    expect((await doc(late))['error']?.['exceptionCode']).toBe('InvalidJobState');
  });

  it('serves jsforce bulk.load and bulk.query unchanged', async () => {
    const results = await conn.bulk.load('Contact', 'insert', [
      { LastName: 'JsBulk', Ferry_Id__c: 'b1-js-1' },
      { FirstName: 'No last name' },
    ]);
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ success: true, created: true, errors: [] });
    expect(results[1]).toEqual({
      id: null,
      success: false,
      created: false,
      errors: ['REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --'],
    });
    const upserted = await conn.bulk.load('Contact', 'upsert', { extIdField: 'Ferry_Id__c' }, [
      { Ferry_Id__c: 'b1-js-1', LastName: 'JsBulk Renamed' },
      { Ferry_Id__c: 'b1-js-2', LastName: 'JsBulk Two' },
    ]);
    expect(upserted.map((r) => [r.success, r.created])).toEqual([
      [true, false],
      [true, true],
    ]);

    const records = (await (
      await conn.bulk.query("SELECT Id, LastName FROM Contact WHERE LastName LIKE 'JsBulk%'")
    ).toArray()) as Array<Record<string, string>>;
    expect(records.map((r) => r['LastName']).sort()).toEqual(['JsBulk Renamed', 'JsBulk Two']);
    const none = await (
      await conn.bulk.query("SELECT Id FROM Contact WHERE LastName = 'Nobody At All'")
    ).toArray();
    expect(none).toEqual([]);
  });

  it('answers query batches with a result list, then the CSV result; nothing found is said in words', async () => {
    const jobId = await createJob({ operation: 'query', object: 'Account', contentType: 'CSV' });
    const soql = "SELECT Id, Name, Parent.Name FROM Account WHERE Name = 'Bulk1 Query Target'";
    const [target] = emu.org.create('Account', [{ Name: 'Bulk1 Query Target' }]);
    const batchId = (await doc(await call('POST', `/job/${jobId}/batch`, soql, 'text/csv')))['batchInfo']?.[
      'id'
    ] as string;
    expect(await settleBatch(jobId, batchId)).toMatchObject({
      state: 'Completed',
      numberRecordsProcessed: '1',
    });
    const listRes = await call('GET', `/job/${jobId}/batch/${batchId}/result`);
    const resultId = (await doc(listRes))['result-list']?.['result'] as string;
    expect(resultId).toMatch(/^752\w{15}$/);
    const result = await call('GET', `/job/${jobId}/batch/${batchId}/result/${resultId}`);
    expect(result.headers.get('content-type')).toBe('text/csv');
    expect(await result.text()).toBe(`"Id","Name","Parent.Name"\n"${target?.id}","Bulk1 Query Target",""\n`);

    const empty = (
      await doc(
        await call('POST', `/job/${jobId}/batch`, "SELECT Id FROM Account WHERE Name = 'zz'", 'text/csv'),
      )
    )['batchInfo']?.['id'] as string;
    await settleBatch(jobId, empty);
    const emptyList =
      (await doc(await call('GET', `/job/${jobId}/batch/${empty}/result`)))['result-list'] ?? {};
    const emptyResult = await call(
      'GET',
      `/job/${jobId}/batch/${empty}/result/${emptyList['result'] as string}`,
    );
    expect(await emptyResult.text()).toBe('Records not found for this query');

    const broken = (
      await doc(await call('POST', `/job/${jobId}/batch`, 'SELECT Nope__c FROM Account', 'text/csv'))
    )['batchInfo']?.['id'] as string;
    const failed = await settleBatch(jobId, broken);
    expect(failed['state']).toBe('Failed');
    expect(failed['stateMessage']).toMatch(/^InvalidBatch : Failed to process query: INVALID_FIELD: /);
  });

  it('writes XML query results for XML jobs', async () => {
    const [parent] = emu.org.create('Account', [{ Name: 'Xml Query Parent & Co' }]);
    emu.org.create('Contact', [
      { LastName: 'XmlQuery', AccountId: parent?.id },
      { LastName: 'XmlQueryOrphan' },
    ]);
    const jobId = await createJob({ operation: 'query', object: 'Contact', contentType: 'XML' });
    const soql =
      "SELECT Id, LastName, Account.Name FROM Contact WHERE LastName LIKE 'XmlQuery%' ORDER BY LastName";
    const batchId = (await doc(await call('POST', `/job/${jobId}/batch`, soql, 'application/xml')))[
      'batchInfo'
    ]?.['id'] as string;
    await settleBatch(jobId, batchId);
    const resultId = (await doc(await call('GET', `/job/${jobId}/batch/${batchId}/result`)))['result-list']?.[
      'result'
    ] as string;
    const body = await (await call('GET', `/job/${jobId}/batch/${batchId}/result/${resultId}`)).text();
    expect(body).toContain('<records xsi:type="sObject"><type>Contact</type><Id>');
    expect(body).toContain(
      '<LastName>XmlQuery</LastName><Account xsi:type="sObject"><type>Account</type><Name>Xml Query Parent &amp; Co</Name></Account></records>',
    );
    expect(body).toContain('<LastName>XmlQueryOrphan</LastName><Account xsi:nil="true"/></records>');
    const parsed = xml.parse(body) as Doc;
    expect((parsed['queryResult']?.['records'] as unknown[]).length).toBe(2);
  });

  it('fails a batch of more than 10,000 records, and one naming an unknown field', async () => {
    const jobId = await createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    let csv = 'Name\n';
    for (let i = 0; i < 10_001; i++) csv += `Too many ${i}\n`;
    const big = (await doc(await call('POST', `/job/${jobId}/batch`, csv, 'text/csv')))['batchInfo']?.[
      'id'
    ] as string;
    const bigInfo = await settleBatch(jobId, big);
    expect(bigInfo).toMatchObject({ state: 'Failed', numberRecordsProcessed: '0' });
    expect(bigInfo['stateMessage']).toMatch(/10000/);
    const resultRes = await call('GET', `/job/${jobId}/batch/${big}/result`);
    expect(await resultRes.text()).toBe('"Id","Success","Created","Error"\n');

    const bad = (await doc(await call('POST', `/job/${jobId}/batch`, 'Name,Nope__c\nx,1\n', 'text/csv')))[
      'batchInfo'
    ]?.['id'] as string;
    expect(await settleBatch(jobId, bad)).toMatchObject({
      state: 'Failed',
      stateMessage: 'InvalidBatch : Field name not found : Nope__c',
    });
  });

  it('aborts a job: queued batches are not processed', async () => {
    const jobId = await createJob({ operation: 'insert', object: 'Account', contentType: 'CSV' });
    const batchId = (
      await doc(await call('POST', `/job/${jobId}/batch`, 'Name\nAborted Before Start\n', 'text/csv'))
    )['batchInfo']?.['id'] as string;
    const aborted =
      (await doc(await call('POST', `/job/${jobId}`, jobXml({ state: 'Aborted' }))))['jobInfo'] ?? {};
    expect(aborted['state']).toBe('Aborted');
    expect(await settleBatch(jobId, batchId)).toMatchObject({ state: 'NotProcessed' });
    const notReady = await call('GET', `/job/${jobId}/batch/${batchId}/result`);
    expect(notReady.status).toBe(400);
    expect((await doc(notReady))['error']?.['exceptionMessage']).toBe('Batch not completed');
  });

  it('speaks JSON to JSON jobs', async () => {
    const res = await call(
      'POST',
      '/job',
      JSON.stringify({ operation: 'insert', object: 'Account', contentType: 'JSON' }),
      'application/json',
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json');
    const job = (await res.json()) as Record<string, unknown>;
    expect(job).toMatchObject({ state: 'Open', contentType: 'JSON', apiVersion: 62, numberBatchesTotal: 0 });
    const jobId = job['id'] as string;
    const batchRes = await call(
      'POST',
      `/job/${jobId}/batch`,
      JSON.stringify([{ Name: 'Json One' }, { Phone: '1' }]),
      'application/json',
    );
    const batchId = ((await batchRes.json()) as Record<string, unknown>)['id'] as string;
    for (let i = 0; i < 100; i++) {
      const info = (await (await call('GET', `/job/${jobId}/batch/${batchId}`)).json()) as Record<
        string,
        unknown
      >;
      if (info['state'] === 'Completed') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const results = (await (await call('GET', `/job/${jobId}/batch/${batchId}/result`)).json()) as Array<
      Record<string, unknown>
    >;
    expect(results[0]).toMatchObject({ success: true, created: true, errors: [] });
    expect(results[1]).toMatchObject({ success: false, created: false, id: null });
    expect((results[1]?.['errors'] as Array<Record<string, unknown>>)[0]?.['statusCode']).toBe(
      'REQUIRED_FIELD_MISSING',
    );
  });

  it('reads XML batches, nil values and parent references included', async () => {
    const [parent] = emu.org.create('Account', [{ Name: 'Xml Parent', Ferry_Id__c: 'xml-parent' }]);
    const jobId = await createJob({ operation: 'insert', object: 'Contact', contentType: 'XML' });
    const body =
      `<?xml version="1.0" encoding="UTF-8"?><sObjects xmlns="${NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
      '<sObject><LastName>Xml Child</LastName><Email xsi:nil="true"/>' +
      '<Account><sObject><Ferry_Id__c>xml-parent</Ferry_Id__c></sObject></Account></sObject></sObjects>';
    const batchId = (await doc(await call('POST', `/job/${jobId}/batch`, body)))['batchInfo']?.[
      'id'
    ] as string;
    expect(await settleBatch(jobId, batchId)).toMatchObject({ state: 'Completed', numberRecordsFailed: '0' });
    const results = (await doc(await call('GET', `/job/${jobId}/batch/${batchId}/result`)))['results'] ?? {};
    const result = results['result'] as Record<string, unknown>;
    expect(result).toMatchObject({ success: 'true', created: 'true' });
    expect(emu.org.retrieve('Contact', result['id'] as string).row['AccountId']).toBe(parent?.id);
  });

  it('refuses bad requests with <error> documents', async () => {
    const unknownJob = await call('GET', '/job/750000000000000AAA');
    expect(unknownJob.status).toBe(400);
    expect((await doc(unknownJob))['error']).toMatchObject({ exceptionCode: 'InvalidJob' });
    const badObject = await call(
      'POST',
      '/job',
      jobXml({ operation: 'insert', object: 'Nope__c', contentType: 'CSV' }),
    );
    expect((await doc(badObject))['error']).toEqual({
      '@xmlns': NS,
      exceptionCode: 'InvalidJob',
      exceptionMessage: 'Unable to find object: Nope__c',
    });
    const upsert = await call(
      'POST',
      '/job',
      jobXml({ operation: 'upsert', object: 'Account', contentType: 'CSV' }),
    );
    expect((await doc(upsert))['error']?.['exceptionMessage']).toBe(
      'External ID was blank for Account. An External ID must be specified for upsert.',
    );
    const session = await fetch(`${emu.url}/services/async/62.0/job/750000000000000AAA`, {
      headers: { 'X-SFDC-Session': '00Dnot!valid' },
    });
    expect(session.status).toBe(400);
    expect(await session.text()).toContain('<exceptionCode>InvalidSessionId</exceptionCode>');
  });
});
