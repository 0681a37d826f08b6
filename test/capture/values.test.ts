import { describe, expect, it } from 'vitest';
import type { FieldModel } from '../../src/core/sobject-model.js';
import { normalizeDatetime, normalizeValue } from '../../src/capture/values.js';
import { RecordError } from '../../src/errors/index.js';

function field(name: string, type: string): FieldModel {
  return {
    name,
    type,
    length: 0,
    precision: 0,
    scale: 0,
    digits: 0,
    nillable: true,
    calculated: false,
    externalId: false,
    idLookup: false,
    createable: true,
    updateable: true,
    custom: false,
    referenceTo: [],
    relationshipName: null,
    compoundFieldName: null,
  };
}

describe('normalizeValue', () => {
  it('gives REST JSON values and Bulk CSV text the same result', () => {
    const cases: [string, unknown, unknown, unknown][] = [
      ['currency', 1250.5, '1250.5', 1250.5],
      ['int', 42, '42', 42],
      ['percent', 7.25, '7.25', 7.25],
      ['boolean', true, 'true', true],
      ['boolean', false, 'false', false],
      ['datetime', '2024-05-01T10:11:12.000+0000', '2024-05-01T10:11:12.000Z', '2024-05-01T10:11:12.000Z'],
      ['date', '2024-05-01', '2024-05-01', '2024-05-01'],
      ['time', '10:11:12.000Z', '10:11:12.000Z', '10:11:12.000Z'],
      ['string', 'Acme', 'Acme', 'Acme'],
      ['multipicklist', 'A;B', 'A;B', 'A;B'],
      ['string', null, null, null],
      ['string', '', '', null],
      ['currency', null, '', null],
      ['currency', 1250.5, '1250.50', 1250.5],
      // Beyond 15 significant digits: exact decimal text (REST's arrive as strings: exact-json.ts).
      ['long', '123456789012345678', '123456789012345678', '123456789012345678'],
      ['currency', '1234567890123456.78', '1234567890123456.780', '1234567890123456.78'],
    ];
    for (const [type, rest, csv, expected] of cases) {
      const f = field('F__c', type);
      expect(normalizeValue(f, rest), `${type} REST ${String(rest)}`).toEqual(expected);
      expect(normalizeValue(f, csv), `${type} CSV ${String(csv)}`).toEqual(expected);
    }
  });

  it('converts offsets to UTC', () => {
    expect(normalizeDatetime('2024-05-01T10:00:00.000+0200')).toBe('2024-05-01T08:00:00.000Z');
    expect(normalizeDatetime('2024-05-01T10:00:00+02:00')).toBe('2024-05-01T08:00:00.000Z');
  });

  it('rejects a value that does not fit the type with a RecordError naming the field', () => {
    expect(() => normalizeValue(field('Amount__c', 'currency'), 'abc', '001000000000001AAA')).toThrow(
      RecordError,
    );
    expect(() => normalizeValue(field('Paid__c', 'boolean'), 'yes')).toThrow(/Paid__c/);
  });
});
