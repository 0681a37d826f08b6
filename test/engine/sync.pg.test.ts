import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Pool } from 'pg';
import { capture, type CaptureApi } from '../../src/capture/index.js';
import { main } from '../../src/cli/main.js';
import { clientOptionsFor, resolveConfig, type FerryConfig } from '../../src/config/ferry-config.js';
import {
  acquireSyncLock,
  readStatus,
  runSyncService,
  SyncEngine,
  type SyncStatus,
} from '../../src/engine/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ConfigError, TransientError } from '../../src/errors/index.js';
import { createLogger } from '../../src/log/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';
import { qualify } from '../../src/store/index.js';
import { createTestDatabase, useTestDatabase, type TestDatabase } from '../support/database.js';
import { emulatorEnv } from '../support/emulator-env.js';

const OBJECTS = ['Account', 'Contact', 'Opportunity', 'Lead', 'Case', 'Invoice__c'];
const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'warn' });

const db = useTestDatabase();
let emulator: RunningEmulator;
let client: SalesforceClient;

function configFor(url: string, extra: Record<string, string> = {}): FerryConfig {
  return resolveConfig({
    env: {
      ...emulatorEnv(emulator),
      FERRY_DATABASE_URL: url,
      FERRY_OBJECTS: OBJECTS.join(','),
      ...extra,
    },
  });
}

function engineFor(
  config: FerryConfig,
  pool: Pool,
  more: Partial<ConstructorParameters<typeof SyncEngine>[0]> = {},
) {
  return new SyncEngine({ config, pool, client, capture, logger, ...more });
}

/** Ids of the org's live records, read through the real client. */
async function orgIds(object: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of client.query(`SELECT Id FROM ${object}`).pages()) {
    for (const r of page.records) ids.push(String(r.Id));
  }
  return ids;
}

async function mirrorCount(pool: Pool, object: string): Promise<number> {
  const r = await pool.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${qualify('salesforce', object.toLowerCase())} WHERE isdeleted IS NOT TRUE`,
  );
  return Number(r.rows[0]?.n);
}

async function versionCount(pool: Pool): Promise<number> {
  const r = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ferry.record_versions`);
  return Number(r.rows[0]?.n);
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo' });
  client = new SalesforceClient({ ...clientOptionsFor(configFor(db().url)), logger });
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

describe('ferry sync --once', () => {
  it('mirrors the demo objects exactly', async () => {
    const cycles = await runSyncService(configFor(db().url), { once: true, logger });
    expect(cycles).toHaveLength(1);
    expect(cycles[0]?.state).toBe('succeeded');
    expect(cycles[0]?.errors).toEqual([]);
    expect(cycles[0]?.warning).toBeNull();
    for (const object of OBJECTS) {
      const ids = await orgIds(object);
      expect(ids.length).toBeGreaterThan(0);
      expect(await mirrorCount(db().pool, object), object).toBe(ids.length);
    }
    // Spot check: the first accounts' fields as the org has them.
    const page = await client
      .query('SELECT Id, Name, Industry, AnnualRevenue FROM Account ORDER BY Id LIMIT 5')
      .pages()
      .next();
    const records = page.value?.records ?? [];
    expect(records).toHaveLength(5);
    for (const r of records) {
      const row = await db().pool.query<{
        name: string;
        industry: string | null;
        annualrevenue: string | null;
      }>(`SELECT name, industry, annualrevenue::text FROM salesforce.account WHERE sfid = $1`, [r.Id]);
      expect(row.rows[0]?.name).toBe(r.Name);
      expect(row.rows[0]?.industry ?? null).toBe(r.Industry ?? null);
      expect(row.rows[0]?.annualrevenue === null ? null : Number(row.rows[0]?.annualrevenue)).toBe(
        (r.AnnualRevenue as number | null | undefined) ?? null,
      );
    }
    const states = await db().pool.query<{ object: string; state: string }>(
      `SELECT object, state FROM ferry.mappings ORDER BY object`,
    );
    expect(states.rows.map((r) => r.state)).toEqual(OBJECTS.map(() => 'incremental'));
  });

  it('a second --once stores no new versions', async () => {
    const before = await versionCount(db().pool);
    const cycles = await runSyncService(configFor(db().url), { once: true, logger });
    expect(cycles[0]?.state).toBe('succeeded');
    expect(cycles[0]?.versions).toBe(0);
    expect(await versionCount(db().pool)).toBe(before);
  });

  it('picks up a change made in the org on the next cycle', async () => {
    const [id] = await orgIds('Account');
    emulator.org.update('Account', [{ Id: id!, Name: 'Renamed by the engine test' }]);
    const cycles = await runSyncService(configFor(db().url), { once: true, logger });
    expect(cycles[0]?.versions).toBe(1);
    const row = await db().pool.query<{ name: string }>(
      `SELECT name FROM salesforce.account WHERE sfid = $1`,
      [id],
    );
    expect(row.rows[0]?.name).toBe('Renamed by the engine test');
  });

  it('a field added in the org becomes a column, filled on the next cycle', async () => {
    emulator.org.addField('Account', { name: 'Drift_Code__c', type: 'string', length: 20 });
    const [id] = await orgIds('Account');
    emulator.org.update('Account', [{ Id: id!, Drift_Code__c: 'D-1' }]);
    const cycles = await runSyncService(configFor(db().url), { once: true, logger });
    expect(cycles[0]?.errors).toEqual([]);
    const row = await db().pool.query<{ drift_code__c: string | null }>(
      `SELECT drift_code__c FROM salesforce.account WHERE sfid = $1`,
      [id],
    );
    expect(row.rows[0]?.drift_code__c).toBe('D-1');
  });

  it('an object failing transiently is recorded and backed off while the others go on', async () => {
    const config = configFor(db().url, { FERRY_OBJECTS: 'Account,Lead' });
    let fail = true;
    const flaky: CaptureApi = {
      ...capture,
      poll: (ctx, cursor) => {
        if (ctx.model.name === 'Account' && fail) {
          throw new TransientError('Salesforce is down for maintenance (test)', { code: 'TEST_503' });
        }
        return capture.poll(ctx, cursor);
      },
    };
    const engine = engineFor(config, db().pool, { capture: flaky, retryBaseMs: 60_000 });
    const first = await engine.runCycle();
    expect(first.errors.map((e) => e.object)).toEqual(['Account']);
    expect(first.objects.find((o) => o.object === 'Lead')?.phase).toBe('incremental');
    let status = await readStatus(db().pool);
    const account = status.objects.find((o) => o.object === 'Account');
    expect(account?.lastError).toMatch(/maintenance/);
    expect(account?.nextAttemptAt).not.toBeNull();
    // In backoff: skipped without a call.
    fail = false;
    const second = await engine.runCycle();
    expect(second.objects.find((o) => o.object === 'Account')?.skipped).toBe('backoff');
    // Backoff over: retried, error cleared.
    await db().pool.query(`UPDATE ferry.mappings SET next_attempt_at = now() WHERE object = 'Account'`);
    const third = await engine.runCycle();
    expect(third.errors).toEqual([]);
    status = await readStatus(db().pool);
    expect(status.objects.find((o) => o.object === 'Account')?.lastError).toBeNull();
  });

  it('a ConfigError stops the sync and the run is recorded as failed', async () => {
    const config = configFor(db().url, { FERRY_OBJECTS: 'Account' });
    const broken: CaptureApi = {
      ...capture,
      poll: () => {
        throw new ConfigError('The filter of Account is not valid SOQL (test)', { code: 'TEST_CONFIG' });
      },
    };
    await expect(engineFor(config, db().pool, { capture: broken }).runCycle()).rejects.toBeInstanceOf(
      ConfigError,
    );
    const run = await db().pool.query<{ state: string }>(
      `SELECT state FROM ferry.runs ORDER BY started_at DESC LIMIT 1`,
    );
    expect(run.rows[0]?.state).toBe('failed');
    // A good cycle clears the object's error again (the status test below expects none).
    await engineFor(config, db().pool).runCycle();
  });

  it('--reconcile tombstones records hard-deleted in the org', async () => {
    const config = configFor(db().url, { FERRY_OBJECTS: 'Lead' });
    const ids = await orgIds('Lead');
    const gone = ids.slice(0, 2);
    emulator.org.hardDelete(gone);
    const cycle = await engineFor(config, db().pool).runCycle({ reconcile: true });
    expect(cycle.errors).toEqual([]);
    const rows = await db().pool.query<{ sfid: string; isdeleted: boolean }>(
      `SELECT sfid, isdeleted FROM salesforce.lead WHERE sfid = ANY($1)`,
      [gone],
    );
    expect(rows.rows.map((r) => r.isdeleted)).toEqual([true, true]);
    expect(await mirrorCount(db().pool, 'Lead')).toBe(ids.length - 2);
  });

  it('ferry sync --once from the command line (credentials from env) exits 0', async () => {
    vi.stubEnv('FERRY_SF_LOGIN_URL', emulator.loginUrl);
    vi.stubEnv('FERRY_SF_USERNAME', emulator.username);
    vi.stubEnv('FERRY_SF_PASSWORD', emulator.password);
    vi.stubEnv('FERRY_SF_CLIENT_ID', emulator.clientId);
    vi.stubEnv('FERRY_SF_CLIENT_SECRET', emulator.clientSecret);
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await main(['node', 'ferry', 'sync', '--once', '--objects', 'Case', '--database-url', db().url]);
    } finally {
      spy.mockRestore();
      vi.unstubAllEnvs();
    }
    expect(code).toBe(0);
    expect(process.exitCode ?? 0).toBe(0);
    expect(writes.join('')).toMatch(/^Sync succeeded: \d+ records read, 0 new versions/);
    expect(writes.join('')).not.toContain(emulator.clientSecret);
  });

  it('ferry status --json shows each object, its rows, cursor and the API usage, no secrets', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await main(['node', 'ferry', 'status', '--json', '--database-url', db().url]);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(0);
    const out = writes.join('');
    expect(out).not.toContain(new URL(db().url).password || '\u0000');
    const status = JSON.parse(out) as SyncStatus;
    expect(status.objects.map((o) => o.object).sort()).toEqual([...OBJECTS].sort());
    for (const o of status.objects) {
      expect(o.state).toBe('incremental');
      expect(o.rows).toBe((await orgIds(o.object)).length);
      expect(o.cursor?.systemModstamp).toMatch(/^\d{4}-/);
      expect(o.lastPollAt).not.toBeNull();
      expect(o.lagSeconds).toBeGreaterThanOrEqual(0);
      expect(o.lastError).toBeNull();
    }
    expect(status.api?.used).toBeGreaterThan(0);
    expect(status.api?.max).toBeGreaterThan(status.api?.used ?? 0);
    expect(status.lastRun?.state).toBe('succeeded');
  });
});

describe('scenarios on a database of their own', () => {
  let other: TestDatabase & { drop: () => Promise<void> };
  beforeAll(async () => {
    other = await createTestDatabase();
  });
  afterAll(async () => {
    await other?.drop();
  });

  it('an initial load stopped after N batches resumes by Id and ends exact, no version twice', async () => {
    const config = configFor(other.url, { FERRY_OBJECTS: 'Contact' });
    const stop = new AbortController();
    let batches = 0;
    const first = engineFor(config, other.pool, {
      batchSize: 200,
      onBatch: () => {
        if (++batches === 3) stop.abort();
      },
    });
    const stopped = await first.runCycle({ signal: stop.signal });
    expect(stopped.state).toBe('cancelled');
    const partial = await mirrorCount(other.pool, 'Contact');
    expect(partial).toBe(600);
    const mapping = await other.pool.query<{ state: string }>(
      `SELECT state FROM ferry.mappings WHERE object = 'Contact'`,
    );
    expect(mapping.rows[0]?.state).toBe('initial');

    // A new process (new engine, new lease) resumes after the last applied Id.
    const read: number[] = [];
    const second = engineFor(config, other.pool, {
      batchSize: 200,
      owner: 'second',
      onBatch: (e) => {
        if (e.source === 'initial') read.push(e.records + e.tombstones);
      },
    });
    const resumed = await second.runCycle();
    expect(resumed.state).toBe('succeeded');
    const ids = await orgIds('Contact');
    expect(read.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(ids.length - partial);
    expect(await mirrorCount(other.pool, 'Contact')).toBe(ids.length);
    const dup = await other.pool.query(
      `SELECT sfid FROM ferry.record_versions WHERE object = 'Contact' GROUP BY sfid HAVING count(*) > 1`,
    );
    expect(dup.rowCount).toBe(0);
  });

  it('the governor ends a cycle cleanly with a warning when the API budget is spent', async () => {
    const config = configFor(other.url, { FERRY_OBJECTS: 'Opportunity', FERRY_API_BUDGET: '0.000001' });
    // A fresh client: no usage is known before its first call, so one batch goes through.
    const fresh = new SalesforceClient({ ...clientOptionsFor(config), logger });
    const cycle = await engineFor(config, other.pool, { batchSize: 200, client: fresh })
      .runCycle()
      .finally(() => fresh.close());
    expect(cycle.state).toBe('succeeded');
    expect(cycle.warning).toMatch(/API budget reached/);
    expect(cycle.records).toBe(200);
    const status = await readStatus(other.pool);
    expect(status.lastRun?.warning).toMatch(/API budget reached/);
    expect(status.objects.find((o) => o.object === 'Opportunity')?.state).toBe('initial');

    // Budget back: the load resumes and completes.
    const resumed = await engineFor(configFor(other.url, { FERRY_OBJECTS: 'Opportunity' }), other.pool, {
      batchSize: 200,
    }).runCycle();
    expect(resumed.warning).toBeNull();
    expect(await mirrorCount(other.pool, 'Opportunity')).toBe((await orgIds('Opportunity')).length);
  });

  it('a second sync on the same database and org refuses, or waits with --wait', async () => {
    const config = configFor(other.url, { FERRY_OBJECTS: 'Lead' });
    const held = await acquireSyncLock(other.pool, config);
    try {
      await expect(runSyncService(config, { once: true, logger })).rejects.toMatchObject({
        code: 'SYNC_ALREADY_RUNNING',
      });
      let waited = false;
      const waiting = acquireSyncLock(other.pool, config, { wait: true, onWait: () => (waited = true) });
      await new Promise((r) => setTimeout(r, 300));
      expect(waited).toBe(true);
      await held.release();
      const second = await waiting;
      await second.release();
    } finally {
      await held.release();
    }
  });
});
