import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/store/migrate.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();

describe('createPool', () => {
  it('connects as application ferry, in UTC, to a migrated database', async () => {
    const { rows } = await db().pool.query<{ app: string; tz: string; version: number }>(
      "SELECT current_setting('application_name') AS app, current_setting('TimeZone') AS tz, (SELECT max(version) FROM ferry.migrations) AS version",
    );
    const newest = (await loadMigrations()).at(-1)!.version;
    expect(rows[0]).toEqual({ app: 'ferry', tz: 'UTC', version: newest });
  });

  it('reads timestamp without time zone as UTC', async () => {
    const { rows } = await db().pool.query<{ ts: Date; inf: unknown }>(
      "SELECT '2024-03-01 10:20:30.123'::timestamp AS ts, 'infinity'::timestamp AS inf",
    );
    expect(rows[0]?.ts.toISOString()).toBe('2024-03-01T10:20:30.123Z');
    expect(rows[0]?.inf).toBe(Infinity);
  });
});
