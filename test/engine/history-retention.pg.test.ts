import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture } from '../../src/capture/index.js';
import { clientOptionsFor, resolveConfig } from '../../src/config/ferry-config.js';
import { SyncEngine } from '../../src/engine/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';
import { emulatorEnv } from '../support/emulator-env.js';
import { useTestDatabase } from '../support/database.js';

const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'warn' });
const db = useTestDatabase();
let emulator: RunningEmulator;
let client: SalesforceClient;

function config(extra: Record<string, string>) {
  return resolveConfig({
    env: {
      ...emulatorEnv(emulator),
      FERRY_DATABASE_URL: db().url,
      FERRY_OBJECTS: 'Account',
      ...extra,
    },
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo' });
  client = new SalesforceClient({ ...clientOptionsFor(config({})), logger });
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

async function versionsPerRecord(): Promise<{ records: number; versions: number }> {
  const r = await db().pool.query<{ records: string; versions: string }>(
    `SELECT count(DISTINCT sfid)::text AS records, count(*)::text AS versions
     FROM ferry.record_versions WHERE object = 'Account'`,
  );
  return { records: Number(r.rows[0]?.records), versions: Number(r.rows[0]?.versions) };
}

describe('historyRetention', () => {
  it('is unset by default (keep everything) and, when set, purges superseded old versions at reconciliation', async () => {
    expect(config({}).mirror.historyRetention).toBeUndefined();
    const keep = new SyncEngine({ config: config({}), pool: db().pool, client, capture, logger });
    await keep.runCycle();
    const loaded = await versionsPerRecord();
    expect(loaded.versions).toBe(loaded.records);

    // A second version of one record, then both versions made old (captured 400 days ago).
    const { rows } = await db().pool.query<{ sfid: string }>(
      `SELECT sfid FROM salesforce.account ORDER BY sfid LIMIT 1`,
    );
    const sfid = rows[0]!.sfid;
    await client.update('Account', [{ Id: sfid, Description: 'changed for retention' }]);
    await keep.runCycle({ reconcile: true });
    expect((await versionsPerRecord()).versions).toBe(loaded.records + 1);
    await db().pool.query(
      `UPDATE ferry.record_versions SET captured_at = captured_at - interval '400 days' WHERE object = 'Account'`,
    );

    // Without the setting nothing goes; with 365d the superseded version goes, the newest stays.
    await keep.runCycle({ reconcile: true });
    expect((await versionsPerRecord()).versions).toBe(loaded.records + 1);
    const purging = new SyncEngine({
      config: config({ FERRY_HISTORY_RETENTION: '365d' }),
      pool: db().pool,
      client,
      capture,
      logger,
    });
    await purging.runCycle({ reconcile: true });
    expect(await versionsPerRecord()).toEqual(loaded);
    const newest = await db().pool.query<{ d: string }>(
      `SELECT fields->>'Description' AS d FROM ferry.record_versions WHERE object = 'Account' AND sfid = $1`,
      [sfid],
    );
    expect(newest.rows).toEqual([{ d: 'changed for retention' }]);
  });
});
