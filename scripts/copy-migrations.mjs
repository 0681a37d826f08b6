// Copies the SQL migrations next to the compiled code, where src/store/migrate.ts looks for them
// (new URL('./migrations/', import.meta.url)). tsc only emits .ts output, so the build runs this after it.
// Usage: node scripts/copy-migrations.mjs [from] [to]
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import process from 'node:process';

const from = process.argv[2] ?? 'src/store/migrations';
const to = process.argv[3] ?? 'dist/store/migrations';

// Start clean so a migration deleted or renamed in src cannot linger in dist.
await rm(to, { recursive: true, force: true });
await mkdir(to, { recursive: true });
const files = (await readdir(from)).filter((f) => f.endsWith('.sql')).sort();
for (const file of files) await copyFile(join(from, file), join(to, file));
process.stdout.write(`copied ${files.length} migration(s) to ${to}\n`);
