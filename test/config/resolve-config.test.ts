import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigProblemsError } from '../../src/config/config-problems.js';
import { formatDuration, parseDuration } from '../../src/config/duration.js';
import { clientOptionsFor, resolveConfig, type ConfigSources } from '../../src/config/ferry-config.js';
import { ConfigError } from '../../src/errors/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-config-'));
let n = 0;
function file(text: string): string {
  const path = join(dir, `ferry-${++n}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** Login settings for the password flow, so tests can focus on other settings. */
const LOGIN = {
  FERRY_SF_USERNAME: 'admin@ferry.test',
  FERRY_SF_PASSWORD: 'pw-from-env-1',
  FERRY_SF_CLIENT_ID: 'ferry',
  FERRY_SF_CLIENT_SECRET: 'client-secret-from-env',
};

function problems(sources: ConfigSources): ConfigProblemsError {
  try {
    resolveConfig(sources);
  } catch (err) {
    if (err instanceof ConfigProblemsError) return err;
    throw err;
  }
  throw new Error('expected a ConfigProblemsError');
}

describe('resolveConfig', () => {
  it('uses the defaults when nothing is given but the login', () => {
    const config = resolveConfig({ env: LOGIN });
    expect(config.file).toBeUndefined();
    expect(config.org).toMatchObject({ auth: 'password', apiVersion: '62.0', username: 'admin@ferry.test' });
    expect(config.mirror).toEqual({
      schema: 'salesforce',
      pollInterval: 120_000,
      overlap: 300_000,
      bulkThreshold: 10_000,
      apiBudget: 0.8,
    });
    expect(config.database).toEqual({ dataDir: '.ferry/pg' });
    expect(config.objects).toEqual({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.mirror)).toBe(true);
  });

  it('takes flags over env over file over defaults', () => {
    const path = file(
      [
        'org:',
        '  loginUrl: https://file.example.com',
        '  username: file@example.com',
        'mirror:',
        '  schema: from_file',
        '  pollInterval: 30s',
        '  overlap: 1m',
        '  bulkThreshold: 5',
      ].join('\n'),
    );
    const config = resolveConfig({
      file: path,
      env: { ...LOGIN, FERRY_SCHEMA: 'from_env', FERRY_POLL_INTERVAL: '1h', FERRY_OVERLAP: '2m' },
      flags: { schema: 'from_flag', sfLoginUrl: 'https://flag.example.com' },
    });
    expect(config.file).toBe(path);
    expect(config.mirror.schema).toBe('from_flag');
    expect(config.org.loginUrl).toBe('https://flag.example.com');
    expect(config.mirror.pollInterval).toBe(3_600_000);
    expect(config.mirror.overlap).toBe(120_000);
    expect(config.mirror.bulkThreshold).toBe(5);
    expect(config.mirror.apiBudget).toBe(0.8);
    // FERRY_SF_USERNAME (env) beats the file.
    expect(config.org.username).toBe('admin@ferry.test');
  });

  it('reads durations such as 30s, 2m, 1h and 365d and refuses others', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('365d')).toBe(365 * 86_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2 minutes')).toBeUndefined();
    expect(parseDuration('1.5h')).toBeUndefined();
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(365 * 86_400_000)).toBe('365d');
    expect(formatDuration(90_000)).toBe('90s');

    const path = file('objects:\n  Task:\n    retention: 365d\n');
    expect(resolveConfig({ file: path, env: LOGIN }).objects.Task?.retention).toBe(365 * 86_400_000);

    const err = problems({ env: { ...LOGIN, FERRY_POLL_INTERVAL: 'often', FERRY_OVERLAP: '3d' } });
    expect(err.message).toContain('FERRY_POLL_INTERVAL: "often" is not valid for pollInterval');
    expect(err.message).toContain('a duration such as 30s, 2m, 1h or 365d');
    expect(err.message).toMatch(/FERRY_OVERLAP: "3d".*from 0ms to 1d/);
  });

  it('names unknown keys with their path and the nearest valid key, all at once', () => {
    const path = file(
      [
        'org:',
        '  loginURL: https://login.salesforce.com',
        'mirror:',
        '  pollIntervall: 2m',
        'objects:',
        '  Account:',
        '    feilds: all',
        'mirorr: {}',
      ].join('\n'),
    );
    const err = problems({ file: path, env: LOGIN });
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems.map((p) => `${p.path}: ${p.fix ?? ''}`)).toEqual([
      'org.loginURL: did you mean org.loginUrl?',
      'mirror.pollIntervall: did you mean mirror.pollInterval?',
      'mirorr: did you mean mirror?',
      'objects.Account.feilds: did you mean objects.Account.fields?',
    ]);
  });

  it('refuses a literal secret in the file, tells the fix and never shows the value', () => {
    const path = file(
      [
        'org:',
        '  username: admin@ferry.test',
        '  password: hunter2-literal',
        '  clientSecret: s3cr3t-literal',
        'database:',
        '  url: postgres://ferry:dbpass-literal@localhost/ferry',
      ].join('\n'),
    );
    const err = problems({ file: path, env: {} });
    const text = err.message;
    expect(text).not.toMatch(/hunter2|s3cr3t|dbpass/);
    const byPath = new Map(err.problems.map((p) => [p.path, p]));
    expect(byPath.get('org.password')?.fix).toContain('passwordEnv: FERRY_SF_PASSWORD');
    expect(byPath.get('org.password')?.fix).toContain('passwordFile: ./secrets/password');
    expect(byPath.get('org.clientSecret')?.fix).toContain('clientSecretEnv: FERRY_SF_CLIENT_SECRET');
    expect(byPath.get('database.url')?.message).toContain('secrets may not be written');
    // A database URL without a password is not a secret.
    const ok = file('database:\n  url: postgres://ferry@localhost:5432/ferry\n');
    expect(resolveConfig({ file: ok, env: LOGIN }).database.url).toBe(
      'postgres://ferry@localhost:5432/ferry',
    );
  });

  it('reads secrets from the variable or the file the config names', () => {
    const secretFile = join(dir, 'client-secret');
    writeFileSync(secretFile, 'from-a-file\n');
    const path = file(
      [
        'org:',
        '  username: a@b.test',
        '  passwordEnv: MY_SF_PASSWORD',
        '  clientId: ferry',
        '  clientSecretFile: ./client-secret',
      ].join('\n'),
    );
    const config = resolveConfig({ file: path, env: { MY_SF_PASSWORD: 'from-my-var' } });
    expect(config.org.password).toBe('from-my-var');
    expect(config.org.clientSecret).toBe('from-a-file');
    // The FERRY_ variable still overrides the file's pointer.
    expect(
      resolveConfig({ file: path, env: { MY_SF_PASSWORD: 'x', FERRY_SF_PASSWORD: 'y' } }).org.password,
    ).toBe('y');
    const missing = file('org:\n  passwordFile: ./no-such-file\n');
    const err = problems({ file: missing, env: LOGIN });
    expect(err.problems[0]?.path).toBe('org.passwordFile');
    expect(err.problems[0]?.message).toContain('ENOENT');
  });

  it('works from the environment alone, with --objects and --read-write building mappings', () => {
    const config = resolveConfig({
      env: {
        FERRY_SF_LOGIN_URL: 'https://test.salesforce.com',
        ...LOGIN,
        FERRY_DATABASE_URL: 'postgres://ferry:pw@db.example.com/ferry',
        FERRY_OBJECTS: 'Account, Contact',
      },
      flags: { readWrite: 'Contact' },
    });
    expect(Object.keys(config.objects)).toEqual(['Account', 'Contact']);
    expect(config.objects.Account).toEqual({
      name: 'Account',
      fields: 'all',
      access: 'read-only',
      mode: 'merge',
      archiveNonMatching: false,
    });
    expect(config.objects.Contact?.access).toBe('read-write');
    expect(config.database.url).toBe('postgres://ferry:pw@db.example.com/ferry');
    expect(clientOptionsFor(config)).toMatchObject({
      apiVersion: '62.0',
      auth: { flow: 'password', loginUrl: 'https://test.salesforce.com', username: 'admin@ferry.test' },
    });
    // --objects beats FERRY_OBJECTS; file mappings of listed objects are kept.
    const path = file('objects:\n  Account:\n    filter: "Type = \'Customer\'"\n  Lead: {}\n');
    const flagged = resolveConfig({ file: path, env: LOGIN, flags: { objects: 'Account,Case' } });
    expect(Object.keys(flagged.objects)).toEqual(['Account', 'Case']);
    expect(flagged.objects.Account?.filter).toBe("Type = 'Customer'");
  });

  it('reports missing login parameters for the chosen flow, and bad values, together', () => {
    const err = problems({
      env: { FERRY_SF_AUTH: 'access_token', FERRY_API_BUDGET: '1.5', FERRY_READ_WRITE: 'Account' },
    });
    const paths = err.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'org.accessToken',
        'org.instanceUrl',
        'mirror',
        '--read-write / FERRY_READ_WRITE',
      ]),
    );
    expect(err.problems.find((p) => p.path === 'org.accessToken')?.fix).toContain('FERRY_SF_ACCESS_TOKEN');
    const bad = problems({ env: { ...LOGIN, FERRY_SF_AUTH: 'magic' } });
    expect(bad.message).toContain('FERRY_SF_AUTH: "magic" is not valid for auth');
  });

  it('reads apiVersion written as a YAML number or with a v', () => {
    expect(resolveConfig({ file: file('org:\n  apiVersion: 61.0\n'), env: LOGIN }).org.apiVersion).toBe(
      '61.0',
    );
    expect(resolveConfig({ env: { ...LOGIN, FERRY_SF_API_VERSION: 'v60.0' } }).org.apiVersion).toBe('60.0');
    expect(problems({ env: { ...LOGIN, FERRY_SF_API_VERSION: '62' } }).message).toContain(
      'a version such as 62.0',
    );
  });

  it('validates object mappings', () => {
    const path = file(
      [
        'objects:',
        '  Account:',
        '    access: write',
        '    mode: delta',
        '    fields: []',
        '  Contact:',
        '    fields: [Name, Email]',
        '    archiveNonMatching: true',
      ].join('\n'),
    );
    const err = problems({ file: path, env: LOGIN });
    expect(err.problems.map((p) => p.path).sort()).toEqual([
      'objects.Account.access',
      'objects.Account.fields',
    ]);
    const ok = file('objects:\n  Contact:\n    fields: [Name, Email]\n    mode: delta\n  Account:\n');
    const config = resolveConfig({ file: ok, env: LOGIN });
    expect(config.objects.Contact).toMatchObject({ fields: ['Name', 'Email'], mode: 'delta' });
    expect(config.objects.Account?.fields).toBe('all');
  });

  it('requires a file named explicitly, but not the default one', () => {
    const err = problems({ file: join(dir, 'nope.yaml'), env: LOGIN });
    expect(err.problems[0]?.fix).toContain('ferry init');
    expect(
      resolveConfig({ file: join(dir, 'nope.yaml'), fileRequired: false, env: LOGIN }).file,
    ).toBeUndefined();
    const broken = file('org: [unclosed\n');
    expect(problems({ file: broken, env: LOGIN }).problems[0]?.message).toContain('not valid YAML');
  });
});
