import { stringify } from 'csv-stringify/sync';
import { startEmulator } from './src/emulator/server.js';
const N = Number(process.env.N ?? 1_000_000);
let t = performance.now();
const emu = await startEmulator({ port: 0, seed: 'demo', records: N });
console.log('start', Math.round(performance.now() - t), 'ms');
const soql = process.env.Q ?? 'SELECT Id, Name, Industry, AnnualRevenue, CreatedDate FROM Account';
// baseline: plain serialization of the same rows (cursor read + toCsvCells + csv-stringify)
t = performance.now();
const q = emu.org.compile(soql);
const cur = emu.org.openCursor(q, { scanAll: false });
console.log('openCursor', Math.round(performance.now() - t), 'ms total', cur.totalSize);
async function baseline(kind: string) {
  const t0 = performance.now();
  let bytes = 0;
  for (let p = 0; p < cur.totalSize; p += 2000) {
    const rows = cur.page(p, 2000);
    const cells = rows.map((r) => q.toCsvCells(r, emu.org.ctx));
    if (kind === 'stringify') bytes += stringify(cells).length;
    else bytes += cells.map((c) => c.map((v) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(',')).join('\n').length;
  }
  const ms = performance.now() - t0;
  console.log(`baseline ${kind}: ${Math.round(ms)} ms, ${Math.round(cur.totalSize / ms * 1000)} rows/s, ${bytes} chars`);
  return cur.totalSize / ms * 1000;
}
const b1 = process.env.SKIPB ? 1 : await baseline("stringify");
const b2 = process.env.SKIPB ? 1 : await baseline("join");
const tok = await fetch(`${emu.url}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'password', username: emu.username, password: emu.password + emu.securityToken, client_id: emu.clientId, client_secret: emu.clientSecret }) });
const { access_token } = await tok.json() as { access_token: string };
const H = { Authorization: `Bearer ${access_token}` };
const base = `${emu.url}/services/data/v62.0/jobs/query`;
for (const maxRecords of (process.env.M === "big" ? [1_000_000, undefined] : [undefined, 1_000_000])) {
  const job = await (await fetch(base, { method: 'POST', headers: { ...H, 'content-type': 'application/json' }, body: JSON.stringify({ operation: 'query', query: soql }) })).json() as { id: string };
  for (;;) { const i = await (await fetch(`${base}/${job.id}`, { headers: H })).json() as { state: string }; if (i.state === 'JobComplete') break; await new Promise((r) => setTimeout(r, 20)); }
  const t0 = performance.now();
  let loc: string | null = null; let bytes = 0; let rows = 0;
  do {
    const r = await fetch(`${base}/${job.id}/results?${maxRecords ? `maxRecords=${maxRecords}&` : ''}${loc ? `locator=${loc}` : ''}`, { headers: H });
    rows += Number(r.headers.get('sforce-numberofrecords'));
    loc = r.headers.get('sforce-locator');
    const reader = r.body!.getReader();
    for (;;) { const { done, value } = await reader.read(); if (done) break; bytes += value.length; }
  } while (loc !== 'null');
  const ms = performance.now() - t0;
  const rate = rows / ms * 1000;
  console.log(`emulator maxRecords=${maxRecords}: ${Math.round(ms)} ms, ${Math.round(rate)} rows/s, ${bytes} bytes; ratio vs stringify ${(rate / b1).toFixed(2)}, vs join ${(rate / b2).toFixed(2)}`);
}
await emu.close();
