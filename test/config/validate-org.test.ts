import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { ConfigProblemsError } from '../../src/config/config-problems.js';
import { checkDatabaseUrl } from '../../src/config/database-check.js';
import { clientOptionsFor, resolveConfig, type FerryConfig } from '../../src/config/ferry-config.js';
import { validateAgainstOrg } from '../../src/config/validate-org.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    seed: 'none',
    password: 'Emu-Pass-41x',
    clientSecret: 'emu-secret-93q',
  });
});
afterAll(async () => {
  await emu.close();
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    FERRY_SF_LOGIN_URL: emu.loginUrl,
    FERRY_SF_USERNAME: emu.username,
    FERRY_SF_PASSWORD: emu.password,
    FERRY_SF_SECURITY_TOKEN: emu.securityToken,
    FERRY_SF_CLIENT_ID: emu.clientId,
    FERRY_SF_CLIENT_SECRET: emu.clientSecret,
    ...overrides,
  };
}

async function validate(config: FerryConfig, checkDatabase?: () => Promise<void>): Promise<unknown> {
  const client = new SalesforceClient({
    ...clientOptionsFor(config),
    logger: createLogger({ level: 'silent' }),
    retry: { attempts: 1 },
  });
  try {
    await validateAgainstOrg(config, client, { checkDatabase });
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await client.close();
  }
}

function objectsFile(): string {
  return [
    'objects:',
    '  Account:',
    '    fields: [Name, Industry]',
    '    filter: "Industry = \'Energy\'"',
    '  Contact:',
    '    fields: all',
    '  Task:',
    '    retention: 365d',
  ].join('\n');
}

describe('validateAgainstOrg (emulator over HTTP)', () => {
  it('passes a valid configuration', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-validate-'));
    const file = join(dir, 'ferry.config.yaml');
    await writeFile(file, objectsFile());
    const config = resolveConfig({ file, env: env() });
    expect(await validate(config, () => Promise.resolve())).toBeUndefined();
  });

  it('reports every problem at once: unknown object, unknown field, bad filter, misplaced retention', async () => {
    const config = resolveConfig({ env: env({ FERRY_OBJECTS: 'Acount' }) });
    const base = resolveConfig({ env: env() });
    const objects = {
      Acount: config.objects.Acount!,
      Account: {
        name: 'Account',
        fields: ['Name', 'Industy'],
        access: 'read-only',
        mode: 'merge',
        archiveNonMatching: false,
        retention: 86_400_000 * 30,
      },
      Contact: {
        name: 'Contact',
        fields: 'all',
        filter: 'LastName = ',
        access: 'read-only',
        mode: 'merge',
        archiveNonMatching: false,
      },
      Opportunity: {
        name: 'Opportunity',
        fields: 'all',
        filter: 'NoSuchField__c = 1',
        access: 'read-only',
        mode: 'merge',
        archiveNonMatching: false,
      },
    } as const;
    const err = await validate({ ...base, objects }, () =>
      checkDatabaseUrl('postgres://ferry:db-pass-7@127.0.0.1:1/ferry'),
    );
    expect(err).toBeInstanceOf(ConfigProblemsError);
    const problems = (err as ConfigProblemsError).problems;
    const byPath = new Map(problems.map((p) => [p.path, p]));
    expect(byPath.get('objects.Acount')?.fix).toBe('did you mean Account?');
    expect(byPath.get('objects.Account.fields')?.message).toBe('Account has no field Industy');
    expect(byPath.get('objects.Account.fields')?.fix).toBe('did you mean Industry?');
    expect(byPath.get('objects.Account.retention')?.message).toContain('only to activity objects');
    expect(byPath.get('objects.Contact.filter')?.message).toContain('"LastName = " on Contact');
    expect(byPath.get('objects.Contact.filter')?.message).toContain('MALFORMED_QUERY');
    expect(byPath.get('objects.Opportunity.filter')?.message).toContain('INVALID_FIELD');
    expect(byPath.get('database')?.message).toContain('cannot use the database');
    expect((err as Error).message).not.toContain('db-pass-7');
    expect(problems).toHaveLength(6);
  });

  it('reports a wrong password together with the other problems', async () => {
    const base = resolveConfig({ env: env({ FERRY_SF_PASSWORD: 'wrong-password-5' }) });
    const config: FerryConfig = {
      ...base,
      objects: {
        Account: {
          name: 'Account',
          fields: 'all',
          access: 'read-only',
          mode: 'merge',
          archiveNonMatching: false,
          retention: 86_400_000,
        },
      },
    };
    const err = await validate(config, () => Promise.reject(new Error('connection refused')));
    expect(err).toBeInstanceOf(ConfigProblemsError);
    const problems = (err as ConfigProblemsError).problems;
    expect(problems.map((p) => p.path)).toEqual(['org', 'objects.Account.retention', 'database']);
    expect(problems[0]?.message).toContain('cannot log in to Salesforce with the password flow');
    expect(problems[0]?.fix).toContain('FERRY_SF_PASSWORD');
    expect((err as Error).message).not.toContain('wrong-password-5');
  });
});

function capture(): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  return { out: () => out, err: () => err };
}

describe('ferry config check', () => {
  it('prints the resolved configuration as JSON with every secret redacted', async () => {
    for (const [k, v] of Object.entries(env({ FERRY_OBJECTS: 'Account,Contact', FERRY_CONFIG: '' })))
      vi.stubEnv(k, v);
    vi.stubEnv('FERRY_DATABASE_URL', '');
    const io = capture();
    const code = await main([
      'node',
      'ferry',
      'config',
      'check',
      '--json',
      '--read-write',
      'Contact',
      '--poll-interval',
      '30s',
    ]);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(io.out()) as {
      valid: boolean;
      config: Record<string, Record<string, unknown>>;
    };
    expect(result.valid).toBe(true);
    expect(result.config.org).toMatchObject({
      username: emu.username,
      password: '[redacted]',
      clientSecret: '[redacted]',
    });
    expect(result.config.mirror).toMatchObject({ pollInterval: '30s', overlap: '5m' });
    expect(result.config.objects).toMatchObject({ Contact: { access: 'read-write' } });
    for (const secret of [emu.password, emu.clientSecret, emu.securityToken])
      expect(io.out()).not.toContain(secret);
    expect(await main(['node', 'ferry', 'config', 'check'])).toBe(0);
    expect(io.out()).toContain('Configuration is valid.');
    expect(io.out()).toContain('password: "[redacted]"');
    for (const secret of [emu.password, emu.clientSecret, emu.securityToken])
      expect(io.out()).not.toContain(secret);
  });

  it('exits 2 listing every problem, as JSON too', async () => {
    for (const [k, v] of Object.entries(
      env({ FERRY_SF_PASSWORD: 'bad-pass-2', FERRY_OBJECTS: 'Acount', FERRY_CONFIG: '' }),
    ))
      vi.stubEnv(k, v);
    vi.stubEnv('FERRY_DATABASE_URL', 'postgres://ferry:db-secret-3@127.0.0.1:1/ferry');
    const io = capture();
    const code = await main(['node', 'ferry', 'config', 'check', '--json']);
    expect(code).toBe(2);
    const result = JSON.parse(io.out()) as { valid: boolean; problems: { path: string }[] };
    expect(result.valid).toBe(false);
    expect(result.problems.map((p) => p.path)).toEqual(['org', 'database']);
    expect(io.err()).toContain('2 configuration problems');
    for (const secret of ['bad-pass-2', 'db-secret-3']) {
      expect(io.out()).not.toContain(secret);
      expect(io.err()).not.toContain(secret);
    }
  });
});
