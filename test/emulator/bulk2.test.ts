/**
 * Bulk API 2.0 ingest jobs on the emulator, over real HTTP: raw requests pin the wire format
 * (JobInfo fields, exact result files, error bodies), and jsforce 3 — unchanged — proves a real
 * client is satisfied with it. Query jobs: bulk2-query.test.ts.
 */
import type { Connection } from 'jsforce';
import { beforeAll, describe, expect, it } from 'vitest';
import { tokenConnection, useBulk2 } from './support/bulk-client.js';
import type { Json } from './support/rest-client.js';

const V = 'v62.0';
const session = useBulk2({ seed: 'demo' });
const { emu, call, json, settle, text } = session;
let conn: Connection;

beforeAll(() => {
  conn = tokenConnection(session, 'bulk2');
});

/** Creates an ingest job, uploads `csv`, closes it and waits for the outcome. */
async function ingest(spec: Json, csv: string): Promise<{ id: string; info: Json }> {
  const created = await json(await call('POST', '/jobs/ingest', spec));
  const id = created['id'] as string;
  expect((await call('PUT', `/jobs/ingest/${id}/batches`, csv, 'text/csv')).status).toBe(201);
  expect((await call('PATCH', `/jobs/ingest/${id}`, { state: 'UploadComplete' })).status).toBe(200);
  return { id, info: await settle(`/jobs/ingest/${id}`) };
}

describe('Bulk 2.0 ingest', () => {
  it('inserts, and reports successes and failures in exact result files', async () => {
    const createRes = await call('POST', '/jobs/ingest', { object: 'Lead', operation: 'insert' });
    expect(createRes.status).toBe(200);
    expect(createRes.headers.get('content-type')).toMatch(/^application\/json/);
    const created = await json(createRes);
    const id = created['id'] as string;
    expect(id).toMatch(/^750[A-Za-z0-9]{15}$/);
    expect(created).toMatchObject({
      operation: 'insert',
      object: 'Lead',
      state: 'Open',
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: 62,
      contentUrl: `services/data/${V}/jobs/ingest/${id}/batches`,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
    });
    expect(created['createdDate']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

    const csv =
      'Company,LastName,Status,Title\n' +
      'Acme,Lovelace,Working - Contacted,"Says ""hi"", then\nleaves"\n' +
      'Acme,,Working - Contacted,no last name\n' +
      'Acme,Hopper,Bogus,bad picklist\n';
    const upload = await call('PUT', `/jobs/ingest/${id}/batches`, csv, 'text/csv');
    expect(upload.status).toBe(201);
    expect(await upload.text()).toBe('');
    const closed = await json(await call('PATCH', `/jobs/ingest/${id}`, { state: 'UploadComplete' }));
    expect(closed['state']).toBe('UploadComplete');

    const info = await settle(`/jobs/ingest/${id}`);
    expect(info).toMatchObject({
      id,
      state: 'JobComplete',
      jobType: 'V2Ingest',
      numberRecordsProcessed: 3,
      numberRecordsFailed: 2,
      retries: 0,
      apexProcessingTime: 0,
    });
    for (const key of ['createdById', 'systemModstamp', 'totalProcessingTime', 'apiActiveProcessingTime']) {
      expect(info).toHaveProperty(key);
    }
    expect(info).not.toHaveProperty('errorMessage');

    const ok = await text(`/jobs/ingest/${id}/successfulResults/`);
    expect(ok.type).toBe('text/csv');
    const newId = /^"sf__Id".*\n"(00Q\w{15})"/.exec(ok.body)?.[1];
    expect(newId).toBeDefined();
    expect(ok.body).toBe(
      '"sf__Id","sf__Created","Company","LastName","Status","Title"\n' +
        `"${newId}","true","Acme","Lovelace","Working - Contacted","Says ""hi"", then\nleaves"\n`,
    );
    expect(emu.org.retrieve('Lead', newId ?? '').row['Title']).toBe('Says "hi", then\nleaves');

    const failed = await text(`/jobs/ingest/${id}/failedResults/`);
    expect(failed.body).toBe(
      '"sf__Id","sf__Error","Company","LastName","Status","Title"\n' +
        '"","REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --","Acme","","Working - Contacted","no last name"\n' +
        '"","INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Status: bad value for restricted picklist field: Bogus:Status --","Acme","Hopper","Bogus","bad picklist"\n',
    );
    expect((await text(`/jobs/ingest/${id}/unprocessedrecords/`)).body).toBe(
      'Company,LastName,Status,Title\n',
    );
  });

  it('updates and deletes by Id, reporting rows the org rejects', async () => {
    const [a, b] = emu.org.create('Account', [{ Name: 'Upd A' }, { Name: 'Upd B' }]).map((r) => r.id ?? '');
    const upd = await ingest(
      { object: 'Account', operation: 'update' },
      `Id,Name,Phone\n${a},Renamed A,#N/A\n${b},,555-0100\n001000000000000AAA,Ghost,\n`,
    );
    expect(upd.info).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 3,
      numberRecordsFailed: 1,
    });
    expect((await text(`/jobs/ingest/${upd.id}/successfulResults`)).body).toBe(
      '"sf__Id","sf__Created","Id","Name","Phone"\n' +
        `"${a}","false","${a}","Renamed A","#N/A"\n` +
        `"${b}","false","${b}","","555-0100"\n`,
    );
    const failed = (await text(`/jobs/ingest/${upd.id}/failedResults`)).body.split('\n');
    expect(failed[0]).toBe('"sf__Id","sf__Error","Id","Name","Phone"');
    expect(failed[1]).toMatch(/^"[^"]*","[A-Z_]+:.* --","001000000000000AAA","Ghost",""$/);
    // '' left Name unchanged; #N/A nulled Phone.
    expect(emu.org.retrieve('Account', a ?? '').row).toMatchObject({ Name: 'Renamed A', Phone: null });
    expect(emu.org.retrieve('Account', b ?? '').row).toMatchObject({ Name: 'Upd B', Phone: '555-0100' });

    const del = await ingest({ object: 'Account', operation: 'delete' }, `Id\n${a}\n`);
    expect(del.info).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 1,
      numberRecordsFailed: 0,
    });
    expect((await text(`/jobs/ingest/${del.id}/successfulResults`)).body).toBe(
      `"sf__Id","sf__Created","Id"\n"${a}","false","${a}"\n`,
    );
    const hard = await ingest({ object: 'Account', operation: 'hardDelete' }, `Id\n${b}\n`);
    expect(hard.info).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 1,
      numberRecordsFailed: 0,
    });
  });

  it('upserts by external id through jsforce: sf__Created tells inserts from updates', async () => {
    const first = await conn.bulk2.loadAndWaitForResults({
      object: 'Contact',
      operation: 'upsert',
      externalIdFieldName: 'Ferry_Id__c',
      input: [
        { Ferry_Id__c: 'bulk2-u1', LastName: 'Upsert One' },
        { Ferry_Id__c: 'bulk2-u2', LastName: 'Upsert Two' },
      ],
    });
    expect(first.failedResults).toEqual([]);
    expect(first.successfulResults.map((r) => r.sf__Created)).toEqual(['true', 'true']);
    const second = await conn.bulk2.loadAndWaitForResults({
      object: 'Contact',
      operation: 'upsert',
      externalIdFieldName: 'Ferry_Id__c',
      input: [
        { Ferry_Id__c: 'bulk2-u1', LastName: 'Upsert One Again' },
        { Ferry_Id__c: 'bulk2-u3', LastName: null },
        { Ferry_Id__c: 'bulk2-u4', LastName: 'Upsert Four' },
      ],
    });
    expect(
      second.successfulResults.map((r) => [
        (r as unknown as Record<string, string>)['Ferry_Id__c'],
        r.sf__Created,
      ]),
    ).toEqual([
      ['bulk2-u1', 'false'],
      ['bulk2-u4', 'true'],
    ]);
    expect(second.successfulResults[0]?.sf__Id).toBe(first.successfulResults[0]?.sf__Id);
    expect(second.failedResults).toHaveLength(1);
    expect(second.failedResults[0]?.sf__Error).toMatch(/^REQUIRED_FIELD_MISSING:.*:LastName --$/);
    expect(second.unprocessedRecords).toEqual([]);
  });

  it('inserts with failures through jsforce loadAndWaitForResults', async () => {
    const res = await conn.bulk2.loadAndWaitForResults({
      object: 'Lead',
      operation: 'insert',
      input: [
        { Company: 'Initech', LastName: 'Gibbons', Status: 'Open - Not Contacted' },
        { Company: 'Initech', LastName: 'Bolton', Status: 'Nope' },
      ],
    });
    expect(res.successfulResults).toHaveLength(1);
    expect(res.successfulResults[0]).toMatchObject({ sf__Created: 'true', LastName: 'Gibbons' });
    expect(res.failedResults).toEqual([
      {
        sf__Id: '',
        sf__Error:
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Status: bad value for restricted picklist field: Nope:Status --',
        Company: 'Initech',
        LastName: 'Bolton',
        Status: 'Nope',
      },
    ]);
  });

  it('processes large files in chunks and counts every record', async () => {
    let csv = 'LastName,Ferry_Id__c\n';
    for (let i = 0; i < 1234; i++) csv += `Chunk ${i},chunk-${i}\n`;
    const { id, info } = await ingest({ object: 'Contact', operation: 'insert' }, csv);
    expect(info).toMatchObject({
      state: 'JobComplete',
      numberRecordsProcessed: 1234,
      numberRecordsFailed: 0,
    });
    const lines = (await text(`/jobs/ingest/${id}/successfulResults`)).body.trimEnd().split('\n');
    expect(lines).toHaveLength(1235);
    expect(lines[1234]).toMatch(/^"003\w{15}","true","Chunk 1233","chunk-1233"$/);
  });

  it('stops an aborted job between chunks: processed rows have results, the rest is unprocessed', async () => {
    let csv = 'LastName,Ferry_Id__c\n';
    const total = 20_000;
    for (let i = 0; i < total; i++) csv += `Abort ${i},abort-${i}\n`;
    const id = (await json(await call('POST', '/jobs/ingest', { object: 'Contact', operation: 'insert' })))[
      'id'
    ] as string;
    await call('PUT', `/jobs/ingest/${id}/batches`, csv, 'text/csv');
    await call('PATCH', `/jobs/ingest/${id}`, { state: 'UploadComplete' });
    for (let state = ''; state !== 'InProgress';) {
      state = (await json(await call('GET', `/jobs/ingest/${id}`)))['state'] as string;
      expect(['UploadComplete', 'InProgress']).toContain(state);
    }
    expect((await call('PATCH', `/jobs/ingest/${id}`, { state: 'Aborted' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const info = await json(await call('GET', `/jobs/ingest/${id}`));
    expect(info['state']).toBe('Aborted');
    const processed = info['numberRecordsProcessed'] as number;
    expect(processed).toBeLessThan(total);
    expect(processed % 200).toBe(0); // whole chunks only
    const ok = (await text(`/jobs/ingest/${id}/successfulResults`)).body.trimEnd().split('\n');
    expect(ok).toHaveLength(processed + 1);
    const rest = (await text(`/jobs/ingest/${id}/unprocessedrecords`)).body.trimEnd().split('\n');
    expect(rest[0]).toBe('LastName,Ferry_Id__c');
    expect(rest).toHaveLength(total - processed + 1);
    expect(rest[1]).toBe(`Abort ${processed},abort-${processed}`);
  });

  it('refuses bad job requests with Salesforce error arrays', async () => {
    const cases: Array<[Json | string, number, string]> = [
      [{ object: 'Nope__c', operation: 'insert' }, 400, 'INVALIDJOB'],
      [{ object: 'Account', operation: 'upsert' }, 400, 'INVALIDJOB'],
      [{ object: 'Account', operation: 'merge' }, 400, 'JSON_PARSER_ERROR'],
      [{ object: 'Account', operation: 'insert', lineEnding: 'CR' }, 400, 'JSON_PARSER_ERROR'],
      [{ object: 'Account', operation: 'insert', columnDelimiter: 'COLON' }, 400, 'JSON_PARSER_ERROR'],
      ['{not json', 400, 'JSON_PARSER_ERROR'],
    ];
    for (const [body, status, code] of cases) {
      const res = await call('POST', '/jobs/ingest', body);
      expect(res.status).toBe(status);
      const errors = (await res.json()) as Array<{ errorCode: string; message: string }>;
      expect(errors[0]?.errorCode).toBe(code);
      expect(errors[0]?.message).toBeTruthy();
    }
    const upsert = (await (
      await call('POST', '/jobs/ingest', { object: 'Account', operation: 'upsert' })
    ).json()) as Json[];
    expect(upsert[0]?.['message']).toBe(
      'External ID was blank for Account. An External ID must be specified for upsert.',
    );
    const missing = await call('GET', '/jobs/ingest/750000000000000AAA');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual([
      { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' },
    ]);
    const old = await session.request('POST', '/services/data/v40.0/jobs/ingest', {
      object: 'Account',
      operation: 'insert',
    });
    expect(old.status).toBe(404);
  });

  it('takes one upload per job, only while the job is Open', async () => {
    const id = (await json(await call('POST', '/jobs/ingest', { object: 'Account', operation: 'insert' })))[
      'id'
    ] as string;
    expect((await call('PUT', `/jobs/ingest/${id}/batches`, 'Name\nOnce\n', 'text/csv')).status).toBe(201);
    const again = await call('PUT', `/jobs/ingest/${id}/batches`, 'Name\nTwice\n', 'text/csv');
    expect(again.status).toBe(400);
    expect(((await again.json()) as Json[])[0]?.['errorCode']).toBe('INVALIDJOBSTATE');
    await call('PATCH', `/jobs/ingest/${id}`, { state: 'UploadComplete' });
    expect((await call('PATCH', `/jobs/ingest/${id}`, { state: 'UploadComplete' })).status).toBe(400);
    expect((await settle(`/jobs/ingest/${id}`))['state']).toBe('JobComplete');
    expect((await call('PATCH', `/jobs/ingest/${id}`, { state: 'Aborted' })).status).toBe(400);
  });

  it('fails the whole job on an unknown column, leaving every row unprocessed', async () => {
    const csv = 'Name,Nope__c\nA,1\nB,2\n';
    const { id, info } = await ingest({ object: 'Account', operation: 'insert' }, csv);
    expect(info).toMatchObject({
      state: 'Failed',
      numberRecordsProcessed: 0,
      numberRecordsFailed: 0,
      errorMessage: 'InvalidBatch : Field name not found : Nope__c',
    });
    expect((await text(`/jobs/ingest/${id}/unprocessedrecords`)).body).toBe(csv);
    expect((await text(`/jobs/ingest/${id}/successfulResults`)).body).toBe(
      '"sf__Id","sf__Created","Name","Nope__c"\n',
    );
    await expect(
      conn.bulk2.loadAndWaitForResults({
        object: 'Account',
        operation: 'insert',
        input: [{ Name: 'x', Nope__c: '1' }],
      }),
    ).rejects.toThrow(/Field name not found : Nope__c/);
  });

  it("honours the job's delimiter and line ending, and fails a file whose line ending differs", async () => {
    const spec = { object: 'Account', operation: 'insert', columnDelimiter: 'PIPE', lineEnding: 'CRLF' };
    const { id, info } = await ingest(spec, 'Name|Description\r\nPiped|"a|b"\r\n');
    expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 1, numberRecordsFailed: 0 });
    const ok = (await text(`/jobs/ingest/${id}/successfulResults`)).body;
    expect(ok).toMatch(
      /^"sf__Id"\|"sf__Created"\|"Name"\|"Description"\r\n"001\w{15}"\|"true"\|"Piped"\|"a\|b"\r\n$/,
    );

    const wrong = await ingest({ object: 'Account', operation: 'insert' }, 'Name\r\nCRLF in an LF job\r\n');
    expect(wrong.info).toMatchObject({
      state: 'Failed',
      errorMessage: 'ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF',
    });
  });

  it('aborts an open job (its data stays unprocessed) and deletes finished ones', async () => {
    const id = (await json(await call('POST', '/jobs/ingest', { object: 'Account', operation: 'insert' })))[
      'id'
    ] as string;
    await call('PUT', `/jobs/ingest/${id}/batches`, 'Name\nNever\n', 'text/csv');
    expect((await call('DELETE', `/jobs/ingest/${id}`)).status).toBe(400); // Open: abort first
    const aborted = await json(await call('PATCH', `/jobs/ingest/${id}`, { state: 'Aborted' }));
    expect(aborted['state']).toBe('Aborted');
    expect((await text(`/jobs/ingest/${id}/unprocessedrecords`)).body).toBe('Name\nNever\n');
    const list = await json(await call('GET', '/jobs/ingest'));
    expect(list).toMatchObject({ done: true, nextRecordsUrl: null });
    expect((list['records'] as Json[]).some((j) => j['id'] === id && j['jobType'] === 'V2Ingest')).toBe(true);
    const del = await call('DELETE', `/jobs/ingest/${id}`);
    expect(del.status).toBe(204);
    expect((await call('GET', `/jobs/ingest/${id}`)).status).toBe(404);
  });
});
