import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { capture, type CaptureApi } from '../../src/capture/index.js';
import { main } from '../../src/cli/main.js';
import { resolveConfig, type FerryConfig } from '../../src/config/ferry-config.js';
import { formatStatus, readStatus, runSyncService, type CycleResult } from '../../src/engine/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ConfigError, TransientError } from '../../src/errors/index.js';
import { createLogger } from '../../src/log/index.js';
import { emulatorEnv } from '../support/emulator-env.js';
import { useTestDatabase } from '../support/database.js';

const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'silent' });
const db = useTestDatabase();
let emulator: RunningEmulator;

function loginEnv(): Record<string, string> {
  return {
    ...emulatorEnv(emulator),
  };
}

function configFor(objects: string, extra: Record<string, string> = {}): FerryConfig {
  return resolveConfig({
    env: { ...loginEnv(), FERRY_DATABASE_URL: db().url, FERRY_OBJECTS: objects, ...extra },
  });
}

/** Resolves once `predicate` holds (checked every 20 ms), or fails after `ms`. */
async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo' });
});

afterAll(async () => {
  await emulator?.close();
});

describe('ferry sync as a service', () => {
  it('retries a cycle that failed as a whole, and takes back a sync lock lost with its connection', async () => {
    const config = configFor('Lead', { FERRY_POLL_INTERVAL: '1s' });
    const stop = new AbortController();
    const cycles: CycleResult[] = [];
    const retries: { err: unknown; ms: number }[] = [];
    const service = runSyncService(config, {
      logger,
      signal: stop.signal,
      engine: { retryBaseMs: 50, cycleRetryMaxMs: 200 },
      onCycle: (c) => cycles.push(c),
      onRetry: (err, ms) => retries.push({ err, ms }),
    });
    let ended = false;
    void service.finally(() => (ended = true)).catch(() => undefined);
    try {
      await until(() => cycles.length >= 1, 'the first cycle');

      // 1. The runs table disappears: the cycle cannot even be recorded. The service must not end.
      await db().pool.query(`ALTER TABLE ferry.runs RENAME TO runs_away`);
      await until(() => retries.length >= 3, 'three retries');
      expect(ended).toBe(false);
      // Backoff: doubling from retryBaseMs, capped at cycleRetryMaxMs.
      expect(retries.slice(0, 3).map((r) => r.ms)).toEqual([50, 100, 200]);
      await db().pool.query(`ALTER TABLE ferry.runs_away RENAME TO runs`);
      const before = cycles.length;
      await until(() => cycles.length > before, 'a cycle after the table came back');
      expect(cycles.at(-1)?.state).toBe('succeeded');

      // 2. Every connection of the service is terminated (the sync lock's included).
      const retried = retries.length;
      const terminated = await db().pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      expect(terminated.rowCount).toBeGreaterThan(0);
      const after = cycles.length;
      await until(() => cycles.length > after + 1, 'two cycles after the connections were terminated');
      expect(retries.length).toBeGreaterThan(retried);
      expect(ended).toBe(false);
      // The lock is held again: another sync refuses.
      await expect(runSyncService(config, { once: true, logger })).rejects.toMatchObject({
        code: 'SYNC_ALREADY_RUNNING',
      });
    } finally {
      stop.abort();
      await service.catch(() => undefined);
      await db()
        .pool.query(`ALTER TABLE IF EXISTS ferry.runs_away RENAME TO runs`)
        .catch(() => undefined);
    }
    await expect(service).resolves.toBeDefined();
    // No run was left `running`.
    const running = await db().pool.query(`SELECT id FROM ferry.runs WHERE state = 'running'`);
    expect(running.rowCount).toBe(0);
  });

  it('a ConfigError still ends the service', async () => {
    const broken: CaptureApi = {
      ...capture,
      poll: () => {
        throw new ConfigError('The filter of Lead is not valid SOQL (test)', { code: 'TEST_CONFIG' });
      },
    };
    await expect(
      runSyncService(configFor('Lead', { FERRY_POLL_INTERVAL: '1s' }), {
        logger,
        capture: broken,
        signal: AbortSignal.timeout(20_000),
        engine: { retryBaseMs: 50 },
      }),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('a cycle in which an object failed', () => {
  it('is recorded as partial, shown by ferry status, and ferry sync --once exits 1', async () => {
    const flaky: CaptureApi = {
      ...capture,
      poll: (ctx, cursor) => {
        if (ctx.model.name === 'Case')
          throw new TransientError('Case is unavailable (test)', { code: 'TEST_503' });
        return capture.poll(ctx, cursor);
      },
    };
    const cycles = await runSyncService(configFor('Lead,Case'), { once: true, logger, capture: flaky });
    expect(cycles[0]?.state).toBe('partial');
    expect(cycles[0]?.errors.map((e) => e.object)).toEqual(['Case']);
    const status = await readStatus(db().pool);
    expect(status.lastRun?.state).toBe('partial');
    expect(status.lastRun?.error).toMatch(/^Case: .*unavailable/);
    expect(formatStatus(status)).toMatch(/Last run: sync-\S+ partial/);

    // Case now waits out its backoff: the next cycle skips it without a call, not even a describe.
    await fetch(`${emulator.url}/__emulator/calls`, { method: 'DELETE' });
    const next = await runSyncService(configFor('Lead,Case'), { once: true, logger, capture: flaky });
    expect(next[0]?.objects.find((o) => o.object === 'Case')?.skipped).toBe('backoff');
    expect(next[0]?.state).toBe('succeeded');
    const made = (await (await fetch(`${emulator.url}/__emulator/calls`)).json()) as {
      byEndpoint: Record<string, number>;
    };
    expect(made.byEndpoint['describe']).toBe(1);

    // From the command line: an object that cannot be read makes the run partial, exit code 1.
    await db().pool.query(`UPDATE ferry.mappings SET next_attempt_at = NULL`);
    await fetch(`${emulator.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        failNext: {
          count: 1,
          status: 400,
          errorCode: 'EXCEEDED_MAX_SIZE_REQUEST',
          match: '/sobjects/Case/describe',
        },
      }),
    });
    for (const [k, v] of Object.entries(loginEnv())) vi.stubEnv(k, v);
    const out: string[] = [];
    const spyOut = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await main([
        'node',
        'ferry',
        'sync',
        '--once',
        '--objects',
        'Lead,Case',
        '--database-url',
        db().url,
      ]);
    } finally {
      spyOut.mockRestore();
      spyErr.mockRestore();
      vi.unstubAllEnvs();
      await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' });
    }
    expect(out.join('')).toMatch(/Sync partial: /);
    expect(out.join('')).toMatch(/SYNC_PARTIAL/);
    expect(code).toBe(1);
    expect((await readStatus(db().pool)).lastRun?.state).toBe('partial');
  });
});
