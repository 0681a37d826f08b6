import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientOptionsFor, resolveConfig } from '../../src/config/ferry-config.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';
import { useTestDatabase } from '../support/database.js';
import { control, ferryEnv, runFerry, spawnFerry, waitFor } from '../engine/support/reliability.js';

// `ferry sync` (bin/ferry.js → dist: run `npm run build` first) killed with SIGKILL while its writer
// is sending: the next run sends what was left, nothing is lost and no record is created twice.
const UPDATES = 600;
const INSERTS = 400;
const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'warn' });
const db = useTestDatabase();
let emulator: RunningEmulator;
let client: SalesforceClient;
let env: Record<string, string>;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'none', records: 1_000 });
  env = ferryEnv(emulator, db().url, ['Contact'], {
    FERRY_READ_WRITE: 'Contact',
    FERRY_POLL_INTERVAL: '1h',
    FERRY_WRITES_MIN_INTERVAL: '0ms',
  });
  client = new SalesforceClient({ ...clientOptionsFor(resolveConfig({ env })), logger });
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

async function orgCount(where: string): Promise<number> {
  let n = 0;
  for await (const page of client.query(`SELECT Id FROM Contact WHERE ${where}`).pages()) {
    n += page.records.length;
  }
  return n;
}

it(
  'kill -9 while writing: the restart sends the rest, no change lost, no duplicate',
  { timeout: 180_000 },
  async () => {
    const load = await runFerry(['sync', '--once'], env);
    expect(load.code, load.output).toBe(0);
    const pool = db().pool;
    await pool.query(
      `UPDATE salesforce.contact SET title = 'Crash test ' || id
     WHERE id IN (SELECT id FROM salesforce.contact WHERE sfid IS NOT NULL ORDER BY id LIMIT $1)`,
      [UPDATES],
    );
    await pool.query(
      `INSERT INTO salesforce.contact (lastname, firstname) SELECT 'Crash', 'n' || g FROM generate_series(1, $1) g`,
      [INSERTS],
    );
    // Slow calls: the writer is caught between sending and recording.
    await control(emulator, 'POST', '/faults', { latencyMs: 150 });
    const state = async (s: string) =>
      Number(
        (
          await pool.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM salesforce._trigger_log WHERE state = $1`,
            [s],
          )
        ).rows[0]?.n,
      );
    const sync = spawnFerry(['sync'], env);
    try {
      await waitFor(
        'the writer to have sent some writes',
        async () => (await state('SUCCESS')) > 0,
        60_000,
        5,
      );
      await waitFor('a group in flight', async () => (await state('PENDING')) > 0, 60_000, 5);
    } finally {
      sync.child.kill('SIGKILL');
      await sync.exited;
    }
    // Killed mid-plan: the rows of the groups not yet recorded are still PENDING.
    expect(await state('PENDING')).toBeGreaterThan(0);
    expect(await state('SUCCESS')).toBeLessThan(UPDATES + INSERTS);
    await control(emulator, 'DELETE', '/faults');

    const rerun = await runFerry(['sync', '--once'], env);
    expect(rerun.code, rerun.output).toBe(0);
    expect(await state('NEW')).toBe(0);
    expect(await state('PENDING')).toBe(0);
    expect(await state('FAILED')).toBe(0);
    expect(await state('SUCCESS')).toBe(UPDATES + INSERTS);
    // Exactly one record per inserted row, and every inserted row has its sfid.
    expect(await orgCount(`LastName = 'Crash'`)).toBe(INSERTS);
    const unsent = await pool.query(`SELECT 1 FROM salesforce.contact WHERE sfid IS NULL`);
    expect(unsent.rowCount).toBe(0);
    expect(await orgCount(`Title LIKE 'Crash test %'`)).toBe(UPDATES);
  },
);
