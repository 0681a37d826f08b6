import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config/ferry-config.js';
import { defaultMapping } from '../../src/config/object-mapping.js';
import { renderOptionReference, renderStarterConfig } from '../../src/config/option-docs.js';

const LOGIN = {
  FERRY_SF_USERNAME: 'admin@ferry.test',
  FERRY_SF_PASSWORD: 'pw',
  FERRY_SF_CLIENT_ID: 'ferry',
  FERRY_SF_CLIENT_SECRET: 'cs',
};

const dir = mkdtempSync(join(tmpdir(), 'ferry-init-'));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ferry init', () => {
  it('writes a starter file that resolves to the defaults, and refuses to overwrite without --force', async () => {
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation(
      (c: string | Uint8Array) => ((out += String(c)), true),
    );
    vi.spyOn(process.stderr, 'write').mockImplementation(
      (c: string | Uint8Array) => ((err += String(c)), true),
    );
    const file = join(dir, 'ferry.config.yaml');
    expect(await main(['node', 'ferry', 'init', '--config', file])).toBe(0);
    expect(out).toContain(`Wrote ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('passwordEnv: FERRY_SF_PASSWORD');
    expect(text).toMatch(/# how often each object is polled/);

    const fromFile = resolveConfig({ file, env: LOGIN });
    const defaults = resolveConfig({ env: LOGIN });
    expect(fromFile.org).toEqual(defaults.org);
    expect(fromFile.database).toEqual(defaults.database);
    expect(fromFile.mirror).toEqual(defaults.mirror);
    expect(fromFile.objects).toEqual({
      Account: defaultMapping('Account'),
      Contact: defaultMapping('Contact'),
      Opportunity: defaultMapping('Opportunity'),
    });

    writeFileSync(file, 'mirror: {}\n');
    expect(await main(['node', 'ferry', 'init', '--config', file])).toBe(2);
    expect(err).toContain('already exists');
    expect(err).toContain('--force');
    expect(readFileSync(file, 'utf8')).toBe('mirror: {}\n');
    expect(await main(['node', 'ferry', 'init', '--config', file, '--force'])).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(renderStarterConfig());
  });

  it('shows every option of the tables in the starter file', () => {
    const parsed = parse(renderStarterConfig()) as Record<string, Record<string, unknown>>;
    expect(Object.keys(parsed)).toEqual(['org', 'database', 'mirror', 'writes', 'objects']);
    expect(parsed.mirror).toEqual({
      schema: 'salesforce',
      pollInterval: '2m',
      overlap: '5m',
      bulkThreshold: 10000,
      apiBudget: 0.8,
    });
    expect(parsed.writes).toMatchObject({
      algorithm: 'ordered',
      minInterval: '1s',
      pollEvery: '2m',
      conflictPolicy: 'postgres-wins',
      archiveAfter: '1d',
      purgeAfter: '31d',
    });
  });
});

describe('docs/configuration.md', () => {
  it('holds the reference generated from the option tables (FERRY_UPDATE_DOCS=1 rewrites it)', () => {
    const path = join(import.meta.dirname, '../../docs/configuration.md');
    const begin = '<!-- options:begin (generated from src/config; do not edit) -->\n';
    const end = '<!-- options:end -->';
    const doc = readFileSync(path, 'utf8');
    const start = doc.indexOf(begin);
    const stop = doc.indexOf(end);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(stop).toBeGreaterThan(start);
    const generated = `\n${renderOptionReference()}\n`;
    if (process.env.FERRY_UPDATE_DOCS === '1') {
      writeFileSync(path, doc.slice(0, start + begin.length) + generated + doc.slice(stop));
      return;
    }
    expect(doc.slice(start + begin.length, stop)).toBe(generated);
  });
});
