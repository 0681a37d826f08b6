import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, InvariantError } from '../../src/errors/index.js';
import { loadMigrations, migrate, migration, type Migration } from '../../src/store/migrate.js';
import { createPool } from '../../src/store/pool.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrated: false });
  cleanup.push(db.drop);
  return db;
}

async function migratedDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  cleanup.push(db.drop);
  return db;
}

describe('loadMigrations', () => {
  it('finds the shipped files, numbered from 1 without gaps', async () => {
    const migrations = await loadMigrations();
    expect(migrations[0]).toMatchObject({ version: 1, name: 'foundation', file: '0001_foundation.sql' });
    migrations.forEach((m, i) => {
      expect(m.version).toBe(i + 1);
      expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  it('is copied next to the built code by scripts/copy-migrations.mjs', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ferry-migrations-'));
    cleanup.push(() => rm(out, { recursive: true, force: true }));
    await promisify(execFile)(process.execPath, ['scripts/copy-migrations.mjs', 'src/store/migrations', out]);
    const copied = await loadMigrations(pathToFileURL(`${out}/`));
    expect(copied).toEqual(await loadMigrations());
    expect(await readdir(out)).toEqual(copied.map((m) => m.file));
  });
});

describe('migrate', () => {
  it('applies every migration once and records it', async () => {
    const db = await emptyDatabase();
    const known = await loadMigrations();

    const first = await migrate(db.pool);
    expect(first.applied.map((m) => m.version)).toEqual(known.map((m) => m.version));
    expect(first.version).toBe(known.length);

    const second = await migrate(db.pool);
    expect(second).toEqual({ applied: [], version: known.length });

    const { rows } = await db.pool.query<{
      version: number;
      name: string;
      checksum: string;
      applied_at: Date;
    }>('SELECT version, name, checksum, applied_at FROM ferry.migrations ORDER BY version');
    expect(rows.map(({ version, name, checksum }) => ({ version, name, checksum }))).toEqual(
      known.map(({ version, name, checksum }) => ({ version, name, checksum })),
    );
    expect(rows[0]?.applied_at).toBeInstanceOf(Date);
  });

  it('serializes concurrent runs from two pools under the advisory lock', async () => {
    const db = await emptyDatabase();
    const known = await loadMigrations();
    // A slow extra migration widens the window in which the second runner must wait.
    const slow = migration(
      known.length + 1,
      'slow',
      `${String(known.length + 1).padStart(4, '0')}_slow.sql`,
      'SELECT pg_sleep(0.5); CREATE TABLE ferry.slow_marker (id integer);',
    );
    const migrations: Migration[] = [...known, slow];
    const pools = [createPool({ url: db.url, max: 1 }), createPool({ url: db.url, max: 1 })];
    cleanup.push(async () => {
      await Promise.all(pools.map((p) => p.end()));
    });

    const results = await Promise.all(pools.map((pool) => migrate(pool, { migrations })));

    const appliedCounts = results.map((r) => r.applied.length).sort();
    expect(appliedCounts).toEqual([0, migrations.length]);
    expect(results.map((r) => r.version)).toEqual([migrations.length, migrations.length]);
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ferry.migrations');
    expect(rows[0]?.n).toBe(migrations.length);
  });

  it('refuses a database migrated by a newer Ferry, naming both versions', async () => {
    const db = await migratedDatabase();
    const known = (await loadMigrations()).length;
    await db.pool.query("INSERT INTO ferry.migrations (version, name, checksum) VALUES ($1, 'future', 'x')", [
      known + 1,
    ]);

    const error = await migrate(db.pool).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'SCHEMA_TOO_NEW' });
    const { message, hint } = error as ConfigError;
    expect(message).toContain(`version ${known + 1}`);
    expect(message).toContain(`version ${known})`);
    expect(hint).toMatch(/Upgrade Ferry/);
  });

  it('detects an applied migration whose file changed', async () => {
    const db = await migratedDatabase();
    await db.pool.query("UPDATE ferry.migrations SET checksum = repeat('0', 64) WHERE version = 1");
    await expect(migrate(db.pool)).rejects.toSatisfy(
      (err) => err instanceof InvariantError && err.code === 'MIGRATION_CHECKSUM_MISMATCH',
    );
  });

  it('applies all pending migrations in one transaction: a failure leaves nothing behind', async () => {
    const db = await emptyDatabase();
    const known = await loadMigrations();
    const broken = migration(
      known.length + 1,
      'broken',
      'broken.sql',
      'CREATE TABLE ferry.ok (id int); SELECT 1/0;',
    );

    const error = await migrate(db.pool, { migrations: [...known, broken] }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvariantError);
    expect((error as InvariantError).message).toContain('broken.sql');
    expect((error as InvariantError).code).toBe('22012');

    const { rows } = await db.pool.query<{ ferry: string | null }>(
      "SELECT to_regnamespace('ferry')::text AS ferry",
    );
    expect(rows[0]?.ferry).toBeNull();
  });

  it('rejects a migration list with gaps', async () => {
    const db = await emptyDatabase();
    const [first] = await loadMigrations();
    if (!first) throw new Error('no migrations');
    await expect(
      migrate(db.pool, { migrations: [first, migration(3, 'gap', '0003_gap.sql', 'SELECT 1')] }),
    ).rejects.toThrow(InvariantError);
  });
});
