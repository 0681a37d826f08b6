/**
 * The writer's plan and its claim agree on what is sent: a change made to a waiting log row while
 * the writer plans (here the `salesforce-wins` policy giving a conflicting field to Salesforce,
 * which leaves the row nothing to send: IGNORED) is either seen by the plan or not made at all — the
 * writer never sends what it read before the change. Real writer (ordered and merged planners), real
 * Postgres, the emulator over HTTP.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture } from '../../src/capture/index.js';
import { clientOptionsFor, resolveConfig, type FerryConfig } from '../../src/config/ferry-config.js';
import { SyncEngine } from '../../src/engine/index.js';
import { createWriter } from '../../src/engine/writer-setup.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';
import { useTestDatabase } from '../support/database.js';
import { emulatorEnv } from '../support/emulator-env.js';
import { orgValue } from '../support/org-read.js';

const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'silent' });
const db = useTestDatabase();
let emulator: RunningEmulator;
let client: SalesforceClient;

function configFor(algorithm: 'ordered' | 'merged'): FerryConfig {
  return resolveConfig({
    env: {
      ...emulatorEnv(emulator),
      FERRY_DATABASE_URL: db().url,
      FERRY_OBJECTS: 'Contact',
      FERRY_READ_WRITE: 'Contact',
      FERRY_WRITES_ALGORITHM: algorithm,
    },
  });
}

const orgTitle = (sfid: string): Promise<unknown> => orgValue(client, 'Contact', sfid, 'Title');

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo' });
  const config = configFor('ordered');
  client = new SalesforceClient({ ...clientOptionsFor(config), logger });
  await new SyncEngine({ config, pool: db().pool, client, capture, logger }).runCycle();
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

describe.each(['ordered', 'merged'] as const)('%s writes', (algorithm) => {
  it('a waiting change dropped while the writer plans is not sent', async () => {
    const pool = db().pool;
    const offset = algorithm === 'ordered' ? 0 : 1;
    const { rows } = await pool.query<{ id: number; sfid: string }>(
      `SELECT id, sfid FROM salesforce.contact WHERE sfid IS NOT NULL ORDER BY sfid OFFSET $1 LIMIT 1`,
      [offset],
    );
    const contact = rows[0]!;
    const before = await orgTitle(contact.sfid);
    await pool.query(`UPDATE salesforce.contact SET title = 'Local, then given up' WHERE id = $1`, [
      contact.id,
    ]);
    const { rows: logged } = await pool.query<{ id: string }>(
      `SELECT id::text FROM salesforce._trigger_log WHERE record_id = $1 AND state = 'NEW'`,
      [contact.id],
    );
    expect(logged).toHaveLength(1);

    // What the materializer's guard does under salesforce-wins, held open in its transaction.
    const guard = new pg.Client({ connectionString: db().url });
    const watcher = new pg.Client({ connectionString: db().url });
    await guard.connect();
    await watcher.connect();
    let drained: Promise<unknown> | undefined;
    try {
      await guard.query('BEGIN');
      await guard.query(`SELECT set_config('ferry.sync', 'on', true)`);
      await guard.query(
        `UPDATE salesforce._trigger_log SET "values" = '{}'::jsonb, state = 'IGNORED', updated_at = now()
         WHERE id = $1`,
        [logged[0]!.id],
      );
      const { rows: guardPid } = await guard.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const writer = createWriter({ config: configFor(algorithm), pool, client, logger });
      drained = writer.drain({ maxAttempts: 1 });
      // The writer's plan waits for the guard's row lock.
      for (let waited = 0; ; waited += 20) {
        const { rows: blocked } = await watcher.query(
          `SELECT 1 FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))`,
          [guardPid[0]!.pid],
        );
        if (blocked.length > 0) break;
        if (waited > 20_000) {
          const { rows: activity } = await watcher.query(
            `SELECT pid, state, wait_event_type, wait_event, left(query, 120) AS query FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          );
          const outcome = await Promise.race([
            drained.then(
              (r) => `drained ${JSON.stringify(r)}`,
              (e: unknown) => `failed: ${String(e)}`,
            ),
            new Promise((resolve) => setTimeout(() => resolve('still draining'), 100)),
          ]);
          throw new Error(
            `the writer never waited for the guard (${String(outcome)}): ${JSON.stringify(activity)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await guard.query('COMMIT');
      expect(await drained).toEqual({ succeeded: 0, failed: 0 });
    } finally {
      await guard.end();
      await watcher.end();
      // A failure above must not leave this writer running into the next test.
      await drained?.catch(() => undefined);
    }

    const { rows: after } = await pool.query<{ state: string }>(
      `SELECT state FROM salesforce._trigger_log WHERE id = $1`,
      [logged[0]!.id],
    );
    expect(after).toEqual([{ state: 'IGNORED' }]);
    expect(await orgTitle(contact.sfid)).toBe(before);
  });
});
