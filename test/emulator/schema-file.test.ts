import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg } from '../../src/emulator/org/org.js';

// The example from docs/emulator.md ("Schema file").
const EXAMPLE = {
  objects: [
    {
      name: 'Shipment__c',
      keyPrefix: 'a0S',
      label: 'Shipment',
      fields: [
        { name: 'Name', type: 'string', length: 80, nameField: true },
        { name: 'Account__c', type: 'reference', referenceTo: ['Account'], relationshipName: 'Account__r' },
        { name: 'Tracking__c', type: 'string', length: 40, externalId: true, unique: true },
        { name: 'Weight__c', type: 'double', precision: 10, scale: 2, required: true },
        { name: 'Heavy__c', type: 'boolean', formula: 'Weight__c > 100' },
      ],
    },
    { name: 'Account', fields: [{ name: 'Region__c', type: 'picklist', picklistValues: ['EMEA', 'AMER'] }] },
  ],
};

describe('emulator schema file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-schema-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('adds objects and extends built-in ones, with working lookups, formulas and validation', async () => {
    const file = join(dir, 'schema.json');
    await writeFile(file, JSON.stringify(EXAMPLE));
    const org = await createOrg({ seed: 'demo', schemaFile: file });
    const shipment = org.schema.object('shipment__c')!;
    expect(shipment.keyPrefix).toBe('a0S');
    expect(shipment.fieldIndex.get('tracking__c')).toMatchObject({
      externalId: true,
      unique: true,
      idLookup: true,
    });
    expect(org.schema.object('Account')!.fieldIndex.get('region__c')?.picklistValues).toEqual([
      'EMEA',
      'AMER',
    ]);
    expect(org.schema.object('Account')!.fieldIndex.get('name')?.nillable).toBe(false);

    const account = org
      .openCursor(org.compile('SELECT Id FROM Account LIMIT 1'), { scanAll: false })
      .page(0, 1)[0]!;
    const [missing] = org.create('Shipment__c', [{ Name: 'S-0' }]);
    expect(missing!.errors[0]).toMatchObject({ statusCode: 'REQUIRED_FIELD_MISSING', fields: ['Weight__c'] });
    const [ok] = org.create('Shipment__c', [
      { Name: 'S-1', Weight__c: 150.123, Account__c: account.Id, Tracking__c: 'T1' },
    ]);
    expect(ok!.success).toBe(true);
    const rows = org
      .openCursor(
        org.compile(
          "SELECT Id, Heavy__c, Weight__c, Account__r.Name FROM Shipment__c WHERE Tracking__c = 't1'",
        ),
        { scanAll: false },
      )
      .page(0, 10);
    const q = org.compile('SELECT Heavy__c, Weight__c, Account__r.Name FROM Shipment__c');
    expect(rows).toHaveLength(1);
    const json = q.toJson(rows[0]!, org.ctx, '62.0');
    expect(json).toMatchObject({ Heavy__c: true, Weight__c: 150.12 });
    expect(typeof (json.Account__r as { Name?: unknown }).Name).toBe('string');
    expect(org.schema.childRelationships('Account').some((r) => r.childSObject === 'Shipment__c')).toBe(true);
  });

  it('names the file and the bad entry when the schema is invalid', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({ objects: [{ name: 'Bad__c', fields: [{ name: 'X__c', type: 'blob' }] }] }),
    );
    await expect(createOrg({ seed: 'none', schemaFile: file })).rejects.toThrow(
      /bad\.json is invalid: objects\.0\.fields\.0\.type/,
    );
  });
});
