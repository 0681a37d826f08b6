import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { CONTENT_HASH_SQL } from '../../src/history/index.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();

async function hash(op: string, fields: unknown): Promise<Buffer> {
  const result = await db().pool.query<{ h: Buffer }>(
    `SELECT ${CONTENT_HASH_SQL('$1::text', '$2::jsonb')} AS h`,
    [op, JSON.stringify(fields)],
  );
  return result.rows[0]!.h;
}

describe('content hash', () => {
  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('equal content in any key order hashes equal; op and values matter', async () => {
    const a = await hash('upsert', { Name: 'Acme', Phone: null });
    expect((await hash('upsert', { Phone: null, Name: 'Acme' })).equals(a)).toBe(true);
    expect((await hash('delete', { Name: 'Acme', Phone: null })).equals(a)).toBe(false);
    expect((await hash('upsert', { Name: 'Acme' })).equals(a)).toBe(false);
    expect((await hash('upsert', { Name: 'Acme', Phone: '' })).equals(a)).toBe(false);
    expect(a).toHaveLength(32);
  });
});
