/** Log values → Salesforce fields: names, types, relationships by external id, unwritable fields. */
import { describe, expect, it } from 'vitest';
import { fromDescribe, type ObjectModel } from '../../src/core/sobject-model.js';
import { ExactNumber, stringifyExact } from '../../src/salesforce/http/exact-json.js';
import { exactValues } from '../../src/writeback/log-reader.js';
import { foldValues, isoUtc, toSalesforceFields } from '../../src/writeback/log-values.js';

const field = (name: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  type,
  createable: true,
  updateable: true,
  ...extra,
});

const account = fromDescribe({
  name: 'Account',
  fields: [field('Id', 'id'), field('Name', 'string'), field('Ferry_Id__c', 'string', { externalId: true })],
});
const task = fromDescribe({
  name: 'Task__c',
  fields: [
    field('Id', 'id'),
    field('Name', 'string'),
    field('Account__c', 'reference', { referenceTo: ['Account'], relationshipName: 'Account__r' }),
    field('Done__c', 'boolean'),
    field('Hours__c', 'double'),
    field('Due__c', 'date'),
    field('At__c', 'datetime'),
    field('Time__c', 'time'),
    field('Formula__c', 'string', { createable: false, updateable: false, calculated: true }),
    field('Locked__c', 'string', { createable: true, updateable: false }),
  ],
});
const lookup = (name: string): ObjectModel | undefined => (name === 'Account' ? account : undefined);

describe('toSalesforceFields', () => {
  it('maps columns to API names and values to Salesforce JSON', () => {
    const { fields, notWritable } = toSalesforceFields(
      task,
      {
        name: 'T',
        done__c: true,
        hours__c: 1.25,
        due__c: '2024-06-30',
        at__c: '2024-05-01T09:08:07.654',
        time__c: '13:30:00',
        formula__c: null,
        my_app_column: 'not a field',
      },
      'insert',
      lookup,
    );
    expect(notWritable).toEqual([]);
    expect(fields).toEqual({
      Name: 'T',
      Done__c: true,
      Hours__c: 1.25,
      Due__c: '2024-06-30',
      At__c: '2024-05-01T09:08:07.654Z',
      Time__c: '13:30:00.000Z',
    });
  });

  it('turns relationship external-id columns into nested parents, in the parent field casing', () => {
    const { fields } = toSalesforceFields(
      task,
      { account__c: null, account__c__r__ferry_id__c: 'p-1' },
      'insert',
      lookup,
    );
    expect(fields).toEqual({ Account__r: { Ferry_Id__c: 'p-1' } });
    // A null relationship column leaves the plain lookup as it is.
    expect(
      toSalesforceFields(
        task,
        { account__c: '001000000000001AAA', account__c__r__ferry_id__c: null },
        'update',
        lookup,
      ).fields,
    ).toEqual({ Account__c: '001000000000001AAA' });
  });

  it('sends numbers as JSON numbers, past 15 significant digits as their exact decimal text', () => {
    const { fields } = toSalesforceFields(task, { hours__c: '10.50' }, 'update', lookup);
    expect(fields).toEqual({ Hours__c: 10.5 });
    const long = toSalesforceFields(task, { hours__c: '-12345678901234567.891' }, 'update', lookup).fields;
    expect(long.Hours__c).toBeInstanceOf(ExactNumber);
    expect(stringifyExact(long)).toBe('{"Hours__c":-12345678901234567.891}');
    expect(toSalesforceFields(task, { hours__c: 1.25 }, 'update', lookup).fields).toEqual({ Hours__c: 1.25 });
    // Log values read with exactValues: long numbers arrive as text, the others as numbers.
    expect(exactValues('{"a": 123456789012345678, "b": 1.5, "c": "123456789012345678"}')).toEqual({
      a: '123456789012345678',
      b: 1.5,
      c: '123456789012345678',
    });
  });

  it('reports fields the operation may not write instead of dropping them', () => {
    expect(toSalesforceFields(task, { formula__c: 'x', name: 'n' }, 'insert', lookup).notWritable).toEqual([
      'Formula__c',
    ]);
    expect(toSalesforceFields(task, { locked__c: 'x' }, 'insert', lookup).notWritable).toEqual([]);
    expect(toSalesforceFields(task, { locked__c: null }, 'update', lookup).notWritable).toEqual([
      'Locked__c',
    ]);
  });
});

describe('helpers', () => {
  it('isoUtc reads UTC wall-clock and zoned times', () => {
    expect(isoUtc('2024-05-01 09:08:07')).toBe('2024-05-01T09:08:07.000Z');
    expect(isoUtc('2024-05-01T11:08:07+02:00')).toBe('2024-05-01T09:08:07.000Z');
  });

  it('foldValues keeps the last value per column', () => {
    expect(foldValues([{ a: 1, b: 1 }, null, { b: 2 }, { c: null }])).toEqual({ a: 1, b: 2, c: null });
  });
});
