import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitError, RecordError, TransientError } from '../../src/errors/index.js';
import { NOT_SENT, saveErrorToFerry, soql, type SalesforceClient } from '../../src/salesforce/index.js';
import {
  calls,
  clientFor,
  control,
  faults,
  start,
  type Emulator,
  type TestClient,
} from './support/emulator.js';

let emu: Emulator;
let tc: TestClient;
let client: SalesforceClient;

beforeAll(async () => {
  emu = await start();
  tc = clientFor(emu);
  client = tc.client;
});

afterEach(async () => {
  await control(emu, 'DELETE', '/faults');
  tc.sleeps.length = 0;
});

afterAll(async () => {
  await client.close();
  await emu.close();
});

async function collectionCalls(): Promise<Record<string, number>> {
  const { byEndpoint } = await calls(emu);
  return Object.fromEntries(Object.entries(byEndpoint).filter(([k]) => k.startsWith('collections-')));
}

describe('sObject collections', () => {
  it('creates in chunks of 200, results in input order', async () => {
    await control(emu, 'DELETE', '/calls');
    const records = Array.from({ length: 450 }, (_, i) => ({ Name: `C${i}`, NumberOfEmployees: i }));
    const offsets: number[] = [];
    const results = await client.create('Account', records, {
      onChunk: (_r, offset) => void offsets.push(offset),
    });
    expect(results).toHaveLength(450);
    expect(results.every((r) => r.success && typeof r.id === 'string')).toBe(true);
    expect(offsets).toEqual([0, 200, 400]);
    expect((await collectionCalls())['collections-create']).toBe(3);
    // Order: the i-th result is the i-th record.
    const probe = [0, 199, 200, 449].map((i) => results[i]?.id ?? '');
    const rows = await client
      .query(soql.select(['Id', 'NumberOfEmployees']).from('Account').where(soql.in('Id', probe)))
      .toArray();
    const byId = new Map(rows.map((r) => [r.Id, r.NumberOfEmployees]));
    expect(probe.map((id) => byId.get(id))).toEqual([0, 199, 200, 449]);
  });

  it('updates, upserts by external id, and deletes', async () => {
    const made = await client.create('Account', [{ Name: 'U1' }, { Name: 'U2' }]);
    const ids = made.map((r) => r.id ?? '');
    const updated = await client.update(
      'Account',
      ids.map((Id, i) => ({ Id, Name: `U${i} renamed` })),
    );
    expect(updated.map((r) => r.success)).toEqual([true, true]);

    const ext = [randomUUID(), randomUUID()];
    const first = await client.upsert(
      'Account',
      'Ferry_Id__c',
      ext.map((e, i) => ({ Ferry_Id__c: e, Name: `X${i}` })),
      {
        idempotent: true,
      },
    );
    expect(first.map((r) => r.created)).toEqual([true, true]);
    const again = await client.upsert('Account', 'Ferry_Id__c', [{ Ferry_Id__c: ext[0], Name: 'X0 again' }]);
    expect(again[0]).toMatchObject({ success: true, created: false, id: first[0]?.id });

    const deleted = await client.delete(ids);
    expect(deleted.map((r) => r.success)).toEqual([true, true]);
    const twice = await client.delete(ids.slice(0, 1));
    expect(twice[0]).toMatchObject({ success: false });
    expect(twice[0]?.errors[0]?.statusCode).toBe('ENTITY_IS_DELETED');
  });

  it('reports per-record failures in place, mapped through the error table', async () => {
    const results = await client.create('Account', [
      { Name: 'ok' },
      { NumberOfEmployees: 3 },
      { Name: 'ok2' },
    ]);
    expect(results.map((r) => r.success)).toEqual([true, false, true]);
    const err = results[1]?.errors[0];
    expect(err?.statusCode).toBe('REQUIRED_FIELD_MISSING');
    expect(
      saveErrorToFerry(err ?? { statusCode: '', message: '', fields: [] }, 'create Account record 2'),
    ).toBeInstanceOf(RecordError);
  });

  it('allOrNone: a failing chunk rolls back and later chunks are not sent', async () => {
    await control(emu, 'DELETE', '/calls');
    const records = Array.from({ length: 250 }, (_, i) =>
      i === 5 ? { NumberOfEmployees: 1 } : { Name: `A${i}` },
    );
    const results = await client.create('Account', records, { allOrNone: true });
    expect(results).toHaveLength(250);
    expect(results[5]?.errors[0]?.statusCode).toBe('REQUIRED_FIELD_MISSING');
    expect(results[0]?.errors[0]?.statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(results.slice(200).every((r) => r.errors[0]?.statusCode === NOT_SENT)).toBe(true);
    expect((await collectionCalls())['collections-create']).toBe(1);
  });
});

describe('faults', () => {
  it('retries a 503 (nothing applied) even for an insert', async () => {
    await faults(emu, {
      failNext: { count: 2, status: 503, errorCode: 'SERVER_UNAVAILABLE', match: 'composite/sobjects' },
    });
    const results = await client.create('Account', [{ Name: 'after 503' }]);
    expect(results[0]?.success).toBe(true);
    expect(tc.sleeps).toEqual([50, 100]);
  });

  it('retries whole-request UNABLE_TO_LOCK_ROW', async () => {
    await faults(emu, {
      failNext: { count: 1, status: 400, errorCode: 'UNABLE_TO_LOCK_ROW', match: 'composite/sobjects' },
    });
    const results = await client.create('Account', [{ Name: 'after lock' }]);
    expect(results[0]?.success).toBe(true);
    expect(tc.sleeps).toHaveLength(1);
  });

  it('does not resend an insert after a 502 (may have been applied) unless idempotent', async () => {
    await faults(emu, {
      failNext: { count: 1, status: 502, errorCode: 'BAD_GATEWAY', match: 'composite/sobjects' },
    });
    const err = await client.create('Account', [{ Name: 'after 502' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).status).toBe(502);
    expect(tc.sleeps).toEqual([]);
    await faults(emu, {
      failNext: { count: 1, status: 502, errorCode: 'BAD_GATEWAY', match: 'composite/sobjects' },
    });
    const ok = await client.upsert('Account', 'Ferry_Id__c', [{ Ferry_Id__c: randomUUID(), Name: 'safe' }], {
      idempotent: true,
    });
    expect(ok[0]?.success).toBe(true);
    expect(tc.sleeps).toHaveLength(1);
  });

  it('gives up after the configured attempts with a TransientError', async () => {
    await faults(emu, {
      failNext: { count: 10, status: 503, errorCode: 'SERVER_UNAVAILABLE', match: '/limits' },
    });
    const err = await client.limits().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).code).toBe('SERVER_UNAVAILABLE');
    expect((err as TransientError).message).toMatch(/after 4 attempts/);
    expect(tc.sleeps).toEqual([50, 100, 200]);
  });

  it('rides out an HTML maintenance window (503 page with Retry-After) in real time', async () => {
    const { client: patient } = clientFor(emu, {
      realSleep: true,
      retry: { attempts: 6, baseDelayMs: 50, maxDelayMs: 400 },
    });
    try {
      await patient.connect();
      await faults(emu, { maintenance: { durationMs: 300, html: true } });
      const started = Date.now();
      const global = await patient.describeGlobal();
      expect(global.sobjects.length).toBeGreaterThan(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      await patient.close();
    }
  });

  it('surfaces read-only maintenance for writes as a TransientError after retries', async () => {
    await faults(emu, { maintenance: { durationMs: 60_000, readOnly: true } });
    expect((await client.query('SELECT Id FROM Account LIMIT 1').toArray()).length).toBe(1);
    const err = await client.create('Account', [{ Name: 'blocked' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).code).toBe('INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE');
  });

  it('reports per-record UNABLE_TO_LOCK_ROW as results, mapped to TransientError', async () => {
    await faults(emu, { lockRowRate: 0.5, lockRowSeed: 7 });
    const results = await client.create(
      'Account',
      Array.from({ length: 20 }, (_, i) => ({ Name: `L${i}` })),
    );
    const locked = results.filter((r) => r.errors[0]?.statusCode === 'UNABLE_TO_LOCK_ROW');
    expect(locked.length).toBeGreaterThan(0);
    expect(locked.length).toBeLessThan(20);
    expect(
      saveErrorToFerry(locked[0]?.errors[0] ?? { statusCode: '', message: '', fields: [] }, 'x'),
    ).toBeInstanceOf(TransientError);
  });

  it('maps an exhausted daily limit to RateLimitError without retrying', async () => {
    await faults(emu, { exhaustDailyLimit: true });
    const err = await client.limits().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).code).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(tc.sleeps).toEqual([]);
    await control(emu, 'POST', '/limits', { used: 0 });
  });
});
