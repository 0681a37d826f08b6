import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const dir = mkdtempSync(join(tmpdir(), 'ferry-scope-'));
let files = 0;
let emulator: RunningEmulator;
let client: SalesforceClient;

function engine(account: Record<string, unknown>) {
  const file = join(dir, `ferry-${++files}.config.yaml`);
  writeFileSync(file, `objects:\n  Account: ${JSON.stringify(account)}\n`);
  const config = resolveConfig({
    env: {
      ...emulatorEnv(emulator),
      FERRY_DATABASE_URL: db().url,
    },
    file,
  });
  return new SyncEngine({ config, pool: db().pool, client, capture, logger });
}

async function orgIds(where: string): Promise<string[]> {
  const rows = await client.query(`SELECT Id FROM Account WHERE ${where} ORDER BY Id`).toArray();
  return rows.map((r) => String(r['Id'])).sort();
}

async function mirrorIds(): Promise<string[]> {
  const r = await db().pool.query<{ sfid: string }>(
    `SELECT sfid FROM salesforce.account WHERE isdeleted IS NOT TRUE ORDER BY sfid COLLATE "C"`,
  );
  return r.rows.map((x) => x.sfid).sort();
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo' });
  client = new SalesforceClient({
    ...clientOptionsFor(
      resolveConfig({
        env: {
          ...emulatorEnv(emulator),
        },
      }),
    ),
    logger,
  });
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await client?.close();
  await emulator?.close();
});

describe('a changed read scope', () => {
  it('a widened filter brings in unchanged records no poll would return; a narrowed one with archiveNonMatching takes them out', async () => {
    const energy = "Industry = 'Energy'";
    const wide = "Industry = 'Energy' OR Industry = 'Banking'";
    await engine({ filter: energy }).runCycle();
    expect(await mirrorIds()).toEqual(await orgIds(energy));
    const versions = async () =>
      Number(
        (await db().pool.query<{ n: string }>(`SELECT count(*) AS n FROM ferry.record_versions`)).rows[0]?.n,
      );
    const before = await versions();

    // Nothing changed in the org: only a full re-read can find the Banking accounts.
    const widened = await engine({ filter: wide }).runCycle();
    expect(widened.objects[0]).toMatchObject({ object: 'Account' });
    expect(await mirrorIds()).toEqual(await orgIds(wide));
    const banking = (await orgIds("Industry = 'Banking'")).length;
    expect(banking).toBeGreaterThan(0);
    // The re-read stored versions only for the records new to the mirror.
    expect((await versions()) - before).toBe(banking);

    // Same scope again: an ordinary poll, nothing re-read.
    await engine({ filter: wide }).runCycle();
    expect((await versions()) - before).toBe(banking);

    // Narrowed with archiveNonMatching: the Banking rows leave the mirror, their history stays.
    await engine({ filter: energy, archiveNonMatching: true }).runCycle();
    expect(await mirrorIds()).toEqual(await orgIds(energy));
    expect((await versions()) - before).toBe(banking);
  });
});
