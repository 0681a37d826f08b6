import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InvariantError, UnrecoverableError } from '../../src/errors/index.js';
import {
  csvCell,
  encodeCsv,
  flattenRecord,
  type UploadRecord,
} from '../../src/salesforce/bulk/csv-encode.js';
import { parseCsv } from '../../src/salesforce/bulk/csv-read.js';
import { parseBulkError, toFailure, toSuccess } from '../../src/salesforce/bulk/ingest-results.js';

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('Bulk CSV encoding', () => {
  it('writes the header from the first record and #N/A for null', async () => {
    const { stream, stats } = encodeCsv([
      { Name: 'Acme, Inc.', Phone: null, Active__c: true, Amount__c: 12.5 },
      { Name: 'Say "hi"\nthere', Phone: '', Active__c: false, Amount__c: 0 },
      { Name: 'Skip', Active__c: false },
    ]);
    const csv = await text(stream);
    expect(csv).toBe(
      'Name,Phone,Active__c,Amount__c\n' +
        '"Acme, Inc.",#N/A,true,12.5\n' +
        '"Say ""hi""\nthere",#N/A,false,0\n' +
        'Skip,,false,\n',
    );
    expect(stats.records).toBe(3);
    expect(stats.bytes).toBe(Buffer.byteLength(csv));
  });

  it('streams from an async iterable with given columns and CRLF', async () => {
    async function* gen(): AsyncGenerator<UploadRecord> {
      yield { Id: '001000000000001AAA', Name: 'a' };
      await Promise.resolve();
      yield { Id: '001000000000002AAA' };
    }
    const { stream } = encodeCsv(gen(), { columns: ['Id', 'Name'], lineEnding: 'CRLF' });
    expect(await text(stream)).toBe('Id,Name\r\n001000000000001AAA,a\r\n001000000000002AAA,\r\n');
  });

  it('flattens parent references by external id into dotted columns', async () => {
    expect(
      flattenRecord({
        attributes: { type: 'Contact' },
        LastName: 'L',
        Account: { Ext__c: 'A-1', attributes: {} },
      }),
    ).toEqual({ LastName: 'L', 'Account.Ext__c': 'A-1' });
    const { stream } = encodeCsv([{ LastName: 'L', Account: { Ext__c: 'A-1' } }]);
    expect(await text(stream)).toBe('LastName,Account.Ext__c\nL,A-1\n');
  });

  it('encodes dates, bigints and multipicklists', () => {
    expect(csvCell(new Date(Date.UTC(2024, 4, 1, 12)), 'x')).toBe('2024-05-01T12:00:00.000Z');
    expect(csvCell(12345678901234567890n, 'x')).toBe('12345678901234567890');
    expect(csvCell(['A', 'B'], 'x')).toBe('A;B');
    expect(csvCell(undefined, 'x')).toBe('');
    expect(() => csvCell(Number.NaN, 'x')).toThrow(InvariantError);
    expect(() => csvCell(Symbol('s'), 'x')).toThrow(InvariantError);
  });

  it('fails when a later record has a column missing from the header', async () => {
    const { stream } = encodeCsv([{ A: 1 }, { A: 2, B: 3 }]);
    await expect(text(stream)).rejects.toThrow(/field B, which is not in the CSV header/);
  });

  it('rejects bad column names and oversize uploads', async () => {
    const bad = encodeCsv([{ 'Name,Evil': 1 }]);
    await expect(text(bad.stream)).rejects.toThrow(/not a valid Salesforce field/);
    const big = encodeCsv(
      Array.from({ length: 100 }, (_, i) => ({ Name: `record number ${i}` })),
      { maxBytes: 200 },
    );
    await expect(text(big.stream)).rejects.toBeInstanceOf(UnrecoverableError);
  });

  it('propagates errors thrown by the record source', async () => {
    async function* gen(): AsyncGenerator<UploadRecord> {
      yield { A: 1 };
      await Promise.resolve();
      throw new Error('source broke');
    }
    await expect(text(encodeCsv(gen()).stream)).rejects.toThrow('source broke');
  });
});

describe('Bulk CSV reading', () => {
  it('parses rows with the header, empty cells as null', async () => {
    const body = Readable.from([
      '"Id","Name","Account.Name"\n"001A","Acme",""\n',
      '"001B","Say ""hi""\nthere","X"\n',
    ]);
    expect(await collect(parseCsv(body))).toEqual([
      { Id: '001A', Name: 'Acme', 'Account.Name': null },
      { Id: '001B', Name: 'Say "hi"\nthere', 'Account.Name': 'X' },
    ]);
  });

  it('can keep empty cells as text', async () => {
    const body = Readable.from(['A,B\n,#N/A\n']);
    expect(await collect(parseCsv(body, { emptyAsNull: false }))).toEqual([{ A: '', B: '#N/A' }]);
  });

  it('yields nothing for a header-only page and stops the source when the consumer stops', async () => {
    expect(await collect(parseCsv(Readable.from(['Id,Name\n'])))).toEqual([]);
    const body = Readable.from(['Id\n', '1\n', '2\n', '3\n']);
    for await (const row of parseCsv(body)) {
      expect(row).toEqual({ Id: '1' });
      break;
    }
    expect(body.destroyed).toBe(true);
  });
});

describe('Bulk ingest results', () => {
  it('parses sf__Error into statusCode, message and fields', () => {
    expect(
      parseBulkError('REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --'),
    ).toEqual({
      statusCode: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [LastName]',
      fields: ['LastName'],
    });
    expect(parseBulkError('FIELD_CUSTOM_VALIDATION_EXCEPTION:Amount must be positive:--')).toEqual({
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'Amount must be positive',
      fields: [],
    });
    expect(
      parseBulkError(
        'DUPLICATE_VALUE:duplicate value found: Ext__c duplicates value on record with id: 001x:Ext__c,Name --',
      ),
    ).toEqual({
      statusCode: 'DUPLICATE_VALUE',
      message: 'duplicate value found: Ext__c duplicates value on record with id: 001x',
      fields: ['Ext__c', 'Name'],
    });
    expect(parseBulkError('INVALID_FIELD: no such field')).toEqual({
      statusCode: 'INVALID_FIELD',
      message: 'no such field',
      fields: [],
    });
    expect(parseBulkError('something odd')).toEqual({
      statusCode: 'UNKNOWN_EXCEPTION',
      message: 'something odd',
      fields: [],
    });
  });

  it('splits sf__ columns from the original record', () => {
    expect(toSuccess({ sf__Id: '001A', sf__Created: 'true', Name: 'x' })).toEqual({
      id: '001A',
      created: true,
      record: { Name: 'x' },
    });
    expect(toFailure({ sf__Id: '', sf__Error: 'X:y:--', Name: 'x' })).toEqual({
      id: null,
      error: { statusCode: 'X', message: 'y', fields: [] },
      record: { Name: 'x' },
    });
  });
});
