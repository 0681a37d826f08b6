// Emulator throughput (foundation issue §5).
// "Serialising" means producing the bytes a server sends: rows → CSV or JSON text → UTF-8. Both
// baselines include that encoding step, because the emulator's rate includes it too.
// 1. Bulk 2.0 query of 1,000,000 Accounts (~50 fields): rows/s from job creation to the last byte of
//    the last results page, ÷ the rate of merely serialising the same rows to CSV in this process.
// 2. REST query pages (2,000 rows each) over the same rows: rows/s ÷ the rate of JSON.stringify of
//    the same page objects.
// Target for both: ≥ 0.5 (the emulator must never be what limits Ferry's own benchmarks).
import { parse as parseSync } from 'csv-parse/sync';
import { Agent, request } from 'undici';
import { cpuSeconds, fmt, login, peakRssMb, seconds, startEmulatorProcess } from './support.mjs';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REST_ROWS = Number(process.env.BENCH_REST_ROWS ?? ROWS);
const V = 'v62.0';

function csvCell(v) {
  if (v === '' || v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const emu = await startEmulatorProcess(['--seed', 'none', '--records', String(ROWS)]);
try {
  const token = await login(emu.url);
  const auth = { authorization: `Bearer ${token}` };
  const describe = await (
    await request(`${emu.url}/services/data/${V}/sobjects/Account/describe`, { headers: auth })
  ).body.json();
  const fields = describe.fields
    .filter((f) => f.type !== 'address' && f.type !== 'location')
    .map((f) => f.name);
  const soql = `SELECT ${fields.join(', ')} FROM Account`;
  console.log(`Account: ${fields.length} fields, ${fmt(ROWS, 0)} rows`);

  // ---- Bulk 2.0 query, end to end. The client only counts records while it downloads (a
  // quote-aware newline count), so its own parsing never throttles the server; the pages are kept
  // and parsed afterwards, outside the timed part, to give the baseline its rows.
  let t0 = process.hrtime.bigint();
  let cpu0 = cpuSeconds(emu.pid);
  const job = await (
    await request(`${emu.url}/services/data/${V}/jobs/query`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'query', query: soql }),
    })
  ).body.json();
  let state = job.state;
  let delay = 50;
  while (state !== 'JobComplete') {
    if (state === 'Failed' || state === 'Aborted') throw new Error(`job ${job.id} ${state}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 500);
    state = (
      await (
        await request(`${emu.url}/services/data/${V}/jobs/query/${job.id}`, { headers: auth })
      ).body.json()
    ).state;
  }
  const processedAt = seconds(t0);
  let locator = null;
  let bulkRows = 0;
  const pages = [];
  do {
    const url = `${emu.url}/services/data/${V}/jobs/query/${job.id}/results${locator ? `?locator=${locator}` : ''}`;
    const res = await request(url, { headers: auth });
    locator = res.headers['sforce-locator'];
    const chunks = [];
    let quoted = false;
    let lines = 0;
    for await (const chunk of res.body) {
      chunks.push(chunk);
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i];
        if (c === 34) quoted = !quoted;
        else if (c === 10 && !quoted) lines++;
      }
    }
    bulkRows += lines - 1; // header row on every page
    pages.push(Buffer.concat(chunks));
  } while (locator && locator !== 'null');
  const bulkSeconds = seconds(t0);
  const bulkCpu = cpuSeconds(emu.pid) - cpu0;
  if (bulkRows !== ROWS) throw new Error(`Bulk query returned ${bulkRows} rows, expected ${ROWS}`);
  let serializeNs = 0n;
  let parsed = 0;
  for (const page of pages.splice(0)) {
    const records = parseSync(page, { columns: true });
    parsed += records.length;
    const s = process.hrtime.bigint();
    let out = '';
    for (const rec of records) out += fields.map((f) => csvCell(rec[f])).join(',') + '\n';
    const bytes = Buffer.from(out);
    serializeNs += process.hrtime.bigint() - s;
    if (bytes.length === 0) throw new Error('empty page');
  }
  if (parsed !== ROWS) throw new Error(`parsed ${parsed} rows, counted ${ROWS}`);
  const bulkRate = bulkRows / bulkSeconds;
  const csvRate = bulkRows / (Number(serializeNs) / 1e9);
  console.log(
    `Bulk 2.0 query: ${fmt(bulkRate, 0)} rows/s (job processed in ${fmt(processedAt)} s, total ${fmt(bulkSeconds)} s, emulator CPU ${fmt(bulkCpu)} s)`,
  );
  console.log(`  baseline CSV serialisation: ${fmt(csvRate, 0)} rows/s`);
  console.log(`  RATIO bulk-query/csv-serialise = ${fmt(bulkRate / csvRate, 3)} (target >= 0.5)`);

  // ---- REST query pages. The next page is requested as soon as its locator is read, and the
  // client only counts records (an indexOf scan), so it never throttles the server. The baseline
  // parses and re-serialises every fifth page (a 20% sample of the same rows), outside the timing
  // of the emulator as far as overlap allows.
  t0 = process.hrtime.bigint();
  cpu0 = cpuSeconds(emu.pid);
  // A fresh connection pool: the Bulk section's sockets sat idle past the server's keep-alive.
  const dispatcher = new Agent();
  const headers = { ...auth, 'sforce-query-options': 'batchSize=2000' };
  const fetchPage = async (path) => (await request(`${emu.url}${path}`, { headers, dispatcher })).body.text();
  let pending = fetchPage(`/services/data/${V}/query?q=${encodeURIComponent(soql)}`);
  let restRows = 0;
  let pageNo = 0;
  const sample = [];
  while (pending) {
    const text = await pending;
    const next = /"nextRecordsUrl":"([^"]+)"/.exec(text.slice(0, 400));
    pending = next && restRows < REST_ROWS ? fetchPage(next[1]) : null;
    let records = 0;
    for (let i = text.indexOf('{"attributes":'); i !== -1; i = text.indexOf('{"attributes":', i + 14))
      records++;
    if (records === 0 && !text.startsWith('{"totalSize"')) throw new Error(`bad page: ${text.slice(0, 200)}`);
    restRows += records;
    if (pageNo++ % 5 === 0) sample.push(text);
  }
  const restSeconds = seconds(t0);
  const restCpu = cpuSeconds(emu.pid) - cpu0;
  let jsonNs = 0n;
  let sampleRows = 0;
  for (const text of sample.splice(0)) {
    const page = JSON.parse(text);
    sampleRows += page.records.length;
    const s = process.hrtime.bigint();
    Buffer.from(JSON.stringify(page));
    jsonNs += process.hrtime.bigint() - s;
  }
  const restRate = restRows / restSeconds;
  const jsonRate = sampleRows / (Number(jsonNs) / 1e9);
  console.log(
    `REST query pages: ${fmt(restRate, 0)} rows/s over ${fmt(restRows, 0)} rows (${pageNo} pages, emulator CPU ${fmt(restCpu)} s)`,
  );
  console.log(`  baseline JSON serialisation: ${fmt(jsonRate, 0)} rows/s (${fmt(sampleRows, 0)}-row sample)`);
  console.log(`  RATIO rest-query/json-serialise = ${fmt(restRate / jsonRate, 3)} (target >= 0.5)`);
  console.log(
    `Emulator peak RSS over both reads: ${fmt(peakRssMb(emu.pid), 0)} MB (the org's records are generated, not stored)`,
  );
} finally {
  await emu.stop();
}
