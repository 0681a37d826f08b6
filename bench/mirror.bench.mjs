// Mirror benchmarks (mirror issue §10). Each figure is a ratio against a baseline measured in the
// same run, or a count that must be zero.
// 1. Initial load of N Accounts (45 fields) through Ferry's path — capture.initialLoad over Bulk 2.0
//    (bulkThreshold 1, default 50,000-row keyset chunks and 5,000-row batches), the batches applied
//    as the engine applies an initial load: applyChangeBatchesInOrder with two transactions in flight
//    (each: history + merge into a fresh mirror table + cursor, committed in order; BENCH_DEPTH) —
//    rows/s ÷ a bare baseline: the same Bulk 2.0 queryAll keyset chunks fetched page by page,
//    parsed with csv-parse and COPYed into an unindexed all-text table (target ≥ 0.8). Also Ferry ÷
//    a raw COPY of the same rows pre-rendered to COPY text (only the COPY is timed).
// 2. Memory: peak RSS growth of the Ferry load of N rows ÷ of N/10 rows (target ≤ 1.2), each load
//    in its own child process (this file re-invoked with BENCH_CHILD=load) reading /proc VmHWM.
// 3. Re-sync of the unchanged table: the initial load again into the same database; tuples written
//    (pg_stat_user_tables inserts + updates + deletes on the mirror table and ferry.record_versions)
//    expressed as (tuples written + 1) ÷ (rows changed + 1) with rows changed = 0 (target ≤ 1.05,
//    i.e. no extra writes). Cursor bookkeeping (one ferry.cursors update per batch) is reported
//    apart. Above 200,000 rows it re-syncs the memory run's smaller table (BENCH_RESYNC=full: the
//    full one).
// 4. Poll latency: capture.poll + applyChangeBatch every BENCH_POLL_INTERVAL_S (5 s) while ~20 records
//    a second change through the emulator control surface for BENCH_POLL_SECONDS (60 s); p95 of
//    (visible in Postgres − change acknowledged by the emulator) ÷ interval (target ≤ 1.2), and
//    missed records (must be 0).
// Exit status is non-zero only for a crash or a correctness failure (row counts, missed records).
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseSync } from 'csv-parse/sync';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { request } from 'undici';
import { capture, selectFields } from '../dist/capture/index.js';
import { defaultMapping } from '../dist/config/object-mapping.js';
import { boundHeapGrowth } from '../dist/core/heap-growth.js';
import { fromDescribe } from '../dist/core/sobject-model.js';
import { createLogger } from '../dist/log/index.js';
import { applyChangeBatch, applyChangeBatchesInOrder, ensureMirrorTable } from '../dist/materialize/index.js';
import { SalesforceClient } from '../dist/salesforce/index.js';
import { copyRows, createPool, migrate, quoteIdent } from '../dist/store/index.js';
import { fmt, login, seconds, startEmulatorProcess } from './support.mjs';

const V = 'v62.0';
const SCHEMA = 'salesforce';
const CHUNK = 50_000; // capture's DEFAULT_BULK_CHUNK_SIZE: the baseline reads the same keyset chunks
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const logger = createLogger({ level: 'warn' });

function dbUrl(name) {
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

function vmHwmMb() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

function sfClient(url) {
  return new SalesforceClient({
    auth: {
      flow: 'password',
      loginUrl: url,
      username: 'admin@ferry.test',
      password: 'ferry',
      clientId: 'ferry',
      clientSecret: 'ferry-secret',
    },
    logger,
  });
}

async function accountModel(client) {
  return fromDescribe(await client.describe('Account'));
}

function captureContext(client, model, extra = {}) {
  return {
    client,
    model,
    mapping: defaultMapping('Account'),
    bulkThreshold: 1,
    overlapMs: 300_000,
    runId: 'bench',
    logger,
    // BENCH_BATCH_SIZE: rows per change batch (default: Ferry's, 2,500 from Bulk).
    ...(process.env.BENCH_BATCH_SIZE ? { batchSize: Number(process.env.BENCH_BATCH_SIZE) } : {}),
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Child mode: one Ferry initial load into the database BENCH_DB from the emulator BENCH_EMU; prints
// one `RESULT {json}` line. Its own process, so its peak RSS is its own.
if (process.env.BENCH_CHILD === 'load') {
  // As `ferry` runs (cli/main.ts); BENCH_UNBOUNDED_HEAP=1 leaves V8's default, for comparison.
  if (process.env.BENCH_UNBOUNDED_HEAP !== '1') boundHeapGrowth();
  const pool = createPool({ url: process.env.BENCH_DB, logger, max: 3 });
  const client = sfClient(process.env.BENCH_EMU);
  try {
    const model = await accountModel(client);
    const c = await pool.connect();
    try {
      await ensureMirrorTable(c, model, { schema: SCHEMA, mode: 'merge' });
    } finally {
      c.release();
    }
    const ctx = captureContext(client, model);
    globalThis.gc?.();
    const rssBefore = process.memoryUsage().rss / 1024 / 1024;
    let sampledPeak = rssBefore;
    const sampler = setInterval(() => {
      sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss / 1024 / 1024);
    }, 100);
    const t0 = process.hrtime.bigint();
    let rows = 0;
    let upserted = 0;
    let versions = 0;
    let batches = 0;
    // The engine's initial-load path: applyChangeBatchesInOrder with two batches in flight.
    await applyChangeBatchesInOrder(
      pool,
      capture.initialLoad(ctx, { afterId: null }),
      model,
      { schema: SCHEMA, mode: 'merge', depth: Number(process.env.BENCH_DEPTH ?? 2) },
      (batch, r) => {
        rows += batch.records.length + batch.tombstones.length;
        upserted += r.upserted;
        versions += r.versions;
        batches++;
      },
    );
    const secs = seconds(t0);
    clearInterval(sampler);
    const table = (await pool.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.account`)).rows[0].n;
    console.log(
      `RESULT ${JSON.stringify({ rows, upserted, versions, batches, seconds: secs, table, rssBefore, peakRss: vmHwmMb(), sampledPeak })}`,
    );
  } finally {
    await client.close();
    await pool.end();
  }
  process.exit(0);
}

function childLoad(db, emuUrl) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      // BENCH_CHILD_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, to profile Ferry's load.
      [
        '--expose-gc',
        ...(process.env.BENCH_CHILD_NODE_ARGS?.split(' ') ?? []),
        fileURLToPath(import.meta.url),
      ],
      {
        env: { ...process.env, BENCH_CHILD: 'load', BENCH_DB: db, BENCH_EMU: emuUrl },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => {
      const m = /^RESULT (.*)$/m.exec(out);
      if (code !== 0 || !m) reject(new Error(`load child exited with ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(m[1]));
    });
  });
}

// ---------------------------------------------------------------------------------------------
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SMALL_ROWS = Number(process.env.BENCH_SMALL_ROWS ?? Math.round(ROWS / 10));
const POLL_INTERVAL_S = Number(process.env.BENCH_POLL_INTERVAL_S ?? 5);
const POLL_SECONDS = Number(process.env.BENCH_POLL_SECONDS ?? 60);
const CHANGES_PER_S = Number(process.env.BENCH_CHANGES_PER_S ?? 20);
const SKIP_RESYNC = process.env.BENCH_SKIP_RESYNC === '1';
const SKIP_MEMORY = process.env.BENCH_SKIP_MEMORY === '1';
// BENCH_SKIP_POLL=1 skips item 4 too (for quick load-only runs).

let failures = 0;
function fail(message) {
  failures++;
  console.log(`FAIL ${message}`);
}

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const DB = `ferry_bench_${stamp}`;
const DB_SMALL = `${DB}_small`;
const admin = new pg.Client({ connectionString: dbUrl('postgres') });
await admin.connect();
await admin.query(`CREATE DATABASE ${quoteIdent(DB)}`);
if (!SKIP_MEMORY) await admin.query(`CREATE DATABASE ${quoteIdent(DB_SMALL)}`);
const emu = await startEmulatorProcess(['--seed', 'none', '--records', String(ROWS)]);
const pool = createPool({ url: dbUrl(DB), logger, max: 4 });
let smallEmu = null;
const copyFile = join(tmpdir(), `${DB}.copy`);
try {
  await migrate(pool, { logger });
  const client = sfClient(emu.url);
  const model = await accountModel(client);
  const selection = selectFields(model, defaultMapping('Account'));
  const fields = selection.soqlFields;
  console.log(`Account: ${fields.length} fields read, ${fmt(ROWS, 0)} rows; database ${DB}`);

  // ---- 1a. Bare baseline: the same Bulk 2.0 queryAll keyset chunks, csv-parse, COPY into an
  // unindexed text table. Jobs are polled on Ferry's schedule (500 ms, ×1.5) so that waiting for a
  // job costs both paths the same.
  const token = await login(emu.url);
  const auth = { authorization: `Bearer ${token}` };
  const cols = fields.map((f) => f.toLowerCase());
  await pool.query(`CREATE TABLE public.baseline (${cols.map((c) => `${quoteIdent(c)} text`).join(', ')})`);
  const baseClient = await pool.connect();
  let baseRows = 0;
  let t0 = process.hrtime.bigint();
  try {
    let after = null;
    for (;;) {
      const soqlText = `SELECT ${fields.join(', ')} FROM Account${after ? ` WHERE Id > '${after}'` : ''} ORDER BY Id LIMIT ${CHUNK}`;
      const job = await (
        await request(`${emu.url}/services/data/${V}/jobs/query`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ operation: 'queryAll', query: soqlText }),
        })
      ).body.json();
      let state = job.state;
      let delay = 500;
      while (state !== 'JobComplete') {
        if (state === 'Failed' || state === 'Aborted' || !job.id)
          throw new Error(`job ${JSON.stringify(job)} ${state}`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 1.5, 10_000);
        state = (
          await (
            await request(`${emu.url}/services/data/${V}/jobs/query/${job.id}`, { headers: auth })
          ).body.json()
        ).state;
      }
      let locator = null;
      let inChunk = 0;
      do {
        const res = await request(
          `${emu.url}/services/data/${V}/jobs/query/${job.id}/results${locator ? `?locator=${locator}` : ''}`,
          { headers: auth },
        );
        locator = res.headers['sforce-locator'];
        const body = Buffer.from(await res.body.arrayBuffer());
        const records = parseSync(body, { from_line: 2, relax_column_count: false });
        await copyRows(
          baseClient,
          { schema: 'public', name: 'baseline' },
          cols,
          records.map((r) => r.map((v) => (v === '' ? null : v))),
        );
        inChunk += records.length;
        if (records.length > 0) after = records[records.length - 1][0];
      } while (locator && locator !== 'null');
      baseRows += inChunk;
      if (inChunk < CHUNK) break;
    }
  } finally {
    baseClient.release();
  }
  const baseSeconds = seconds(t0);
  const baseRate = baseRows / baseSeconds;
  if (baseRows !== ROWS) fail(`baseline read ${baseRows} rows, expected ${ROWS}`);
  console.log(
    `Baseline (Bulk CSV → csv-parse → COPY, unindexed): ${fmt(baseRate, 0)} rows/s (${fmt(baseSeconds)} s)`,
  );

  // ---- 1b. Raw COPY of pre-rendered rows: the baseline table's rows rendered to COPY text in a file
  // first (untimed), then only COPY FROM STDIN is timed.
  {
    const c = await pool.connect();
    try {
      await pipeline(c.query(copyStreams.to(`COPY public.baseline TO STDOUT`)), createWriteStream(copyFile));
      await c.query(`CREATE TABLE public.raw_copy (LIKE public.baseline)`);
      t0 = process.hrtime.bigint();
      await pipeline(
        createReadStream(copyFile, { highWaterMark: 1 << 20 }),
        c.query(copyStreams.from(`COPY public.raw_copy FROM STDIN`)),
      );
    } finally {
      c.release();
    }
  }
  const rawSeconds = seconds(t0);
  const rawRate = ROWS / rawSeconds;
  console.log(`Raw COPY of pre-rendered rows: ${fmt(rawRate, 0)} rows/s (${fmt(rawSeconds)} s)`);
  await pool.query(`DROP TABLE public.raw_copy; DROP TABLE public.baseline`);
  rmSync(copyFile, { force: true });

  // ---- 1c. Ferry's path, in a child process (its peak RSS is item 2's large run).
  const big = await childLoad(dbUrl(DB), emu.url);
  const ferryRate = big.rows / big.seconds;
  if (big.rows !== ROWS || big.table !== ROWS)
    fail(`Ferry load read ${big.rows} rows, table has ${big.table}, expected ${ROWS}`);
  console.log(
    `Ferry initial load (Bulk → initialLoad → applyChangeBatchesInOrder: history + merge + cursor per batch, 2 in flight): ${fmt(ferryRate, 0)} rows/s (${fmt(big.seconds)} s, ${big.batches} batches, ${fmt(big.versions, 0)} versions)`,
  );
  console.log(`  RATIO initial-load/bare-bulk-copy = ${fmt(ferryRate / baseRate, 3)} (target >= 0.8)`);
  console.log(
    `  RATIO initial-load/raw-copy = ${fmt(ferryRate / rawRate, 3)} (no target; the floor Postgres sets)`,
  );

  // ---- 2. Memory: the same load of SMALL_ROWS in its own process (own emulator, own database).
  if (!SKIP_MEMORY) {
    smallEmu = await startEmulatorProcess(['--seed', 'none', '--records', String(SMALL_ROWS)]);
    const smallPool = createPool({ url: dbUrl(DB_SMALL), logger, max: 1 });
    await migrate(smallPool, { logger });
    await smallPool.end();
    {
      const small = await childLoad(dbUrl(DB_SMALL), smallEmu.url);
      if (small.rows !== SMALL_ROWS || small.table !== SMALL_ROWS)
        fail(`small load read ${small.rows} rows, table has ${small.table}, expected ${SMALL_ROWS}`);
      const growthBig = big.peakRss - big.rssBefore;
      const growthSmall = small.peakRss - small.rssBefore;
      console.log(
        `Peak RSS growth of the load: ${fmt(ROWS, 0)} rows ${fmt(growthBig, 0)} MB (peak ${fmt(big.peakRss, 0)} MB, sampled ${fmt(big.sampledPeak, 0)} MB), ${fmt(SMALL_ROWS, 0)} rows ${fmt(growthSmall, 0)} MB (peak ${fmt(small.peakRss, 0)} MB, sampled ${fmt(small.sampledPeak, 0)} MB)`,
      );
      console.log(
        `  RATIO load-memory ${fmt(ROWS, 0)}/${fmt(SMALL_ROWS, 0)} = ${fmt(growthBig / growthSmall, 3)} (target <= 1.2)`,
      );
    }
  }

  // ---- 3. Re-sync of the unchanged table: the same load again into the same database. Above
  // 200,000 rows it runs on the memory run's table (SMALL_ROWS) unless BENCH_RESYNC=full, to keep
  // the run near 10 minutes; what it measures (writes for zero changes) does not depend on size.
  const resyncFull =
    process.env.BENCH_RESYNC === 'full' ||
    (process.env.BENCH_RESYNC !== 'small' && ROWS <= 200_000) ||
    !smallEmu;
  if (!SKIP_RESYNC) {
    const rPool = resyncFull ? pool : createPool({ url: dbUrl(DB_SMALL), logger, max: 2 });
    const rRows = resyncFull ? ROWS : SMALL_ROWS;
    const rEmu = resyncFull ? emu : smallEmu;
    try {
      const statsSql = `SELECT relname, schemaname, n_tup_ins::bigint AS ins, n_tup_upd::bigint AS upd, n_tup_del::bigint AS del
      FROM pg_stat_user_tables WHERE (schemaname = $1 AND relname = 'account') OR (schemaname = 'ferry' AND relname IN ('record_versions', 'cursors'))`;
      const stats = async () => {
        await rPool.query(`SELECT pg_sleep(1.1)`); // stats of other backends flush at most once a second
        const c = await rPool.connect();
        try {
          await c.query(`SELECT pg_stat_clear_snapshot()`);
          const r = await c.query(statsSql, [SCHEMA]);
          return Object.fromEntries(
            r.rows.map((x) => [
              `${x.schemaname}.${x.relname}`,
              Number(x.ins) + Number(x.upd) + Number(x.del),
            ]),
          );
        } finally {
          c.release();
        }
      };
      const xmin0 = (await rPool.query(`SELECT txid_current() AS x`)).rows[0].x;
      const before = await stats();
      const again = await childLoad(resyncFull ? dbUrl(DB) : dbUrl(DB_SMALL), rEmu.url);
      const afterStats = await stats();
      const delta = (k) => (afterStats[k] ?? 0) - (before[k] ?? 0);
      const mirrorWrites = delta(`${SCHEMA}.account`);
      const historyWrites = delta('ferry.record_versions');
      const cursorWrites = delta('ferry.cursors');
      // Cross-check without the statistics collector: rows whose xmin is newer than the re-sync's start.
      const rewritten = (
        await rPool.query(
          `SELECT count(*)::int AS n FROM ${SCHEMA}.account WHERE xmin::text::bigint >= ($1::bigint % 4294967296)`,
          [xmin0],
        )
      ).rows[0].n;
      if (again.table !== rRows) fail(`after re-sync the table has ${again.table} rows, expected ${rRows}`);
      const written = mirrorWrites + historyWrites;
      console.log(
        `Re-sync of unchanged ${fmt(rRows, 0)} rows: ${fmt(again.rows / again.seconds, 0)} rows/s (${fmt(again.seconds)} s); tuples written: mirror ${mirrorWrites}, history ${historyWrites} (cursor bookkeeping ${cursorWrites} updates, ${again.batches} batches); mirror rows with a new xmin: ${rewritten}`,
      );
      console.log(
        `  RATIO resync-writes = ${fmt((written + 1) / (0 + 1), 3)} ((tuples written + 1) ÷ (rows changed + 1), rows changed = 0; target <= 1.05, i.e. 0 extra writes)`,
      );
    } finally {
      if (rPool !== pool) await rPool.end();
    }
  }
  await smallEmu?.stop();
  smallEmu = null;

  // ---- 4. Poll latency.
  if (process.env.BENCH_SKIP_POLL !== '1') {
    const ids = (
      await pool.query(`SELECT sfid FROM ${SCHEMA}.account ORDER BY random() LIMIT $1`, [
        Math.ceil(POLL_SECONDS * CHANGES_PER_S) + 10,
      ])
    ).rows.map((r) => r.sfid);
    const now = (await (await request(`${emu.url}/__emulator`)).body.json()).now;
    let cursor = { systemModstamp: now, id: null };
    const ctx = captureContext(client, model);
    const pending = new Map(); // sfid → { stamp, ackedAt }
    const latencies = [];
    const rtts = [];
    let sent = 0;
    let stopChanges = false;
    let cycles = 0;
    let cycleSecondsMax = 0;
    const changer = (async () => {
      const start = Date.now();
      while (!stopChanges && sent < ids.length) {
        const due = start + (sent * 1000) / CHANGES_PER_S;
        if (due - Date.now() > 0) await new Promise((r) => setTimeout(r, due - Date.now()));
        if (Date.now() - start >= POLL_SECONDS * 1000) break;
        const id = ids[sent++];
        const value = `bench ${stamp} ${sent}`;
        const s = Date.now();
        const res = await request(`${emu.url}/__emulator/records/Account/${id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ fields: { Description: value } }),
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`PATCH ${id}: ${res.statusCode} ${text}`);
        const ackedAt = Date.now();
        rtts.push(ackedAt - s);
        pending.set(id, { value, ackedAt });
      }
    })();
    const cycle = async () => {
      const c0 = Date.now();
      for await (const batch of capture.poll(ctx, cursor)) {
        await applyChangeBatch(pool, batch, model, { schema: SCHEMA, mode: 'merge' });
        if (batch.cursor) cursor = batch.cursor;
      }
      const visibleAt = Date.now();
      cycles++;
      cycleSecondsMax = Math.max(cycleSecondsMax, (visibleAt - c0) / 1000);
      if (pending.size === 0) return;
      const r = await pool.query(`SELECT sfid, description FROM ${SCHEMA}.account WHERE sfid = ANY($1)`, [
        [...pending.keys()],
      ]);
      for (const row of r.rows) {
        const p = pending.get(row.sfid);
        if (p && row.description === p.value) {
          latencies.push(visibleAt - p.ackedAt);
          pending.delete(row.sfid);
        }
      }
    };
    const pollStart = Date.now();
    let changesDone = false;
    changer.then(
      () => (changesDone = true),
      () => (changesDone = true),
    );
    // Cycles on a fixed 5 s schedule; after the changes stop, at most 3 more cycles (bounded).
    let extra = 0;
    for (let k = 1; ; k++) {
      const due = pollStart + k * POLL_INTERVAL_S * 1000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      await cycle();
      if (changesDone) {
        if (pending.size === 0 || ++extra >= 3) break;
      }
    }
    stopChanges = true;
    await changer;
    latencies.sort((a, b) => a - b);
    const pct = (p) =>
      latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] / 1000;
    const missed = pending.size;
    console.log(
      `Poll every ${POLL_INTERVAL_S} s while ${fmt(sent / POLL_SECONDS, 1)} records/s change for ${POLL_SECONDS} s: ${sent} changes, ${cycles} cycles (longest ${fmt(cycleSecondsMax)} s), PATCH round trip mean ${fmt(rtts.reduce((a, b) => a + b, 0) / Math.max(1, rtts.length), 1)} ms`,
    );
    if (latencies.length > 0) {
      console.log(
        `  latency (visible in Postgres − acknowledged by the emulator): p50 ${fmt(pct(50))} s, p95 ${fmt(pct(95))} s, max ${fmt(latencies[latencies.length - 1] / 1000)} s; missed ${missed}`,
      );
      console.log(`  RATIO poll-latency-p95/interval = ${fmt(pct(95) / POLL_INTERVAL_S, 3)} (target <= 1.2)`);
    }
    if (missed > 0) fail(`${missed} changed records never became visible in Postgres`);
  }
  await client.close();
} finally {
  await pool.end();
  await emu.stop();
  await smallEmu?.stop();
  rmSync(copyFile, { force: true });
  if (process.env.BENCH_KEEP_DB !== '1') {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(DB)} WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(DB_SMALL)} WITH (FORCE)`);
  }
  await admin.end();
}
if (failures > 0) {
  console.log(`${failures} correctness failure(s)`);
  process.exitCode = 1;
}
