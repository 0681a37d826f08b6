import { createOrg } from './src/emulator/org/org.js';
const N = 1_000_000;
const org = await createOrg({ seed: 'demo', records: N });
const soql = process.env.Q ?? 'SELECT Id, Name, Industry, AnnualRevenue, CreatedDate FROM Account';
const q = org.compile(soql);
for (let round = 0; round < 3; round++) {
  let t = performance.now();
  const cur = org.openCursor(q, { scanAll: false });
  const tOpen = performance.now() - t;
  t = performance.now();
  let n = 0; let tPage = 0; let tCells = 0; let tLine = 0; let chars = 0;
  for (let p = 0; p < cur.totalSize; p += 2000) {
    let t1 = performance.now();
    const rows = cur.page(p, 2000);
    tPage += performance.now() - t1;
    t1 = performance.now();
    const cells = rows.map((r) => q.toCsvCells(r, org.ctx));
    tCells += performance.now() - t1;
    t1 = performance.now();
    let chunk = '';
    for (const c of cells) { let line = '"'; for (let i = 0; i < c.length; i++) { const v = c[i]!; if (i) line += '","'; line += v.indexOf('"') === -1 ? v : v.replaceAll('"', '""'); } chunk += line + '"\n'; if (chunk.length > 65536) { chars += chunk.length; chunk = ''; } }
    chars += chunk.length;
    tLine += performance.now() - t1;
    n += rows.length;
  }
  console.log(`round ${round}: open ${tOpen.toFixed(0)} page ${tPage.toFixed(0)} cells ${tCells.toFixed(0)} lines ${tLine.toFixed(0)} ms; rows ${n} chars ${chars}`);
}
