import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientOptionsFor, resolveConfig } from '../../src/config/ferry-config.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';
import { useTestDatabase } from '../support/database.js';
import {
  control,
  duplicateVersions,
  ferryEnv,
  mirrorDifferences,
  runFerry,
  spawnFerry,
  waitFor,
} from './support/reliability.js';

// `ferry sync` (bin/ferry.js → dist: run `npm run build` first) killed with SIGKILL in the middle of
// a field refresh: the restarted sync finishes it, and the mirror equals the org.
const ROWS = 20_000;
const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'warn' });
const db = useTestDatabase();
let emulator: RunningEmulator;
let client: SalesforceClient;
let env: Record<string, string>;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'none', records: ROWS });
  const dir = mkdtempSync(join(tmpdir(), 'ferry-refresh-crash-'));
  const file = join(dir, 'ferry.config.yaml');
  writeFileSync(file, 'objects:\n  Account:\n    refreshNewFields: true\n');
  // REST pages of 2,000 rows: the refresh takes 10 batches, time enough to be killed midway.
  env = ferryEnv(emulator, db().url, ['Account'], {
    FERRY_CONFIG: file,
    FERRY_BULK_THRESHOLD: '1000000000',
    FERRY_POLL_INTERVAL: '1s',
  });
  client = new SalesforceClient({ ...clientOptionsFor(resolveConfig({ env })), logger });
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

it(
  'kill -9 during a field refresh: the restart finishes it and the mirror equals the org',
  { timeout: 180_000 },
  async () => {
    const load = await runFerry(['sync', '--once'], env);
    expect(load.code, load.output).toBe(0);
    await control(emulator, 'POST', '/fields/Account', {
      name: 'Name_Upper__c',
      type: 'string',
      length: 255,
      formula: 'UPPER(Name)',
    });
    const state = async () =>
      (
        await db().pool.query<{ refresh_fields: string[] | null; refresh_after_id: string | null }>(
          `SELECT refresh_fields, refresh_after_id FROM ferry.mappings WHERE object = 'Account'`,
        )
      ).rows[0];

    const sync = spawnFerry(['sync'], env);
    try {
      await waitFor(
        'the refresh to apply a batch',
        async () => (await state())?.refresh_after_id != null,
        60_000,
        5,
      );
    } finally {
      sync.child.kill('SIGKILL');
      await sync.exited;
    }
    const killed = await state();
    expect(killed?.refresh_fields).toEqual(['Name_Upper__c']);
    const filled = async () =>
      Number(
        (
          await db().pool.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM salesforce.account WHERE name_upper__c IS NOT NULL`,
          )
        ).rows[0]?.n,
      );
    const midway = await filled();
    expect(midway).toBeGreaterThan(0);
    expect(midway).toBeLessThan(ROWS);

    const restart = await runFerry(['sync', '--once'], env);
    expect(restart.code, restart.output).toBe(0);
    expect(await state()).toEqual({ refresh_fields: null, refresh_after_id: null });
    expect(await filled()).toBe(ROWS);
    expect(await mirrorDifferences(client, db().pool, 'Account')).toEqual([]);
    expect(await duplicateVersions(db().pool)).toEqual([]);
  },
);
