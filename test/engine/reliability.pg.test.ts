import { afterEach, describe, expect, it } from 'vitest';
import { clientOptionsFor, resolveConfig } from '../../src/config/ferry-config.js';
import { runSyncService, SyncEngine } from '../../src/engine/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { capture } from '../../src/capture/index.js';
import { createLogger } from '../../src/log/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  control,
  duplicateVersions,
  ferryEnv,
  mirrorDifferences,
  runFerry,
  spawnFerry,
  waitFor,
} from './support/reliability.js';

const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'warn' });

interface World {
  emulator: RunningEmulator;
  db: TestDatabase & { drop: () => Promise<void> };
  client: SalesforceClient;
  env: (extra?: Record<string, string>) => Record<string, string>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function world(
  objects: readonly string[],
  options: Parameters<typeof startEmulator>[0] = {},
): Promise<World> {
  const emulator = await startEmulator({ port: 0, seed: 'demo', ...options });
  cleanups.push(() => emulator.close());
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const env = (extra: Record<string, string> = {}) => ferryEnv(emulator, db.url, objects, extra);
  const client = new SalesforceClient({
    ...clientOptionsFor(resolveConfig({ env: env() })),
    logger,
  });
  cleanups.push(() => client.close());
  return { emulator, db, client, env };
}

/** `ferry …` in the background, killed after the test if it is still running. */
function spawnTracked(args: readonly string[], env: Record<string, string>): ReturnType<typeof spawnFerry> {
  const p = spawnFerry(args, env);
  cleanups.push(async () => {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  });
  return p;
}

async function expectExact(w: World, objects: readonly string[]): Promise<void> {
  for (const object of objects) {
    expect(await mirrorDifferences(w.client, w.db.pool, object), object).toEqual([]);
  }
  expect(await duplicateVersions(w.db.pool)).toEqual([]);
}

async function count(w: World, sql: string): Promise<number> {
  const r = await w.db.pool.query<{ n: string }>(sql);
  return Number(r.rows[0]?.n);
}

async function someIds(w: World, object: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of w.client.query(`SELECT Id FROM ${object} ORDER BY Id LIMIT ${n}`).pages()) {
    for (const r of page.records) ids.push(String(r.Id));
  }
  return ids;
}

describe('reliability', () => {
  it('kill -9 during an initial load resumes to an exact mirror', { timeout: 120_000 }, async () => {
    const objects = ['Account'];
    const w = await world(objects, { seed: 'none', records: 20_000 });
    // Small REST batches so the load takes many committed batches.
    const env = w.env({ FERRY_BULK_THRESHOLD: '1000000' });
    const first = spawnTracked(['sync', '--once'], env);
    await waitFor(
      'the first batches to commit',
      async () => (await count(w, 'SELECT count(*) AS n FROM ferry.record_versions')) > 0,
      60_000,
      20,
    );
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    const partial = await count(w, 'SELECT count(*) AS n FROM ferry.record_versions');
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(20_000);
    const second = await runFerry(['sync', '--once'], env);
    expect(second.code, second.output).toBe(0);
    expect(await count(w, 'SELECT count(*) AS n FROM salesforce.account WHERE isdeleted IS NOT TRUE')).toBe(
      20_000,
    );
    await expectExact(w, objects);
  });

  it('kill -9 during polling loses nothing', { timeout: 120_000 }, async () => {
    const objects = ['Account', 'Contact'];
    const w = await world(objects);
    const load = await runFerry(['sync', '--once'], w.env());
    expect(load.code, load.output).toBe(0);
    const accounts = await someIds(w, 'Account', 30);
    const contacts = await someIds(w, 'Contact', 30);
    for (const [i, id] of accounts.entries()) {
      await control(w.emulator, 'PATCH', `/records/Account/${id}`, { fields: { Name: `Polled ${i}` } });
    }
    const service = spawnTracked(['sync'], w.env({ FERRY_POLL_INTERVAL: '1s' }));
    const runsBefore = await count(w, 'SELECT count(*) AS n FROM ferry.runs');
    // Keep changing records while it polls, then kill it in the middle of its work.
    for (const [i, id] of contacts.entries()) {
      await control(w.emulator, 'PATCH', `/records/Contact/${id}`, { fields: { LastName: `Polled ${i}` } });
      if (i === 10) {
        await waitFor(
          'a polling cycle',
          async () => (await count(w, 'SELECT count(*) AS n FROM ferry.runs')) > runsBefore,
          30_000,
        );
      }
    }
    // Slow every API answer so the kill lands inside a later cycle's poll (a run still 'running').
    const done = await count(w, `SELECT count(*) AS n FROM ferry.runs WHERE state <> 'running'`);
    await control(w.emulator, 'POST', '/faults', { latencyMs: 150 });
    await waitFor(
      'a poll in progress after a completed polling cycle',
      async () =>
        (await count(w, `SELECT count(*) AS n FROM ferry.runs WHERE state <> 'running'`)) > done &&
        (await count(w, `SELECT count(*) AS n FROM ferry.runs WHERE state = 'running'`)) > 0,
      30_000,
      20,
    );
    service.child.kill('SIGKILL');
    expect((await service.exited).signal).toBe('SIGKILL');
    await control(w.emulator, 'DELETE', '/faults');
    const again = await runFerry(['sync', '--once'], w.env());
    expect(again.code, again.output).toBe(0);
    await expectExact(w, objects);
  });

  it(
    'survives maintenance, expired sessions, lock errors and an exhausted limit',
    { timeout: 120_000 },
    async () => {
      const objects = ['Account', 'Contact', 'Opportunity'];
      const w = await world(objects);
      const config = resolveConfig({ env: w.env() });
      const engineClient = new SalesforceClient({ ...clientOptionsFor(config), logger });
      cleanups.push(() => engineClient.close());
      const engine = new SyncEngine({
        config,
        pool: w.db.pool,
        client: engineClient,
        capture,
        logger,
        retryBaseMs: 1,
      });
      const load = await engine.runCycle();
      expect(load.errors).toEqual([]);
      const ids = await someIds(w, 'Account', 20);
      for (const [i, id] of ids.entries()) {
        await control(w.emulator, 'PATCH', `/records/Account/${id}`, { fields: { Name: `Faulted ${i}` } });
      }
      await control(w.emulator, 'POST', '/faults', {
        maintenance: { durationMs: 1500 },
        expireSessions: true,
        failNext: { count: 2, status: 400, errorCode: 'UNABLE_TO_LOCK_ROW', match: '/query' },
      });
      // Cycles may fail objects while the faults last; a later cycle completes.
      let last = await engine.runCycle();
      for (let i = 0; i < 20 && last.errors.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 500));
        await w.db.pool.query('UPDATE ferry.mappings SET next_attempt_at = now()');
        last = await engine.runCycle();
      }
      expect(last.errors).toEqual([]);
      await expectExact(w, objects);

      // An exhausted daily limit ends the cycle with a warning, not a failure.
      const more = await someIds(w, 'Contact', 5);
      for (const [i, id] of more.entries()) {
        await control(w.emulator, 'PATCH', `/records/Contact/${id}`, {
          fields: { LastName: `Limited ${i}` },
        });
      }
      await control(w.emulator, 'POST', '/faults', { exhaustDailyLimit: true });
      const limited = await engine.runCycle();
      expect(limited.errors).toEqual([]);
      expect(limited.warning).toMatch(/REQUEST_LIMIT_EXCEEDED|limit/i);
      const status = await runFerry(['status', '--json'], w.env());
      expect(status.code, status.output).toBe(0);
      const parsed = JSON.parse(status.output) as { lastRun: { state: string; warning: string | null } };
      expect(parsed.lastRun.state).toBe('succeeded');
      expect(parsed.lastRun.warning).toBeTruthy();
      // Started while the limit is used up, the service waits for the budget instead of exiting as
      // misconfigured (exit 2 is for configuration problems only).
      const whileLimited = await runFerry(['sync', '--once'], w.env());
      expect(whileLimited.code, whileLimited.output).toBe(0);
      await control(w.emulator, 'DELETE', '/faults');
      await control(w.emulator, 'POST', '/limits', { used: 0 });
      const after = await runFerry(['sync', '--once'], w.env());
      expect(after.code, after.output).toBe(0);
      await expectExact(w, objects);
    },
  );

  it(
    'records committed out of order inside the overlap window are not missed',
    { timeout: 120_000 },
    async () => {
      const objects = ['Account'];
      const w = await world(objects);
      const load = await runFerry(['sync', '--once'], w.env());
      expect(load.code, load.output).toBe(0);
      const [late, early] = await someIds(w, 'Account', 2);
      // Stamped first, visible only after the next one is read: a long transaction's commit.
      await control(w.emulator, 'PATCH', `/records/Account/${late}`, {
        fields: { Name: 'Committed late' },
        visibleAfterMs: 3000,
      });
      await new Promise((r) => setTimeout(r, 1100));
      await control(w.emulator, 'PATCH', `/records/Account/${early}`, {
        fields: { Name: 'Committed early' },
      });
      const first = await runFerry(['sync', '--once'], w.env());
      expect(first.code, first.output).toBe(0);
      const seen = await w.db.pool.query<{ name: string }>(
        'SELECT name FROM salesforce.account WHERE sfid = $1',
        [early],
      );
      expect(seen.rows[0]?.name).toBe('Committed early');
      await new Promise((r) => setTimeout(r, 3000));
      const second = await runFerry(['sync', '--once'], w.env());
      expect(second.code, second.output).toBe(0);
      const row = await w.db.pool.query<{ name: string }>(
        'SELECT name FROM salesforce.account WHERE sfid = $1',
        [late],
      );
      expect(row.rows[0]?.name).toBe('Committed late');
      await expectExact(w, objects);
      // The comparison itself sees a wrong field and a lost row.
      await w.db.pool.query(`UPDATE salesforce.account SET name = 'Wrong' WHERE sfid = $1`, [early]);
      await w.db.pool.query(`DELETE FROM salesforce.account WHERE sfid = $1`, [late]);
      const diffs = await mirrorDifferences(w.client, w.db.pool, 'Account');
      expect(diffs.map((d) => [d.sfid, d.field])).toEqual(
        expect.arrayContaining([
          [early, 'Name'],
          [late, '(row)'],
        ]),
      );
      expect(diffs).toHaveLength(2);
    },
  );

  it(
    'schema drift, formula changes and a purged recycle bin reach the mirror',
    { timeout: 120_000 },
    async () => {
      const objects = ['Account', 'Invoice_Line__c'];
      const w = await world(objects);
      const load = await runFerry(['sync', '--once'], w.env());
      expect(load.code, load.output).toBe(0);

      // A field added in the org becomes a column and is filled.
      await control(w.emulator, 'POST', '/fields/Account', {
        name: 'Drift_Tier__c',
        type: 'string',
        length: 20,
      });
      const [a, b, gone] = await someIds(w, 'Account', 3);
      await control(w.emulator, 'PATCH', `/records/Account/${a}`, { fields: { Drift_Tier__c: 'Gold' } });
      await control(w.emulator, 'PATCH', `/records/Account/${b}`, { fields: { Drift_Tier__c: 'Silver' } });
      const drift = await runFerry(['sync', '--once'], w.env());
      expect(drift.code, drift.output).toBe(0);
      const tiers = await w.db.pool.query<{ sfid: string; drift_tier__c: string }>(
        'SELECT sfid, drift_tier__c FROM salesforce.account WHERE drift_tier__c IS NOT NULL ORDER BY drift_tier__c',
      );
      expect(tiers.rows).toEqual([
        { sfid: a, drift_tier__c: 'Gold' },
        { sfid: b, drift_tier__c: 'Silver' },
      ]);

      // A formula change (values change, SystemModstamp does not) after a forced formula refresh.
      await control(w.emulator, 'PUT', '/formula/Invoice_Line__c/Line_Total__c', {
        formula: 'Quantity__c * Unit_Price__c * 2',
      });
      const cycles = await runSyncService(resolveConfig({ env: w.env() }), {
        once: true,
        logger,
        engine: { formulaEveryMs: 0 },
      });
      expect(cycles[0]?.errors).toEqual([]);
      const doubled = await w.db.pool.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM salesforce.invoice_line__c
        WHERE line_total__c IS NOT NULL AND line_total__c = 2 * quantity__c * unit_price__c
          AND line_total__c <> 0`,
      );
      expect(Number(doubled.rows[0]?.n)).toBeGreaterThan(0);

      // A deleted record purged from the recycle bin before Ferry saw the deletion.
      await w.client.delete([gone!]);
      await control(w.emulator, 'POST', '/recycle-bin/empty', {});
      const reconcile = await runFerry(['sync', '--once', '--reconcile'], w.env());
      expect(reconcile.code, reconcile.output).toBe(0);
      const tomb = await w.db.pool.query<{ isdeleted: boolean }>(
        'SELECT isdeleted FROM salesforce.account WHERE sfid = $1',
        [gone],
      );
      expect(tomb.rows[0]?.isdeleted).toBe(true);
      await expectExact(w, objects);
    },
  );
});
