import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'pg';
import type { RunningEmulator } from '../../../src/emulator/index.js';
import type { SalesforceClient } from '../../../src/salesforce/index.js';
import { emulatorEnv } from '../../support/emulator-env.js';
import { qualify } from '../../../src/store/index.js';

export const FERRY_BIN = fileURLToPath(new URL('../../../bin/ferry.js', import.meta.url));

/** The environment `ferry sync` needs to reach this emulator and database. */
export function ferryEnv(
  emulator: RunningEmulator,
  databaseUrl: string,
  objects: readonly string[],
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    FERRY_LOG_LEVEL: process.env.FERRY_LOG_LEVEL ?? 'warn',
    ...emulatorEnv(emulator),
    FERRY_DATABASE_URL: databaseUrl,
    FERRY_OBJECTS: objects.join(','),
    ...extra,
  };
}

export interface FerryProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

export function spawnFerry(args: readonly string[], env: Record<string, string>): FerryProcess {
  const child = spawn(process.execPath, [FERRY_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => out };
}

/** Runs `ferry …` to its end; returns exit code and output. */
export async function runFerry(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const p = spawnFerry(args, env);
  const { code } = await p.exited;
  return { code, output: p.output() };
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
  everyMs = 50,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A call to the emulator's control surface. */
export async function control(
  emulator: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${emulator.url}/__emulator${path}`, init);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

const FERRY_COLUMNS = new Set(['id', '_hc_lastop', '_hc_err']);

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function normalize(type: string, value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  switch (type) {
    case 'double':
    case 'currency':
    case 'percent':
    case 'int':
    case 'long':
      return Number(value);
    case 'boolean':
      return value === true || value === 'true';
    case 'datetime': {
      const s = text(value).replace(/\+0000$/, 'Z');
      return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`).toISOString();
    }
    case 'time':
      return text(value)
        .replace(/Z$/, '')
        .replace(/\.000$/, '');
    default:
      return text(value);
  }
}

export interface Difference {
  object: string;
  sfid: string;
  field: string;
  org: unknown;
  mirror: unknown;
}

/**
 * Every record of the org (queryAll, so the recycle bin too) against the mirror table: same rows,
 * same `isdeleted`, every mapped field equal on live rows; mirror rows the org no longer has
 * (purged) must be tombstones. Returns the differences (empty when exact).
 */
export async function mirrorDifferences(
  client: SalesforceClient,
  pool: Pool,
  object: string,
  schema = 'salesforce',
): Promise<Difference[]> {
  const table = object.toLowerCase();
  const cols = await pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`,
    [schema, table],
  );
  const columns = new Set(cols.rows.map((r) => r.column_name).filter((c) => !FERRY_COLUMNS.has(c)));
  const describe = await client.describe(object);
  const fields = describe.fields
    .filter((f) => columns.has(f.name.toLowerCase()) && f.type !== 'address' && f.type !== 'location')
    .map((f) => ({ name: f.name, column: f.name.toLowerCase(), type: String(f.type) }));
  const names = fields.map((f) => f.name);
  for (const needed of ['Id', 'IsDeleted']) if (!names.includes(needed)) names.push(needed);
  const org = new Map<string, Record<string, unknown>>();
  for await (const page of client.queryAll(`SELECT ${names.join(', ')} FROM ${object}`).pages()) {
    for (const r of page.records) org.set(String(r.Id), r);
  }
  const mirror = new Map<string, Record<string, unknown>>();
  const rows = await pool.query<{ row: Record<string, unknown> }>(
    `SELECT to_jsonb(t) AS row FROM ${qualify(schema, table)} t`,
  );
  for (const { row } of rows.rows) mirror.set(String(row.sfid), row);
  const diffs: Difference[] = [];
  for (const [id, record] of org) {
    const row = mirror.get(id);
    if (!row) {
      diffs.push({ object, sfid: id, field: '(row)', org: 'present', mirror: 'missing' });
      continue;
    }
    const deleted = record.IsDeleted === true;
    if ((row.isdeleted === true) !== deleted) {
      diffs.push({ object, sfid: id, field: 'IsDeleted', org: deleted, mirror: row.isdeleted });
    }
    if (deleted) continue;
    for (const f of fields) {
      if (f.column === 'sfid' || f.column === 'isdeleted') continue;
      const o = normalize(f.type, record[f.name]);
      const m = normalize(f.type, row[f.column]);
      if (o !== m) diffs.push({ object, sfid: id, field: f.name, org: o, mirror: m });
    }
  }
  for (const [id, row] of mirror) {
    if (!org.has(id) && row.isdeleted !== true) {
      diffs.push({ object, sfid: id, field: '(row)', org: 'purged', mirror: 'live' });
    }
  }
  return diffs;
}

/** Versions stored twice for one record (same content hash), and consecutive equal versions. */
export async function duplicateVersions(pool: Pool): Promise<unknown[]> {
  const same = await pool.query<{ sfid: string; hash: string; n: number }>(
    `SELECT sfid, encode(content_hash, 'hex') AS hash, count(*)::int AS n
       FROM ferry.record_versions GROUP BY sfid, content_hash HAVING count(*) > 1 LIMIT 20`,
  );
  return same.rows;
}
