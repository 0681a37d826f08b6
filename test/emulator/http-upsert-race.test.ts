/**
 * The `upsertRace` fault: upserts of an external id that already exists answer DUPLICATE_VALUE (as
 * two racing upserts do in Salesforce) for the next N such records, then upsert normally again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useEmulator, type Json } from './support/rest-client.js';

const { emu, api } = useEmulator({ seed: 'none' });

async function faults(body: unknown): Promise<number> {
  const res = await fetch(`${emu.url}/__emulator/faults`, {
    method: body === undefined ? 'DELETE' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await res.text();
  return res.status;
}

afterEach(async () => {
  await faults(undefined);
});

describe('upsertRace fault', () => {
  it('fails upserts of existing external ids with DUPLICATE_VALUE, N times, leaving new ones alone', async () => {
    const first = await api('PATCH', '/composite/sobjects/Account/Ferry_Id__c', {
      allOrNone: false,
      records: [{ attributes: { type: 'Account' }, Name: 'Acme', Ferry_Id__c: 'ext-1' }],
    });
    const [created] = first.json as Json[];
    expect(created).toMatchObject({ success: true, created: true });
    const id = created?.['id'] as string;

    expect(await faults({ upsertRace: { count: 1 } })).toBe(200);
    const raced = await api('PATCH', '/composite/sobjects/Account/Ferry_Id__c', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Account' }, Name: 'Acme 2', Ferry_Id__c: 'ext-1' },
        { attributes: { type: 'Account' }, Name: 'New', Ferry_Id__c: 'ext-2' },
      ],
    });
    const [dup, fresh] = raced.json as Json[];
    expect(dup).toMatchObject({
      success: false,
      errors: [
        {
          statusCode: 'DUPLICATE_VALUE',
          message: `duplicate value found: Ferry_Id__c duplicates value on record with id: ${id}`,
        },
      ],
    });
    expect(fresh).toMatchObject({ success: true, created: true });

    // Budget used up: the same upsert now updates the record.
    const again = await api('PATCH', '/composite/sobjects/Account/Ferry_Id__c', {
      allOrNone: false,
      records: [{ attributes: { type: 'Account' }, Name: 'Acme 3', Ferry_Id__c: 'ext-1' }],
    });
    expect((again.json as Json[])[0]).toMatchObject({ success: true, created: false, id });
  });
});
