import { createOrg } from './src/emulator/org/org.js';
const org = await createOrg({ seed: 'demo', records: 1_000_000 });
const q = org.compile('SELECT Id, Name, Industry, AnnualRevenue, CreatedDate FROM Account');
const cur = org.openCursor(q, { scanAll: false });
let t = performance.now();
let x = 0;
for (let p = 0; p < cur.totalSize; p += 2000) { const rows = cur.page(p, 2000); for (const r of rows) x += q.toCsvCells(r, org.ctx).length; }
console.log('first pass', Math.round(performance.now() - t));
t = performance.now();
for (let p = 0; p < cur.totalSize; p += 2000) { const rows = cur.page(p, 2000); for (const r of rows) x += q.toCsvCells(r, org.ctx).length; }
console.log('second pass', Math.round(performance.now() - t), x);
const rows = cur.page(0, 3); console.log(rows[0], Object.getOwnPropertyDescriptors(rows[0]!).Name, q.toCsvCells(rows[0]!, org.ctx));
