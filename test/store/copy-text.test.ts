import { describe, expect, it } from 'vitest';
import { InvariantError, RecordError } from '../../src/errors/index.js';
import { encodeCopyRow, encodeCopyValue } from '../../src/store/copy-text.js';

describe('COPY text encoding', () => {
  it('writes NULL as \\N and escapes the characters COPY treats specially', () => {
    expect(encodeCopyValue(null)).toBe('\\N');
    expect(encodeCopyValue(undefined)).toBe('\\N');
    expect(encodeCopyValue('\\N')).toBe('\\\\N');
    expect(encodeCopyValue('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(encodeCopyValue('')).toBe('');
    expect(encodeCopyValue('ünï 🚀')).toBe('ünï 🚀');
  });

  it('spells scalars the way Postgres reads them', () => {
    expect(encodeCopyValue(true)).toBe('t');
    expect(encodeCopyValue(false)).toBe('f');
    expect(encodeCopyValue(-1.5)).toBe('-1.5');
    expect(encodeCopyValue(-0)).toBe('-0');
    expect(encodeCopyValue(Number.NaN)).toBe('NaN');
    expect(encodeCopyValue(-Infinity)).toBe('-Infinity');
    expect(encodeCopyValue(2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(encodeCopyValue(new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 7)))).toBe('2024-02-29T23:59:59.007Z');
    expect(encodeCopyValue(Buffer.from([0, 255, 16]))).toBe('\\\\x00ff10');
  });

  it('writes objects and arrays as escaped JSON', () => {
    expect(encodeCopyValue({ a: 'x\ty', b: [1, null] })).toBe('{"a":"x\\\\ty","b":[1,null]}');
  });

  it('rejects what Postgres cannot store, naming row and column', () => {
    expect(() => encodeCopyRow(['ok', 'nul\0'], ['a', 'b'], 7)).toThrow(RecordError);
    expect(() => encodeCopyRow(['ok', 'nul\0'], ['a', 'b'], 7)).toThrow(/row 7, column b/);
    expect(() => encodeCopyValue(new Date(Number.NaN))).toThrow(RecordError);
    expect(() => encodeCopyRow([1], ['a', 'b'], 1)).toThrow(InvariantError);
    expect(() => encodeCopyValue(Symbol('s'))).toThrow(InvariantError);
  });
});
