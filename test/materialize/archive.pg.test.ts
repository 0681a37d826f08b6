/**
 * Archived records leave the mirror, history stays: capture from the emulator over HTTP, applied to
 * real Postgres with applyChangeBatch (history + mirror + cursor in one transaction), as the engine
 * does. Covers a record edited out of the filter and back (re-inserted although history stores no
 * new version), the default that keeps rows as last seen, a filter changed in config found by the
 * Id reconciliation, an activity ageing out of retention, the newer-version guard and delta mode.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { capture, type CaptureContext } from '../../src/capture/index.js';
import { resolveConfig } from '../../src/config/ferry-config.js';
import type { ObjectMapping } from '../../src/config/object-mapping.js';
import type { ChangeBatch, Cursor } from '../../src/core/change-batch.js';
import { fromDescribe, type ObjectModel } from '../../src/core/sobject-model.js';
import { runSyncService } from '../../src/engine/index.js';
import { mappedModel } from '../../src/engine/mapped-model.js';
import { versionsOf } from '../../src/history/index.js';
import { applyBatch, applyChangeBatch, ensureMirrorTable } from '../../src/materialize/index.js';
import { createLogger } from '../../src/log/index.js';
import { withTransaction } from '../../src/store/index.js';
import { contextFor, control, editAsUser, orgNow, startOrg, type Org } from '../capture/support.js';
import { createTestDatabase, useTestDatabase } from '../support/database.js';

const db = useTestDatabase();
let org: Org;
beforeAll(async () => {
  org = await startOrg();
});
afterAll(async () => {
  await org?.close();
});

const SCHEMA = 'salesforce';
const PAID = "Status__c = 'Paid'";
const DAY = 86_400_000;

interface Setup {
  ctx: CaptureContext;
  model: ObjectModel;
}

/** A context whose model is the mapped one (as the engine builds it), and its mirror table, empty. */
async function setup(object: string, mapping: Partial<ObjectMapping>): Promise<Setup> {
  const base = await contextFor(org, object, { mapping, overlapMs: 5 * 60_000 });
  const model = mappedModel(fromDescribe(await org.client.describe(object)), base.mapping);
  const mode = base.mapping.mode;
  await withTransaction(db().pool, async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${SCHEMA}.${model.name.toLowerCase()}`);
    await c.query(`DROP TABLE IF EXISTS ${SCHEMA}.${model.name.toLowerCase()}_changes`);
    await c.query(`DELETE FROM ferry.record_versions WHERE object = $1`, [model.name]);
    await ensureMirrorTable(c, model, { schema: SCHEMA, mode });
  });
  return { ctx: { ...base, model }, model };
}

async function applyAll(s: Setup, batches: AsyncIterable<ChangeBatch>): Promise<number> {
  let versions = 0;
  for await (const b of batches) {
    const applied = await applyChangeBatch(db().pool, b, s.model, {
      schema: SCHEMA,
      mode: s.ctx.mapping.mode,
    });
    versions += applied.versions;
  }
  return versions;
}

async function mirrorRow(table: string, sfid: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db().pool.query(`SELECT * FROM ${SCHEMA}.${table} WHERE sfid = $1`, [sfid]);
  return rows[0] as Record<string, unknown> | undefined;
}

async function mirrorIds(table: string): Promise<string[]> {
  const { rows } = await db().pool.query<{ sfid: string }>(
    `SELECT sfid FROM ${SCHEMA}.${table} WHERE isdeleted IS NOT TRUE ORDER BY sfid COLLATE "C"`,
  );
  return rows.map((r) => r.sfid);
}

async function* known(table: string): AsyncGenerator<string> {
  for (const id of await mirrorIds(table)) yield id;
}

async function ids(soql: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of org.client.queryAll(soql)) out.push(String(r['Id']));
  return out;
}

async function versionCount(object: string): Promise<number> {
  const { rows } = await db().pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ferry.record_versions WHERE object = $1`,
    [object],
  );
  return Number(rows[0]!.n);
}

/** The poll position right after the org's present moment. */
async function cursorNow(): Promise<Cursor> {
  const at = await orgNow(org.emu);
  await control(org.emu, 'POST', '/clock', { advanceMs: 2_000 });
  return { systemModstamp: at, id: null };
}

describe('archiveNonMatching (merge mode)', () => {
  beforeEach(async () => {
    await control(org.emu, 'POST', '/reset');
  });

  it('takes a record edited out of the filter out of the mirror, keeps its history, and brings it back', async () => {
    // Fields without LastModifiedDate: editing a record back gives the very version history holds.
    const s = await setup('Invoice__c', {
      fields: ['Name', 'Status__c', 'Amount__c'],
      filter: PAID,
      archiveNonMatching: true,
    });
    await applyAll(s, capture.initialLoad(s.ctx, { afterId: null }));
    const paid = await ids(`SELECT Id FROM Invoice__c WHERE ${PAID} ORDER BY Id`);
    expect(await mirrorIds('invoice__c')).toEqual(paid);
    const target = paid[0]!;
    const before = await versionsOf(db().pool, 'Invoice__c', target);
    expect(before).toHaveLength(1);
    const row = await mirrorRow('invoice__c', target);

    const start = await cursorNow();
    await editAsUser(org.emu, 'Invoice__c', target, { Status__c: 'Void' });
    const stored = await versionCount('Invoice__c');
    expect(await applyAll(s, capture.poll(s.ctx, start))).toBe(0);
    expect(await mirrorRow('invoice__c', target)).toBeUndefined();
    // Nothing purged, no delete version invented: the record was not deleted in Salesforce.
    expect(await versionsOf(db().pool, 'Invoice__c', target)).toEqual(before);
    expect(await versionCount('Invoice__c')).toBe(stored);

    // Polling again over the same window is harmless.
    expect(await applyAll(s, capture.poll(s.ctx, start))).toBe(0);

    await control(org.emu, 'POST', '/clock', { advanceMs: 2_000 });
    await editAsUser(org.emu, 'Invoice__c', target, { Status__c: 'Paid' });
    // Same content hash as the newest stored version: no history row, but the mirror row is back.
    expect(await applyAll(s, capture.poll(s.ctx, start))).toBe(0);
    expect(await versionsOf(db().pool, 'Invoice__c', target)).toEqual(before);
    const back = await mirrorRow('invoice__c', target);
    expect(back).toBeDefined();
    expect({ ...back, id: undefined, systemmodstamp: undefined }).toEqual({
      ...row,
      id: undefined,
      systemmodstamp: undefined,
    });
    expect((back!['systemmodstamp'] as Date).getTime()).toBeGreaterThan(
      (row!['systemmodstamp'] as Date).getTime(),
    );
  });

  it('keeps the row as last seen by default (archiveNonMatching: false)', async () => {
    const s = await setup('Invoice__c', { fields: ['Name', 'Status__c'], filter: PAID });
    await applyAll(s, capture.initialLoad(s.ctx, { afterId: null }));
    const target = (await mirrorIds('invoice__c'))[1]!;
    const start = await cursorNow();
    await editAsUser(org.emu, 'Invoice__c', target, { Status__c: 'Sent' });
    await applyAll(s, capture.poll(s.ctx, start));
    expect(await mirrorRow('invoice__c', target)).toMatchObject({ status__c: 'Paid', isdeleted: false });
    // The reconciliation leaves it too.
    await applyAll(s, capture.reconcile(s.ctx, known('invoice__c')));
    expect(await mirrorRow('invoice__c', target)).toMatchObject({ status__c: 'Paid' });
  });

  it('finds rows outside a filter changed in config at Id reconciliation; purged ones are tombstoned', async () => {
    const loose = await setup('Invoice__c', { fields: ['Name', 'Status__c'], filter: "Status__c != 'Void'" });
    await applyAll(loose, capture.initialLoad(loose.ctx, { afterId: null }));
    const mirrored = await mirrorIds('invoice__c');
    const paid = new Set(await ids(`SELECT Id FROM Invoice__c WHERE ${PAID}`));
    const purged = mirrored.find((id) => paid.has(id))!;
    expect((await org.client.delete([purged]))[0]!.success).toBe(true);
    await control(org.emu, 'POST', '/recycle-bin/empty', { ids: [purged] });
    const stored = await versionCount('Invoice__c');

    // The filter narrows to Paid: the rest leave the mirror, their history stays.
    const strict = {
      ...loose.ctx,
      mapping: { ...loose.ctx.mapping, filter: PAID, archiveNonMatching: true },
    };
    await applyAll({ ...loose, ctx: strict }, capture.reconcile(strict, known('invoice__c')));
    expect(await mirrorIds('invoice__c')).toEqual(mirrored.filter((id) => paid.has(id) && id !== purged));
    expect(await mirrorRow('invoice__c', purged)).toMatchObject({ isdeleted: true });
    expect(await versionCount('Invoice__c')).toBe(stored + 1); // the purged record's delete version
    const left = mirrored.find((id) => !paid.has(id))!;
    expect(await versionsOf(db().pool, 'Invoice__c', left)).toHaveLength(1);
  });
});

describe('retention (merge mode)', () => {
  beforeEach(async () => {
    await control(org.emu, 'POST', '/reset');
  });

  it('an activity that aged out leaves the mirror at reconciliation, its history stays', async () => {
    const now = Date.parse(await orgNow(org.emu));
    const [loaded] = await control<{ id: string; success: boolean }[]>(org.emu, 'POST', '/records/Task', [
      { Subject: 'Call', CreatedDate: new Date(now - 30 * DAY).toISOString() },
    ]);
    const task = loaded!.id;
    const s = await setup('Task', { fields: ['Subject', 'Status'], retention: 60 * DAY });
    await applyAll(s, capture.initialLoad(s.ctx, { afterId: null }));
    expect(await mirrorRow('task', task)).toBeDefined();

    // 40 days on, the task is 70 days old: outside a 60-day window.
    const aged = { ...s.ctx, mapping: { ...s.ctx.mapping, retention: 20 * DAY } };
    await applyAll({ ...s, ctx: aged }, capture.reconcile(aged, known('task')));
    expect(await mirrorRow('task', task)).toBeUndefined();
    expect(await versionsOf(db().pool, 'Task', task)).toHaveLength(1);
  });
});

describe('applying archived records', () => {
  it('keeps a row holding a newer version than the one seen out of scope; delta mode appends nothing', async () => {
    const s = await setup('Invoice__c', {
      fields: ['Name', 'Status__c'],
      filter: PAID,
      archiveNonMatching: true,
    });
    await applyAll(s, capture.initialLoad(s.ctx, { afterId: null }));
    const [a, b] = await mirrorIds('invoice__c');
    const rowA = await mirrorRow('invoice__c', a!);
    const older = new Date((rowA!['systemmodstamp'] as Date).getTime() - 1_000).toISOString();
    const batch: ChangeBatch = {
      object: 'Invoice__c',
      source: 'poll',
      records: [],
      tombstones: [],
      cursor: null,
      runId: 'run-archive',
      archived: [
        { sfid: a!, systemModstamp: older },
        { sfid: b!, systemModstamp: null },
      ],
    };
    await withTransaction(db().pool, (c) => applyBatch(c, batch, s.model, { schema: SCHEMA }));
    expect(await mirrorRow('invoice__c', a!)).toBeDefined();
    expect(await mirrorRow('invoice__c', b!)).toBeUndefined();

    const d = await setup('Invoice__c', { fields: ['Name', 'Status__c'], mode: 'delta' });
    const applied = await withTransaction(db().pool, (c) =>
      applyBatch(c, batch, d.model, { schema: SCHEMA, mode: 'delta' }),
    );
    expect(applied.appended).toBe(0);
  });
});

describe('through the sync engine', () => {
  it('ferry sync --once: an invoice edited out of the filter leaves the mirror and comes back', async () => {
    await control(org.emu, 'POST', '/reset');
    const other = await createTestDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'ferry-archive-'));
    try {
      const file = join(dir, 'ferry.config.yaml');
      await writeFile(
        file,
        [
          'objects:',
          '  Invoice__c:',
          '    fields: [Name, Status__c]',
          `    filter: "${PAID}"`,
          '    archiveNonMatching: true',
          '',
        ].join('\n'),
      );
      const config = resolveConfig({
        file,
        env: {
          FERRY_SF_LOGIN_URL: org.emu.loginUrl,
          FERRY_SF_USERNAME: org.emu.username,
          FERRY_SF_PASSWORD: org.emu.password,
          FERRY_SF_CLIENT_ID: org.emu.clientId,
          FERRY_SF_CLIENT_SECRET: org.emu.clientSecret,
          FERRY_DATABASE_URL: other.url,
        },
      });
      const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'warn' });
      const sync = async (): Promise<void> => {
        const cycles = await runSyncService(config, { once: true, logger });
        expect(cycles.map((c) => [c.state, c.errors])).toEqual([['succeeded', []]]);
      };
      const mirrored = async (): Promise<string[]> => {
        const { rows } = await other.pool.query<{ sfid: string }>(
          `SELECT sfid FROM salesforce.invoice__c ORDER BY sfid COLLATE "C"`,
        );
        return rows.map((r) => r.sfid);
      };

      await sync();
      const paid = await ids(`SELECT Id FROM Invoice__c WHERE ${PAID} ORDER BY Id`);
      expect(await mirrored()).toEqual(paid);
      const target = paid[2]!;

      await control(org.emu, 'POST', '/clock', { advanceMs: 2_000 });
      await editAsUser(org.emu, 'Invoice__c', target, { Status__c: 'Void' });
      await sync();
      expect(await mirrored()).toEqual(paid.filter((id) => id !== target));

      await control(org.emu, 'POST', '/clock', { advanceMs: 2_000 });
      await editAsUser(org.emu, 'Invoice__c', target, { Status__c: 'Paid' });
      await sync();
      expect(await mirrored()).toEqual(paid);
      const { rows } = await other.pool.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ferry.record_versions WHERE sfid = $1`,
        [target],
      );
      expect(Number(rows[0]!.n)).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await other.drop();
    }
  });
});
