// API economy (mirror issue): Salesforce API calls Ferry's sync engine makes ÷ the fewest calls that
// can do the same read, counted by the emulator per endpoint (GET /__emulator/calls; logins are not
// counted: the client logs in before each measurement). Target ≤ 1.05 for every line.
//
// The engine runs exactly as `ferry sync` runs it (SyncEngine.runCycle, capture, history, merge
// mirror) on one object, Account, of an emulator generated with BENCH_ROWS (25,000) Accounts.
//
// The minimum, per object per cycle:
//   describe      1 — the field list can change between cycles (schema drift), so every cycle needs it;
//   REST pages    max(1, ⌈R / 2,000⌉) — R = the rows the read must return (2,000 = Salesforce's
//                 largest REST page); at least one call to learn that nothing changed;
//   getDeleted    1 per poll — the only way to see records deleted and purged from the recycle bin
//                 before a query saw them (DESIGN.md "Deletes"); initial loads read deleted rows
//                 through queryAll, so they need none;
//   Bulk 2.0      1 sizing call + 1 create + 1 status poll + ⌈R / 50,000⌉ results pages. Choosing
//                 Bulk needs the row count first (one call: a COUNT, or the first REST page, whose
//                 totalSize says the same); a job cannot be read before one status call says
//                 JobComplete; 50,000 rows is the emulator's default results page.
// Not in the minimum: a COUNT before a read that ends up on REST (the first page's totalSize tells
// the size and already carries 2,000 rows), a trailing empty REST page, a second status poll.
//
// (i)   initial load of BENCH_ROWS Accounts, REST (bulkThreshold above the row count) and Bulk
//       (bulkThreshold 10,000, the default); each cycle also polls once (initial load → incremental),
//       so its minimum is describe + the load's pages/job + getDeleted + 1 poll page.
// (ii)  poll cycles after N records changed (N = 0, 150, 2,000, 4,500). R for a poll is what its
//       window must return: every row with SystemModstamp ≥ cursor − overlap (5 min), which includes
//       rows the previous poll ended on (the overlap re-read is a correctness rule, not waste).
//       R is counted before the cycle with one uncounted COUNT. The emulator clock moves 10 minutes
//       between cycles so that the previous changes leave the overlap window.
// (iii) a poll cycle after BENCH_DELETES (300) Accounts were deleted.
// Exit status is non-zero for a crash or a correctness failure (mirror ≠ org at the end).
import pg from 'pg';
import { request } from 'undici';
import { capture } from '../dist/capture/index.js';
import { clientOptionsFor, resolveConfig } from '../dist/config/ferry-config.js';
import { SyncEngine } from '../dist/engine/index.js';
import { createLogger } from '../dist/log/index.js';
import { SalesforceClient } from '../dist/salesforce/index.js';
import { createPool, migrate, quoteIdent } from '../dist/store/index.js';
import { controlJson, fmt, login, startEmulatorProcess } from './support.mjs';

const ROWS = Number(process.env.BENCH_ROWS ?? 25_000);
const DELETES = Number(process.env.BENCH_DELETES ?? 300);
const CHANGES = (process.env.BENCH_CHANGES ?? '0,150,2000,4500').split(',').map(Number);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const V = 'v62.0';
const REST_PAGE = 2_000;
const BULK_PAGE = 50_000;
const OVERLAP_MS = 5 * 60_000;
const logger = createLogger({ level: process.env.FERRY_LOG_LEVEL ?? 'warn' });

function dbUrl(name) {
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

let failures = 0;
function fail(message) {
  failures++;
  console.log(`FAIL ${message}`);
}

/** Calls per endpoint since the last reset, logins left out. */
async function calls(emuUrl) {
  const { byEndpoint } = await controlJson(emuUrl, 'GET', '/calls');
  delete byEndpoint['oauth-token'];
  return byEndpoint;
}

const total = (byEndpoint) => Object.values(byEndpoint).reduce((a, b) => a + b, 0);
const show = (byEndpoint) =>
  Object.entries(byEndpoint)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

const results = [];
function report(label, made, minimum, note) {
  const ratio = total(made) / minimum;
  results.push({ label, ratio });
  console.log(
    `${label}: ${total(made)} calls (${show(made)}); minimum ${minimum}${note ? ` (${note})` : ''}`,
  );
  console.log(`  RATIO api-calls/minimum ${label} = ${fmt(ratio, 3)} (target <= 1.05)`);
}

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const DB_REST = `ferry_apibench_${stamp}_rest`;
const DB_BULK = `ferry_apibench_${stamp}_bulk`;
const admin = new pg.Client({ connectionString: dbUrl('postgres') });
await admin.connect();
for (const name of [DB_REST, DB_BULK]) await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
const emu = await startEmulatorProcess(['--seed', 'none', '--records', String(ROWS)]);
const pools = [];
const clients = [];
try {
  const token = await login(emu.url);
  const api = async (path, init = {}) => {
    const res = await request(`${emu.url}/services/data/${V}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) },
    });
    const body = await res.body.json();
    if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${JSON.stringify(body)}`);
    return body;
  };
  /** Rows with SystemModstamp ≥ since, deleted ones included (queryAll); made before a reset. */
  const countSince = async (since) =>
    (
      await api(
        `/queryAll?q=${encodeURIComponent(`SELECT COUNT() FROM Account WHERE SystemModstamp >= ${since.toISOString().replace(/\.\d{3}Z$/, 'Z')}`)}`,
      )
    ).totalSize;

  const setUp = async (db, bulkThreshold) => {
    const pool = createPool({ url: dbUrl(db), logger, max: 4 });
    pools.push(pool);
    await migrate(pool, { logger });
    const config = resolveConfig({
      env: {
        FERRY_SF_LOGIN_URL: emu.url,
        FERRY_SF_USERNAME: 'admin@ferry.test',
        FERRY_SF_PASSWORD: 'ferry',
        FERRY_SF_CLIENT_ID: 'ferry',
        FERRY_SF_CLIENT_SECRET: 'ferry-secret',
        FERRY_DATABASE_URL: dbUrl(db),
        FERRY_OBJECTS: 'Account',
        FERRY_BULK_THRESHOLD: String(bulkThreshold),
      },
    });
    const client = new SalesforceClient({ ...clientOptionsFor(config), logger });
    clients.push(client);
    await client.connect(); // the login is not part of any measurement
    const engine = new SyncEngine({ config, pool, client, capture, logger });
    return { pool, client, engine };
  };
  console.log(`Account: ${fmt(ROWS, 0)} rows; databases ${DB_REST}, ${DB_BULK}`);

  // ---- (i) Initial loads.
  const rest = await setUp(DB_REST, ROWS + 1);
  await controlJson(emu.url, 'DELETE', '/calls');
  const restLoad = await rest.engine.runCycle();
  if (restLoad.state !== 'succeeded') fail(`REST initial load ended ${restLoad.state}`);
  report(
    'initial-load-rest',
    await calls(emu.url),
    1 + Math.max(1, Math.ceil(ROWS / REST_PAGE)) + 1 + 1,
    `describe 1 + ${Math.ceil(ROWS / REST_PAGE)} pages + poll: getDeleted 1 + 1 page`,
  );

  const bulk = await setUp(DB_BULK, 10_000);
  await controlJson(emu.url, 'DELETE', '/calls');
  const bulkLoad = await bulk.engine.runCycle();
  if (bulkLoad.state !== 'succeeded') fail(`Bulk initial load ended ${bulkLoad.state}`);
  const bulkCalls = await calls(emu.url);
  const resultPages = Math.ceil(ROWS / BULK_PAGE);
  report(
    'initial-load-bulk',
    bulkCalls,
    1 + (1 + 1 + 1 + resultPages) + 1 + 1,
    `describe 1 + sizing 1 + job create 1 + status 1 + ${resultPages} results + poll: getDeleted 1 + 1 page`,
  );
  console.log(
    `  Bulk job status polls: ${bulkCalls['bulk2-query-get'] ?? 0} (client schedule: 0.5 s, ×1.5 per poll, capped at 10 s)`,
  );

  // ---- (ii) Poll cycles with N changed records, on the Bulk-loaded database (default threshold).
  const { pool, engine } = bulk;
  const cursorSince = async () => {
    const r = await pool.query(`SELECT systemmodstamp FROM ferry.cursors WHERE object = 'Account'`);
    return new Date(r.rows[0].systemmodstamp.getTime() - OVERLAP_MS);
  };
  const liveIds = async (n) =>
    (
      await pool.query(
        `SELECT sfid FROM salesforce.account WHERE isdeleted IS NOT TRUE ORDER BY random() LIMIT $1`,
        [n],
      )
    ).rows.map((r) => r.sfid);
  const change = async (ids, value) => {
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        await controlJson(emu.url, 'PATCH', `/records/Account/${id}`, { fields: { Description: value } });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  };
  for (const n of CHANGES) {
    await controlJson(emu.url, 'POST', '/clock', { advanceMs: 10 * 60_000 });
    await change(await liveIds(n), `api-economy ${stamp} ${n}`);
    const r = await countSince(await cursorSince());
    await controlJson(emu.url, 'DELETE', '/calls');
    const cycle = await engine.runCycle();
    if (cycle.state !== 'succeeded') fail(`poll after ${n} changes ended ${cycle.state}`);
    report(
      `poll-${n}-changes`,
      await calls(emu.url),
      1 + 1 + Math.max(1, Math.ceil(r / REST_PAGE)),
      `R = ${r} rows in the window; describe 1 + getDeleted 1 + ${Math.max(1, Math.ceil(r / REST_PAGE))} pages`,
    );
  }

  // ---- (iii) A poll cycle after deletes (made through the API before the counters are reset).
  await controlJson(emu.url, 'POST', '/clock', { advanceMs: 10 * 60_000 });
  const doomed = await liveIds(DELETES);
  for (let i = 0; i < doomed.length; i += 200) await bulk.client.delete(doomed.slice(i, i + 200));
  const r = await countSince(await cursorSince());
  await controlJson(emu.url, 'DELETE', '/calls');
  const del = await engine.runCycle();
  if (del.state !== 'succeeded') fail(`poll after deletes ended ${del.state}`);
  report(
    `poll-${DELETES}-deletes`,
    await calls(emu.url),
    1 + 1 + Math.max(1, Math.ceil(r / REST_PAGE)),
    `R = ${r} rows in the window (deleted rows come back through queryAll); describe 1 + getDeleted 1 + ${Math.max(1, Math.ceil(r / REST_PAGE))} pages`,
  );
  const tombstoned = (
    await pool.query(`SELECT count(*)::int AS n FROM salesforce.account WHERE sfid = ANY($1) AND isdeleted`, [
      doomed,
    ])
  ).rows[0].n;
  if (tombstoned !== doomed.length) fail(`${tombstoned} of ${doomed.length} deleted Accounts tombstoned`);

  // Correctness: the mirror holds exactly the org's live Accounts.
  const orgLive = (await api(`/query?q=${encodeURIComponent('SELECT COUNT() FROM Account')}`)).totalSize;
  const mirrorLive = (
    await pool.query(`SELECT count(*)::int AS n FROM salesforce.account WHERE isdeleted IS NOT TRUE`)
  ).rows[0].n;
  if (orgLive !== mirrorLive) fail(`mirror has ${mirrorLive} live Accounts, the org ${orgLive}`);
  else console.log(`Mirror = org: ${fmt(mirrorLive, 0)} live Accounts`);
  const worst = results.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  console.log(`Worst: ${worst.label} ${fmt(worst.ratio, 3)}`);
} finally {
  for (const c of clients) await c.close();
  for (const p of pools) await p.end();
  await emu.stop();
  if (process.env.BENCH_KEEP_DB !== '1') {
    for (const name of [DB_REST, DB_BULK]) {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    }
  }
  await admin.end();
}
if (failures > 0) {
  console.log(`${failures} correctness failure(s)`);
  process.exitCode = 1;
}
