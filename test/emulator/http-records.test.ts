/**
 * REST records over raw HTTP: CRUD by Id, external ids (upsert 201/200, 300 on ambiguity),
 * getUpdated/getDeleted, and the error shapes of bad bodies (salesforce-wire.md §2.3, §2.6).
 */
import { describe, expect, it } from 'vitest';
import { V, containing, useEmulator, type Json } from './support/rest-client.js';

const { emu, api } = useEmulator({ seed: 'demo' });

describe('record CRUD', () => {
  it('creates, retrieves, updates and deletes', async () => {
    const created = await api('POST', '/sobjects/Account', { Name: 'REST Co', Phone: '555' });
    expect(created.status).toBe(201);
    const { id } = created.json as { id: string };
    expect(created.json).toEqual({ id, success: true, errors: [] });

    const got = await api('GET', `/sobjects/Account/${id}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      attributes: { type: 'Account', url: `${V}/sobjects/Account/${id}` },
      Id: id,
      Name: 'REST Co',
      Phone: '555',
    });
    expect(got.json).toHaveProperty('Fax', null);
    const some = await api('GET', `/sobjects/Account/${id}?fields=Name,Phone`);
    expect(Object.keys(some.json as Json).sort()).toEqual(['Name', 'Phone', 'attributes']);

    const patched = await api('PATCH', `/sobjects/Account/${id}`, { Phone: null, Name: 'REST Co 2' });
    expect(patched.status).toBe(204);
    expect(patched.text).toBe('');
    expect((await api('GET', `/sobjects/Account/${id}`)).json).toMatchObject({
      Name: 'REST Co 2',
      Phone: null,
    });

    // POST with ?_HttpMethod=PATCH is the REST API's override for clients without PATCH.
    const overridden = await api('POST', `/sobjects/Account/${id}?_HttpMethod=PATCH`, { Name: 'REST Co 3' });
    expect(overridden.status).toBe(204);

    expect((await api('DELETE', `/sobjects/Account/${id}`)).status).toBe(204);
    const again = await api('DELETE', `/sobjects/Account/${id}`);
    expect(again.status).toBe(404);
    expect((again.json as Json[])[0]?.['errorCode']).toBe('ENTITY_IS_DELETED');
    const gone = await api('GET', `/sobjects/Account/${id}`);
    expect(gone.status).toBe(404);
    expect((gone.json as Json[])[0]?.['errorCode']).toBe('ENTITY_IS_DELETED');
  });

  it('reports validation failures as REST error arrays', async () => {
    const res = await api('POST', '/sobjects/Contact', { FirstName: 'No last name' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual([
      {
        message: containing('Required fields are missing'),
        errorCode: 'REQUIRED_FIELD_MISSING',
        fields: ['LastName'],
      },
    ]);
    const badField = await api('POST', '/sobjects/Account', { Name: 'x', Nope__c: 1 });
    expect(badField.status).toBe(400);
    expect((badField.json as Json[])[0]?.['errorCode']).toBe('INVALID_FIELD');
    const unknownId = await api('GET', '/sobjects/Account/001000000000000AAA');
    expect(unknownId.status).toBe(404);
  });

  it('answers malformed JSON with 400 JSON_PARSER_ERROR', async () => {
    for (const body of ['{"Name": ', '', '[1,2]']) {
      const res = await api('POST', '/sobjects/Account', body, { 'Content-Type': 'application/json' });
      expect(res.status).toBe(400);
      expect((res.json as Json[])[0]?.['errorCode']).toBe('JSON_PARSER_ERROR');
    }
  });
});

describe('external ids', () => {
  it('upserts 201 then 200 with created, and reads by external id', async () => {
    const first = await api('PATCH', '/sobjects/Account/Ferry_Id__c/ext-1', { Name: 'Ext One' });
    expect(first.status).toBe(201);
    const { id } = first.json as { id: string };
    expect(first.json).toEqual({ id, success: true, errors: [], created: true });
    const second = await api('PATCH', '/sobjects/Account/Ferry_Id__c/ext-1', { Name: 'Ext One!' });
    expect(second.status).toBe(200);
    expect(second.json).toEqual({ id, success: true, errors: [], created: false });
    const got = await api('GET', '/sobjects/Account/Ferry_Id__c/ext-1');
    expect(got.json).toMatchObject({ Id: id, Name: 'Ext One!', Ferry_Id__c: 'ext-1' });
    // Before API 46.0 an update answered 204.
    expect(
      (await api('PATCH', '/services/data/v45.0/sobjects/Account/Ferry_Id__c/ext-1', { Name: 'v45' })).status,
    ).toBe(204);
  });

  it('answers 300 when several records match, 404 for unknown fields or values', async () => {
    await api('POST', '/sobjects/Contact', { LastName: 'Twin', Email: 'twin@example.com' });
    await api('POST', '/sobjects/Contact', { LastName: 'Twin', Email: 'twin@example.com' });
    const account = (await api('POST', '/sobjects/Account', { Name: 'Holder' })).json as { id: string };
    expect(account.id).toBeTruthy();
    const notExternal = await api('GET', '/sobjects/Contact/Email/twin@example.com');
    expect(notExternal.status).toBe(404);
    expect((notExternal.json as Json[])[0]?.['message']).toContain(
      'Provided external ID field does not exist',
    );
    // Username is an idLookup field: usable in the URL.
    const user = await api('GET', `/sobjects/User/Username/${emu.username}`);
    expect(user.status).toBe(200);
    expect(user.json).toMatchObject({ Id: emu.org.identity.userId });
    expect((await api('GET', '/sobjects/Account/Ferry_Id__c/no-such-value')).status).toBe(404);
    const onlyUpdate = await api('PATCH', '/sobjects/Account/Ferry_Id__c/ext-new?updateOnly=true', {
      Name: 'x',
    });
    expect(onlyUpdate.status).toBe(404);
  });

  it('lists the candidates with 300 on an ambiguous upsert', async () => {
    emu.org.addField('Contact', { name: 'Legacy_Code__c', type: 'string', length: 20, externalId: true });
    await api('POST', '/sobjects/Contact', { LastName: 'A', Legacy_Code__c: 'dup' });
    await api('POST', '/sobjects/Contact', { LastName: 'B', Legacy_Code__c: 'dup' });
    const res = await api('PATCH', '/sobjects/Contact/Legacy_Code__c/dup', { LastName: 'C' });
    expect(res.status).toBe(300);
    expect(res.json).toHaveLength(2);
    expect((res.json as string[])[0]).toMatch(new RegExp(`^${V}/sobjects/Contact/003`));
  });
});

describe('replication', () => {
  it('lists updated and deleted ids for a window', async () => {
    const now = emu.org.now().getTime();
    const created = (await api('POST', '/sobjects/Account', { Name: 'Replicated' })).json as { id: string };
    const start = encodeURIComponent(new Date(now - 60_000).toISOString().replace(/\.\d+Z$/, '+00:00'));
    const end = encodeURIComponent(new Date(now + 600_000).toISOString().replace(/\.\d+Z$/, '+00:00'));
    // Coverage ends at the last whole minute before now: let the clock pass the write's minute.
    emu.org.advanceClock(120_000);
    const updated = await api('GET', `/sobjects/Account/updated?start=${start}&end=${end}`);
    expect(updated.status).toBe(200);
    expect((updated.json as { ids: string[] }).ids).toContain(created.id);
    expect(updated.json).toHaveProperty('latestDateCovered');
    await api('DELETE', `/sobjects/Account/${created.id}`);
    emu.org.advanceClock(120_000);
    const deleted = await api('GET', `/sobjects/Account/deleted/?start=${start}&end=${end}`);
    expect(deleted.status).toBe(200);
    const body = deleted.json as {
      deletedRecords: Array<{ id: string; deletedDate: string }>;
      earliestDateAvailable: string;
    };
    expect(body.deletedRecords.map((d) => d.id)).toContain(created.id);
    expect(body.earliestDateAvailable).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
  });

  it('rejects missing or malformed dates', async () => {
    expect((await api('GET', '/sobjects/Account/updated')).status).toBe(400);
    const bad = await api('GET', '/sobjects/Account/updated?start=yesterday&end=today');
    expect(bad.status).toBe(400);
    expect((bad.json as Json[])[0]?.['errorCode']).toBe('INVALID_REPLICATION_DATE');
  });
});
