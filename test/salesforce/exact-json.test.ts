import { describe, expect, it } from 'vitest';
import { parseJsonExact, quoteLongNumbers } from '../../src/salesforce/http/exact-json.js';

describe('parseJsonExact', () => {
  it('keeps every digit of numbers beyond 15 significant digits, as strings', () => {
    const text =
      '{"totalSize":2,"records":[{"Big__c":123456789012345678,"Amount":1234567890123456.78,"Small":42.5,"Neg":-0.0000001234567890123456}]}';
    expect(parseJsonExact(text)).toEqual({
      totalSize: 2,
      records: [
        {
          Big__c: '123456789012345678',
          Amount: '1234567890123456.78',
          Small: 42.5,
          Neg: '-0.0000001234567890123456',
        },
      ],
    });
  });

  it('never touches text inside strings, escaped quotes included', () => {
    const text = '{"Description":"ratio:12345678901234567890 \\"9999999999999999999\\"","N":1}';
    expect(quoteLongNumbers(text)).toBe(text);
    expect(parseJsonExact(text)).toEqual(JSON.parse(text));
  });

  it('parses ordinary JSON exactly like JSON.parse', () => {
    const text = '{"a":[1,2.5,-3e5,0.1,true,null,"x"],"b":{"c":"2024-05-01T10:00:00.000+0000"}}';
    expect(parseJsonExact(text)).toEqual(JSON.parse(text));
  });
});
