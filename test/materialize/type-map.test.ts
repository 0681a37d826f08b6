import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fieldOf, fromDescribe } from '../../src/core/sobject-model.js';
import { columnTypeOf, mirrorColumns, toColumnValue, utcTimestamp } from '../../src/core/type-map.js';
import { ConfigError, RecordError } from '../../src/errors/index.js';
import { mirrorTableDdl } from '../../src/materialize/index.js';
import { widgetColumnTypes, widgetDescribe } from './fixtures/widget-describe.js';

const accountDescribe: unknown = JSON.parse(
  readFileSync(new URL('./fixtures/account-describe.json', import.meta.url), 'utf8'),
);

describe('fromDescribe', () => {
  it('keeps what Ferry uses from a real (emulator) describe', () => {
    const account = fromDescribe(accountDescribe);
    expect(account.name).toBe('Account');
    const city = fieldOf(account, 'billingcity');
    expect(city).toMatchObject({
      name: 'BillingCity',
      type: 'string',
      length: 80,
      compoundFieldName: 'BillingAddress',
    });
    expect(fieldOf(account, 'ParentId')).toMatchObject({
      referenceTo: ['Account'],
      relationshipName: 'Parent',
    });
    expect(fieldOf(account, 'Ferry_Id__c')?.externalId).toBe(true);
    expect(Object.isFrozen(account.fields)).toBe(true);
  });

  it('rejects a malformed describe with a ConfigError naming the object', () => {
    const bad = { name: 'Invoice__c', fields: [{ name: 'Amount__c' }] };
    expect(() => fromDescribe(bad)).toThrow(ConfigError);
    expect(() => fromDescribe(bad)).toThrow(/Invoice__c.*fields\.0\.type/);
    expect(() => fromDescribe(null)).toThrow(/\(unnamed object\)/);
  });

  it('rejects duplicate field names', () => {
    const dup = {
      name: 'X__c',
      fields: [widgetDescribe.fields[1], { ...widgetDescribe.fields[1], name: 'NAME' }],
    };
    expect(() => fromDescribe(dup)).toThrow(/Name twice|NAME twice/);
  });
});

describe('type map', () => {
  const widget = fromDescribe(widgetDescribe);

  it('maps every describe type to its column type; compound and base64 fields get none', () => {
    const columns = Object.fromEntries(mirrorColumns(widget).map((c) => [c.column, c.type]));
    expect(columns).toEqual(widgetColumnTypes);
    for (const skipped of ['Blob__c', 'Spot__c', 'Mailing__c']) {
      expect(columnTypeOf(fieldOf(widget, skipped)!)).toBeNull();
    }
    // Id, IsDeleted and SystemModstamp are system columns, not data columns.
    expect(columns).not.toHaveProperty('id');
    expect(columns).not.toHaveProperty('isdeleted');
  });

  it('Account: address components are columns, the compound address is not', () => {
    const ddl = mirrorTableDdl(fromDescribe(accountDescribe), 'salesforce');
    expect(ddl).toContain('"billingcity" varchar(80)');
    expect(ddl).toContain('"billinglatitude" numeric');
    expect(ddl).toContain('"annualrevenue" numeric');
    expect(ddl).toContain('"tier__c" text');
    expect(ddl).not.toContain('"billingaddress"');
    expect(ddl).toContain('CREATE UNIQUE INDEX IF NOT EXISTS "hcu_idx_account_sfid"');
    expect(ddl).toContain('CREATE INDEX IF NOT EXISTS "hc_idx_account_systemmodstamp"');
  });

  it('converts captured values to column values', () => {
    const at = { object: 'Widget__c', sfid: 'a01000000000000001' };
    const v = (name: string, value: Parameters<typeof toColumnValue>[1]): unknown =>
      toColumnValue(fieldOf(widget, name)!, value, at);
    expect(v('Seen__c', '2024-03-01T10:20:30.123Z')).toBe('2024-03-01 10:20:30.123');
    expect(v('Seen__c', '2024-03-01T12:20:30.000+02:00')).toBe('2024-03-01 10:20:30.000');
    expect(v('Opens__c', '09:30:00.000Z')).toBe('09:30:00.000');
    expect(v('Due__c', '2024-02-29')).toBe('2024-02-29');
    expect(v('Active__c', true)).toBe(true);
    expect(v('Active__c', 'false')).toBe(false);
    expect(v('Price__c', 12.5)).toBe(12.5);
    expect(v('Price__c', '12345678901234567.89')).toBe('12345678901234567.89');
    expect(v('Big__c', 9007199254740991)).toBe(9007199254740991);
    expect(v('Big__c', '9007199254740993')).toBe('9007199254740993');
    expect(v('Tags__c', 'a;b')).toBe('a;b');
    expect(v('Name', null)).toBeNull();
    expect(v('Name', undefined)).toBeNull();
    expect(() => v('Active__c', 'yes')).toThrow(RecordError);
    expect(() => v('Count__c', 'ten')).toThrow(/Widget__c\.Count__c of record a01000000000000001/);
    expect(() => v('Seen__c', '2024-03-01T10:20:30')).toThrow(RecordError);
    expect(() => v('Name', { street: 'x' })).toThrow(RecordError);
  });

  it('utcTimestamp keeps the UTC wall-clock time', () => {
    expect(utcTimestamp('1999-12-31T23:59:59.999Z')).toBe('1999-12-31 23:59:59.999');
    expect(() => utcTimestamp('nope')).toThrow(RangeError);
  });
});
