/**
 * sObject Collections, Composite, Composite Batch and sObject Tree over raw HTTP
 * (salesforce-wire.md §2.7–2.9): per-record results in request order with `statusCode`,
 * allOrNone rollbacks, references between subrequests, limits.
 */
import { describe, expect, it } from 'vitest';
import { anyString, matching, useEmulator, V, type Json } from './support/rest-client.js';

const session = useEmulator({ seed: 'none' });
const { emu, api } = session;

interface SaveResult {
  id?: string;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
  created?: boolean;
}

function count(soql: string): number {
  return emu.org.openCursor(emu.org.compile(soql), { scanAll: false }).totalSize;
}

const account = (Name: string, extra: Json = {}) => ({ attributes: { type: 'Account' }, Name, ...extra });
const contact = (LastName: string | undefined, extra: Json = {}) => ({
  attributes: { type: 'Contact' },
  ...(LastName === undefined ? {} : { LastName }),
  ...extra,
});

describe('collections', () => {
  it('creates mixed types in request order, with per-record statusCode errors', async () => {
    const res = await api('POST', '/composite/sobjects', {
      allOrNone: false,
      records: [account('C1'), contact(undefined, { FirstName: 'x' }), contact('C3'), account('C4')],
    });
    expect(res.status).toBe(200);
    const results = res.json as SaveResult[];
    expect(results.map((r) => r.success)).toEqual([true, false, true, true]);
    expect(results[0]).toEqual({ id: matching(/^001/), success: true, errors: [] });
    expect(results[1]).toEqual({
      success: false,
      errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: anyString, fields: ['LastName'] }],
    });
    expect(results[2]?.id).toMatch(/^003/);
  });

  it('with allOrNone saves nothing and reports the rollback', async () => {
    const before = count('SELECT Id FROM Account');
    const res = await api('POST', '/composite/sobjects', {
      allOrNone: true,
      records: [account('R1'), contact('R2'), contact(undefined)],
    });
    const results = res.json as SaveResult[];
    expect(results.every((r) => !r.success)).toBe(true);
    expect(results[0]?.errors[0]?.statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(results[2]?.errors[0]?.statusCode).toBe('REQUIRED_FIELD_MISSING');
    expect(count('SELECT Id FROM Account')).toBe(before);
    expect(count("SELECT Id FROM Contact WHERE LastName = 'R2'")).toBe(0);
  });

  it('refuses more than 200 records with EXCEEDED_ID_LIMIT', async () => {
    const res = await api('POST', '/composite/sobjects', {
      records: Array.from({ length: 201 }, (_, i) => account(`N${i}`)),
    });
    expect(res.status).toBe(400);
    expect((res.json as Json[])[0]).toMatchObject({ errorCode: 'EXCEEDED_ID_LIMIT' });
    const del = await api(
      'DELETE',
      `/composite/sobjects?ids=${Array.from({ length: 201 }, () => '001000000000000AAA').join(',')}`,
    );
    expect(del.status).toBe(400);
  });

  it('updates, retrieves, upserts and deletes', async () => {
    const created = (await api('POST', '/composite/sobjects', { records: [account('U1'), account('U2')] }))
      .json as SaveResult[];
    const ids = created.map((r) => r.id ?? '');
    const updated = await api('PATCH', '/composite/sobjects', {
      records: [
        { attributes: { type: 'Account' }, id: ids[0], Name: 'U1!' },
        { attributes: { type: 'Account' }, id: ids[1], Name: 'U2!' },
      ],
    });
    expect((updated.json as SaveResult[]).map((r) => r.success)).toEqual([true, true]);

    const post = await api('POST', '/composite/sobjects/Account', {
      ids: [ids[0], '001000000000000AAA', ids[1]],
      fields: ['Name'],
    });
    expect(post.json).toEqual([
      { attributes: { type: 'Account', url: `${V}/sobjects/Account/${ids[0]}` }, Name: 'U1!' },
      null,
      { attributes: { type: 'Account', url: `${V}/sobjects/Account/${ids[1]}` }, Name: 'U2!' },
    ]);
    const viaGet = await api('GET', `/composite/sobjects/Account?ids=${ids.join(',')}&fields=Id,Name`);
    expect((viaGet.json as Json[]).map((r) => r['Id'])).toEqual(ids);

    const upserted = await api('PATCH', '/composite/sobjects/Account/Ferry_Id__c', {
      records: [account('X1', { Ferry_Id__c: 'col-1' }), account('X2', { Ferry_Id__c: 'col-2' })],
    });
    expect((upserted.json as SaveResult[]).map((r) => r.created)).toEqual([true, true]);
    const again = await api('PATCH', '/composite/sobjects/Account/Ferry_Id__c', {
      records: [account('X1!', { Ferry_Id__c: 'col-1' })],
    });
    expect(again.json).toEqual([{ id: anyString, success: true, errors: [], created: false }]);

    const deleted = await api('DELETE', `/composite/sobjects?ids=${ids[0]},${ids[1]}&allOrNone=true`);
    expect((deleted.json as SaveResult[]).map((r) => r.success)).toEqual([true, true]);
    const twice = await api('DELETE', `/composite/sobjects?ids=${ids[0]}`);
    expect((twice.json as SaveResult[])[0]?.errors[0]?.statusCode).toBe('ENTITY_IS_DELETED');
  });

  it('serves collections only from API 42.0 (upsert from 46.0)', async () => {
    const old = await fetch(`${emu.url}/services/data/v41.0/composite/sobjects`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ records: [account('old')] }),
    });
    expect(old.status).toBe(404);
  });
});

describe('composite', () => {
  it('runs subrequests with references and Location headers', async () => {
    const res = await api('POST', '/composite', {
      allOrNone: false,
      compositeRequest: [
        { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'acct', body: { Name: 'Composite Co' } },
        {
          method: 'POST',
          url: `${V}/sobjects/Contact`,
          referenceId: 'ct',
          body: { LastName: 'Ref', AccountId: '@{acct.id}' },
        },
        { method: 'GET', url: `${V}/sobjects/Account/@{acct.id}?fields=Name`, referenceId: 'read' },
        {
          method: 'GET',
          url: `${V}/query?q=SELECT+Id+FROM+Contact+WHERE+AccountId='@{acct.id}'`,
          referenceId: 'q',
        },
        { method: 'GET', url: `${V}/sobjects/Contact/@{q.records[0].Id}`, referenceId: 'viaQuery' },
      ],
    });
    expect(res.status).toBe(200);
    const out = (res.json as { compositeResponse: Array<Json & { body: Json; httpStatusCode: number }> })
      .compositeResponse;
    expect(out.map((r) => r.httpStatusCode)).toEqual([201, 201, 200, 200, 200]);
    const acctId = out[0]?.body['id'] as string;
    expect(out[0]).toEqual({
      body: { id: acctId, success: true, errors: [] },
      httpHeaders: { Location: `${V}/sobjects/Account/${acctId}` },
      httpStatusCode: 201,
      referenceId: 'acct',
    });
    expect(out[2]?.body['Name']).toBe('Composite Co');
    expect(out[4]?.body['AccountId']).toBe(acctId);
  });

  it('with allOrNone rolls back earlier writes and halts the rest', async () => {
    const before = count('SELECT Id FROM Account');
    const res = await api('POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'a1', body: { Name: 'Rolled back' } },
        {
          method: 'POST',
          url: `${V}/sobjects/Contact`,
          referenceId: 'bad',
          body: { FirstName: 'no last name' },
        },
        { method: 'POST', url: `${V}/sobjects/Account`, referenceId: 'a2', body: { Name: 'Never' } },
      ],
    });
    const out = (res.json as { compositeResponse: Array<{ httpStatusCode: number; body: Json[] }> })
      .compositeResponse;
    expect(out.map((r) => r.httpStatusCode)).toEqual([400, 400, 400]);
    expect(out[0]?.body[0]?.['errorCode']).toBe('PROCESSING_HALTED');
    expect(out[1]?.body[0]?.['errorCode']).toBe('REQUIRED_FIELD_MISSING');
    expect(out[2]?.body[0]?.['errorCode']).toBe('PROCESSING_HALTED');
    expect(count('SELECT Id FROM Account')).toBe(before);
  });

  it('halts subrequests whose references cannot resolve, and caps at 25', async () => {
    const res = await api('POST', '/composite', {
      compositeRequest: [
        { method: 'POST', url: `${V}/sobjects/Contact`, referenceId: 'bad', body: {} },
        { method: 'GET', url: `${V}/sobjects/Contact/@{bad.id}`, referenceId: 'dependent' },
      ],
    });
    const out = (res.json as { compositeResponse: Array<{ httpStatusCode: number; body: Json[] }> })
      .compositeResponse;
    expect(out[1]?.httpStatusCode).toBe(400);
    expect(out[1]?.body[0]?.['errorCode']).toBe('PROCESSING_HALTED');
    const tooMany = await api('POST', '/composite', {
      compositeRequest: Array.from({ length: 26 }, (_, i) => ({
        method: 'GET',
        url: `${V}/limits`,
        referenceId: `r${i}`,
      })),
    });
    expect(tooMany.status).toBe(400);
  });
});

describe('composite batch', () => {
  it('runs independent subrequests and halts with 412 on haltOnError', async () => {
    const res = await api('POST', '/composite/batch', {
      haltOnError: true,
      batchRequests: [
        { method: 'POST', url: 'v62.0/sobjects/Account', richInput: { Name: 'Batch Co' } },
        { method: 'GET', url: 'v62.0/sobjects/Account/001000000000000AAA' },
        { method: 'GET', url: 'v62.0/limits' },
      ],
    });
    expect(res.status).toBe(200);
    const body = res.json as { hasErrors: boolean; results: Array<{ statusCode: number; result: unknown }> };
    expect(body.hasErrors).toBe(true);
    expect(body.results.map((r) => r.statusCode)).toEqual([201, 404, 412]);
    expect(body.results[2]?.result).toEqual([
      { errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' },
    ]);
    const noHalt = await api('POST', '/composite/batch', {
      batchRequests: [
        { method: 'GET', url: 'v62.0/sobjects/Account/001000000000000AAA' },
        { method: 'GET', url: 'v62.0/limits' },
      ],
    });
    expect(
      (noHalt.json as { results: Array<{ statusCode: number }> }).results.map((r) => r.statusCode),
    ).toEqual([404, 200]);
    const tooMany = await api('POST', '/composite/batch', {
      batchRequests: Array.from({ length: 26 }, () => ({ method: 'GET', url: 'v62.0/limits' })),
    });
    expect(tooMany.status).toBe(400);
  });
});

describe('sObject tree', () => {
  it('creates nested records and returns every referenceId', async () => {
    const res = await api('POST', '/composite/tree/Account', {
      records: [
        {
          attributes: { type: 'Account', referenceId: 'acc1' },
          Name: 'Tree Co',
          Contacts: {
            records: [
              { attributes: { type: 'Contact', referenceId: 'c1' }, LastName: 'Leaf 1' },
              { attributes: { type: 'Contact', referenceId: 'c2' }, LastName: 'Leaf 2' },
            ],
          },
        },
        { attributes: { type: 'Account', referenceId: 'acc2' }, Name: 'Tree Co 2' },
      ],
    });
    expect(res.status).toBe(201);
    const body = res.json as { hasErrors: boolean; results: Array<{ referenceId: string; id: string }> };
    expect(body.hasErrors).toBe(false);
    expect(body.results.map((r) => r.referenceId)).toEqual(['acc1', 'c1', 'c2', 'acc2']);
    const acc1 = body.results[0]?.id;
    expect(count(`SELECT Id FROM Contact WHERE AccountId = '${acc1}'`)).toBe(2);
  });

  it('is all or nothing: 400 with the failed records only', async () => {
    const before = count('SELECT Id FROM Account');
    const res = await api('POST', '/composite/tree/Account', {
      records: [
        {
          attributes: { type: 'Account', referenceId: 'ok' },
          Name: 'Tree rollback',
          Contacts: {
            records: [{ attributes: { type: 'Contact', referenceId: 'broken' }, FirstName: 'no last name' }],
          },
        },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      hasErrors: true,
      results: [
        {
          referenceId: 'broken',
          errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: anyString, fields: ['LastName'] }],
        },
      ],
    });
    expect(count('SELECT Id FROM Account')).toBe(before);
  });

  it('validates references and types', async () => {
    const dup = await api('POST', '/composite/tree/Account', {
      records: [
        { attributes: { type: 'Account', referenceId: 'same' }, Name: 'a' },
        { attributes: { type: 'Account', referenceId: 'same' }, Name: 'b' },
      ],
    });
    expect(dup.status).toBe(400);
    const wrongType = await api('POST', '/composite/tree/Account', {
      records: [{ attributes: { type: 'Contact', referenceId: 'x' }, LastName: 'a' }],
    });
    expect(wrongType.status).toBe(400);
  });
});
