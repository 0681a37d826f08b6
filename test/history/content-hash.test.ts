import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../../src/history/index.js';

describe('content hash', () => {
  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('equal content in any key order hashes equal; op and values matter', () => {
    const a = contentHash('upsert', { Name: 'Acme', Phone: null });
    expect(contentHash('upsert', { Phone: null, Name: 'Acme' }).equals(a)).toBe(true);
    expect(contentHash('delete', { Name: 'Acme', Phone: null }).equals(a)).toBe(false);
    expect(contentHash('upsert', { Name: 'Acme' }).equals(a)).toBe(false);
    expect(a).toHaveLength(32);
  });
});
