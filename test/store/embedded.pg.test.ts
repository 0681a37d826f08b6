import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/index.js';
import { createLogger } from '../../src/log/index.js';
import { startEmbeddedPostgres } from '../../src/store/embedded.js';
import { loadMigrations } from '../../src/store/migrate.js';
import { openDatabase } from '../../src/store/open-database.js';

// Embedded Postgres is tested for itself, whatever server the other tests use.
const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'warn' });
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ferry-embedded-'));
  await chmod(root, 0o755); // the postgres OS user must enter it when we run as root
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function postmasterPid(dataDir: string): number {
  return Number.parseInt(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
}

describe('embedded Postgres', () => {
  it('keeps its data across stop and start, reusing the data directory', async () => {
    const dataDir = join(root, 'reuse');
    const first = await startEmbeddedPostgres({ dataDir, logger });
    const password = readFileSync(join(dataDir, 'ferry.password'), 'utf8');
    const pg = await import('pg');
    const write = new pg.default.Client({ connectionString: first.url() });
    await write.connect();
    await write.query("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
    await write.end();
    const pid = postmasterPid(dataDir);
    await first.stop();
    await first.stop(); // idempotent
    expect(alive(pid)).toBe(false);

    const second = await startEmbeddedPostgres({ dataDir, logger });
    try {
      expect(readFileSync(join(dataDir, 'ferry.password'), 'utf8')).toBe(password);
      const read = new pg.default.Client({ connectionString: second.url() });
      await read.connect();
      expect((await read.query('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
      await read.end();
    } finally {
      await second.stop();
    }
  });

  it('openDatabase: embedded by default, migrated, password kept out of printed output', async () => {
    const dataDir = join(root, 'open');
    const db = await openDatabase({ dataDir, logger });
    try {
      expect(db.embedded).toBe(true);
      expect(db.dataDir).toBe(dataDir);
      expect(db.schemaVersion).toBe((await loadMigrations()).length);
      const password = new URL(db.url).password;
      expect(password.length).toBeGreaterThan(20);
      expect(db.displayUrl).not.toContain(password);
      expect(db.displayUrl).toMatch(/^postgres:\/\/postgres:\[redacted\]@127\.0\.0\.1:\d+\/ferry$/);
      expect(JSON.stringify(db)).not.toContain(password);
      const { inspect } = await import('node:util');
      expect(inspect(db)).not.toContain(password);
      expect((await db.pool.query('SELECT current_database() AS db')).rows).toEqual([{ db: 'ferry' }]);
    } finally {
      await db.close();
      await db.close();
    }
    const again = await openDatabase({ dataDir, logger });
    try {
      expect(again.schemaVersion).toBe((await loadMigrations()).length);
      const { rows } = await again.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM ferry.migrations',
      );
      expect(rows[0]?.n).toBe(again.schemaVersion);
    } finally {
      await again.close();
    }
  });

  it('refuses a non-empty directory that is not a Postgres data directory', async () => {
    const dataDir = join(root, 'not-pg');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'notes.txt'), 'mine');
    await expect(startEmbeddedPostgres({ dataDir, logger })).rejects.toThrow(ConfigError);
  });

  it('reports a second server on the same data directory clearly', async () => {
    // Initialised by the first test: starting on an existing data directory is the common case.
    const dataDir = join(root, 'reuse');
    const first = await startEmbeddedPostgres({ dataDir, logger });
    try {
      await expect(startEmbeddedPostgres({ dataDir, logger })).rejects.toMatchObject({
        message: expect.stringContaining('already running') as unknown,
      });
    } finally {
      await first.stop();
    }
  });

  it('stops the server when the process gets SIGTERM', async () => {
    const dataDir = join(root, 'child');
    const child = runChild(dataDir, 'wait');
    await child.ready;
    const pid = postmasterPid(dataDir);
    expect(alive(pid)).toBe(true);
    child.process.kill('SIGTERM');
    const exit = await child.exit;
    expect(exit.signal).toBe('SIGTERM');
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
  });

  it('keeps the exit code the program chose when it ends by itself', async () => {
    const child = runChild(join(root, 'child'), 'drain');
    await child.ready;
    expect((await child.exit).code).toBe(3);
  });

  it('stops the server when the process ends without closing it, keeping its exit code', async () => {
    const dataDir = join(root, 'child');
    const child = runChild(dataDir, 'exit');
    await child.ready;
    const exit = await child.exit;
    expect(exit.code).toBe(3);
    // The exit hook only signals; Postgres finishes its fast shutdown on its own.
    await expect.poll(() => existsSync(join(dataDir, 'postmaster.pid')), { timeout: 20_000 }).toBe(false);
  });
});

function runChild(dataDir: string, mode: 'wait' | 'exit' | 'drain') {
  const script = new URL('./fixtures/embedded-child.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['node_modules/vite-node/vite-node.mjs', script, dataDir, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.includes('"ready":true')) resolve();
    });
    void exit.then((e) => reject(new Error(`child exited before ready: ${JSON.stringify(e)}`)));
  });
  return { process: child, ready, exit };
}
