/**
 * Capture test fixtures: a demo-seeded emulator per test file, Ferry's client on it, a CaptureContext
 * builder (model from the org's describe), the control surface, and helpers to drain batches.
 */
import { pino } from 'pino';
import { request } from 'undici';
import type { CaptureContext } from '../../src/capture/index.js';
import { defaultMapping, type ObjectMapping } from '../../src/config/object-mapping.js';
import type { ChangeBatch, CapturedRecord } from '../../src/core/change-batch.js';
import { fromDescribe, type ObjectModel } from '../../src/core/sobject-model.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { SalesforceClient } from '../../src/salesforce/index.js';
import { captureLogger, clientFor } from '../salesforce/support/emulator.js';

export { captureLogger };

export interface Org {
  emu: RunningEmulator;
  client: SalesforceClient;
  models: Map<string, ObjectModel>;
  close(): Promise<void>;
}

export async function startOrg(): Promise<Org> {
  const emu = await startEmulator({ port: 0, seed: 'demo' });
  const { client } = clientFor(emu);
  return {
    emu,
    client,
    models: new Map(),
    async close() {
      await client.close();
      await emu.close();
    },
  };
}

export async function modelOf(org: Org, name: string): Promise<ObjectModel> {
  let model = org.models.get(name);
  if (!model) {
    model = fromDescribe(await org.client.describe(name));
    org.models.set(name, model);
  }
  return model;
}

export interface ContextOptions {
  mapping?: Partial<ObjectMapping>;
  bulkThreshold?: number;
  overlapMs?: number;
  batchSize?: number;
  bulkChunkSize?: number;
  logger?: CaptureContext['logger'];
  signal?: AbortSignal;
}

/** REST unless `bulkThreshold` is lowered. */
export async function contextFor(org: Org, object: string, o: ContextOptions = {}): Promise<CaptureContext> {
  return {
    client: org.client,
    model: await modelOf(org, object),
    mapping: { ...defaultMapping(object), ...o.mapping },
    bulkThreshold: o.bulkThreshold ?? 1_000_000,
    overlapMs: o.overlapMs ?? 5 * 60_000,
    runId: 'test-run',
    logger: o.logger ?? pino({ level: 'silent' }),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    ...(o.bulkChunkSize !== undefined ? { bulkChunkSize: o.bulkChunkSize } : {}),
  };
}

export async function control<T = unknown>(
  emu: RunningEmulator,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await request(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 400) throw new Error(`control ${method} ${path}: ${res.statusCode} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Edits a record as a UI user (SystemModstamp moves), optionally committed late. */
export async function editAsUser(
  emu: RunningEmulator,
  object: string,
  id: string,
  fields: Record<string, unknown>,
  visibleAfterMs?: number,
): Promise<void> {
  await control(emu, 'PATCH', `/records/${object}/${id}`, {
    fields,
    ...(visibleAfterMs !== undefined ? { visibleAfterMs } : {}),
  });
}

export async function orgNow(emu: RunningEmulator): Promise<string> {
  return (await control<{ now: string }>(emu, 'GET', '/clock')).now;
}

export async function drain(it: AsyncIterable<ChangeBatch>): Promise<ChangeBatch[]> {
  const out: ChangeBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

export function recordsOf(batches: readonly ChangeBatch[]): CapturedRecord[] {
  return batches.flatMap((b) => b.records);
}

export function bySfid(records: readonly CapturedRecord[]): CapturedRecord[] {
  return [...records].sort((a, b) => (a.sfid < b.sfid ? -1 : a.sfid > b.sfid ? 1 : 0));
}

/** Live ids of an object, ascending (binary order). */
export async function liveIds(org: Org, object: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const r of org.client.query(`SELECT Id FROM ${object} ORDER BY Id`)) ids.push(String(r['Id']));
  return ids;
}
