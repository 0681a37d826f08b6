import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import { capture, type CaptureApi } from '../../src/capture/index.js';
import { clientOptionsFor, resolveConfig, type FerryConfig } from '../../src/config/ferry-config.js';
import { SyncEngine, type SyncEngineOptions } from '../../src/engine/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';
import { control } from './support/reliability.js';
import { emulatorEnv } from '../support/emulator-env.js';
import { useTestDatabase } from '../support/database.js';

const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'warn' });
const db = useTestDatabase();
let emulator: RunningEmulator;
let client: SalesforceClient;

/** A config syncing `object` with `refreshNewFields` as given. */
function configFor(object: string, refreshNewFields: boolean): FerryConfig {
  const base = resolveConfig({
    env: {
      ...emulatorEnv(emulator),
      FERRY_DATABASE_URL: db().url,
      FERRY_OBJECTS: object,
    },
  });
  const mapping = base.objects[object]!;
  return {
    ...base,
    objects: { [object]: refreshNewFields ? { ...mapping, refreshNewFields: true } : mapping },
  };
}

function engineFor(config: FerryConfig, more: Partial<SyncEngineOptions> = {}): SyncEngine {
  return new SyncEngine({ config, pool: db().pool, client, capture, logger, ...more });
}

async function calls(): Promise<Record<string, number>> {
  return ((await control(emulator, 'GET', '/calls')) as { byEndpoint: Record<string, number> }).byEndpoint;
}

async function liveIds(object: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of client.query(`SELECT Id FROM ${object} ORDER BY Id`).pages()) {
    for (const r of page.records) ids.push(String(r.Id));
  }
  return ids;
}

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const r = await pool.query<{ n: string }>(sql, params);
  return Number(r.rows[0]?.n);
}

async function pending(object: string): Promise<{ fields: string[] | null; afterId: string | null }> {
  const r = await db().pool.query<{ refresh_fields: string[] | null; refresh_after_id: string | null }>(
    `SELECT refresh_fields, refresh_after_id FROM ferry.mappings WHERE object = $1`,
    [object],
  );
  return { fields: r.rows[0]?.refresh_fields ?? null, afterId: r.rows[0]?.refresh_after_id ?? null };
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo' });
  client = new SalesforceClient({
    ...clientOptionsFor(configFor('Account', false)),
    logger,
  });
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

describe('refreshNewFields', () => {
  it('reads a new field for every existing row once, as whole versions, at the cost of one Id-keyset read', async () => {
    const config = configFor('Account', true);
    expect((await engineFor(config).runCycle()).state).toBe('succeeded');
    // A new formula field: every existing row has a value at once, and no SystemModstamp moves.
    await control(emulator, 'POST', '/fields/Account', {
      name: 'Name_Upper__c',
      type: 'string',
      length: 255,
      formula: 'UPPER(Name)',
    });
    await control(emulator, 'DELETE', '/calls');
    const cycle = await engineFor(config).runCycle();
    expect(cycle.state).toBe('succeeded');
    const made = await calls();
    const ids = await liveIds('Account');
    expect(
      await count(
        db().pool,
        `SELECT count(*)::text AS n FROM salesforce.account
         WHERE isdeleted IS NOT TRUE AND name_upper__c IS NOT DISTINCT FROM upper(name)`,
      ),
    ).toBe(ids.length);
    // Each record's newest version is whole (the other fields merged in) and comes from the refresh.
    const newest = await db().pool.query<{ source: string; fields: Record<string, unknown> }>(
      `SELECT DISTINCT ON (sfid) source, fields FROM ferry.record_versions
       WHERE object = 'Account' AND sfid = $1 ORDER BY sfid, id DESC`,
      [ids[0]],
    );
    expect(newest.rows[0]?.source).toBe('reconcile');
    expect(newest.rows[0]?.fields).toHaveProperty('Name');
    expect(newest.rows[0]?.fields['Name_Upper__c']).toBe(
      String(newest.rows[0]?.fields['Name']).toUpperCase(),
    );
    expect(await pending('Account')).toEqual({ fields: null, afterId: null });
    // Calls: the cycle's describe, getDeleted and poll page (queryAll), plus the refresh's pages
    // (query: live rows only; the first one sizes the read, no COUNT).
    expect(made['describe']).toBe(1);
    expect(made['query']).toBe(Math.ceil(ids.length / 2000));

    // Done once: the next cycle neither re-reads nor stores anything.
    await control(emulator, 'DELETE', '/calls');
    const again = await engineFor(config).runCycle();
    expect(again.versions).toBe(0);
    expect((await calls())['query'] ?? 0).toBe(0);
  });

  it('without the option, existing rows keep NULL until they change (the default)', async () => {
    const config = configFor('Lead', false);
    await engineFor(config).runCycle();
    await control(emulator, 'POST', '/fields/Lead', {
      name: 'Company_Upper__c',
      type: 'string',
      length: 255,
      formula: 'UPPER(Company)',
    });
    await engineFor(config).runCycle();
    expect(
      await count(
        db().pool,
        `SELECT count(*)::text AS n FROM salesforce.lead WHERE company_upper__c IS NOT NULL`,
      ),
    ).toBe(0);
    expect(await pending('Lead')).toEqual({ fields: null, afterId: null });
  });

  it('a crash after the column is added, then one mid-refresh: each restart resumes the refresh', async () => {
    const object = 'Contact';
    const config = configFor(object, true);
    await engineFor(config, { batchSize: 200 }).runCycle();
    await control(emulator, 'POST', `/fields/${object}`, {
      name: 'Last_Upper__c',
      type: 'string',
      length: 255,
      formula: 'UPPER(LastName)',
    });

    // 1. The process dies in the poll, after the ALTER TABLE committed: the refresh is remembered.
    const dying: CaptureApi = {
      ...capture,
      poll: () => {
        throw new Error('process killed (test)');
      },
    };
    const first = await engineFor(config, { capture: dying, batchSize: 200 }).runCycle();
    expect(first.state).toBe('partial');
    expect(await pending(object)).toEqual({ fields: ['Last_Upper__c'], afterId: null });

    // 2. It dies again after two refresh batches were applied: the position is their last Id.
    const applied: string[] = [];
    const midway: CaptureApi = {
      ...capture,
      refreshFields: async function* (ctx, request) {
        let n = 0;
        for await (const batch of capture.refreshFields(ctx, request)) {
          if (n++ === 2) throw new Error('process killed mid-refresh (test)');
          applied.push(batch.records.at(-1)!.sfid);
          yield batch;
        }
      },
    };
    await db().pool.query(`UPDATE ferry.mappings SET next_attempt_at = NULL WHERE object = $1`, [object]);
    const second = await engineFor(config, { capture: midway, batchSize: 200, owner: 'second' }).runCycle();
    expect(second.state).toBe('partial');
    expect(applied).toHaveLength(2);
    expect(await pending(object)).toEqual({ fields: ['Last_Upper__c'], afterId: applied[1] });

    // 3. A clean restart reads only the rest, and every row ends filled.
    const read: number[] = [];
    await db().pool.query(`UPDATE ferry.mappings SET next_attempt_at = NULL WHERE object = $1`, [object]);
    const third = await engineFor(config, {
      batchSize: 200,
      owner: 'third',
      onBatch: (e) => {
        if (e.source === 'reconcile') read.push(e.records);
      },
    }).runCycle();
    expect(third.state).toBe('succeeded');
    const ids = await liveIds(object);
    expect(read.reduce((a, b) => a + b, 0)).toBe(ids.filter((id) => id > applied[1]!).length);
    expect(
      await count(
        db().pool,
        `SELECT count(*)::text AS n FROM salesforce.contact
         WHERE isdeleted IS NOT TRUE AND last_upper__c IS NOT DISTINCT FROM upper(lastname)`,
      ),
    ).toBe(ids.length);
    expect(await pending(object)).toEqual({ fields: null, afterId: null });
    // No record got two refresh versions (the resumed read did not repeat applied batches).
    const twice = await db().pool.query(
      `SELECT sfid FROM ferry.record_versions WHERE object = $1 AND source = 'reconcile'
       GROUP BY sfid HAVING count(*) > 1`,
      [object],
    );
    expect(twice.rowCount).toBe(0);
  });

  it('is refused with mode: delta (a change row holding only the new fields would read as nulls)', () => {
    expect(() =>
      resolveConfig({
        env: { FERRY_SF_LOGIN_URL: 'http://127.0.0.1:1', FERRY_SF_USERNAME: 'u', FERRY_SF_PASSWORD: 'p' },
        file: writeTemp('objects:\n  Account:\n    mode: delta\n    refreshNewFields: true\n'),
      }),
    ).toThrow(/refreshNewFields/);
  });
});

function writeTemp(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ferry-refresh-')), 'ferry.config.yaml');
  writeFileSync(path, text);
  return path;
}
