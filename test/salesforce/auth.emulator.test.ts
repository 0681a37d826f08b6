import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, type FerryError } from '../../src/errors/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';
import { captureLogger, clientFor, faults, passwordAuth, start, type Emulator } from './support/emulator.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

let emu: Emulator;
let keyDir: string;

beforeAll(async () => {
  emu = await start({
    jwtPublicKey: publicPem,
    password: 'Emu-Pass-9f3',
    clientSecret: 'emu-client-secret-77',
  });
  keyDir = await mkdtemp(join(tmpdir(), 'ferry-sf-auth-'));
});

afterAll(async () => {
  await emu.close();
  await rm(keyDir, { recursive: true, force: true });
});

/** The web-server flow (the only one that issues refresh tokens), approved by the emulator. */
async function obtainRefreshToken(): Promise<string> {
  const redirect = 'http://localhost/callback';
  const auth = await request(
    `${emu.url}/services/oauth2/authorize?response_type=code&client_id=${emu.clientId}&redirect_uri=${encodeURIComponent(redirect)}`,
  );
  await auth.body.dump();
  const location = String(auth.headers.location);
  const code = new URL(location).searchParams.get('code') ?? '';
  const token = await request(`${emu.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
      redirect_uri: redirect,
    }).toString(),
  });
  const body = (await token.body.json()) as { refresh_token: string };
  return body.refresh_token;
}

describe('auth flows against the emulator', () => {
  it('password flow (password + security token) logs in lazily and works', async () => {
    const { client } = clientFor(emu);
    try {
      expect(await client.session()).toBeUndefined();
      const versions = await client.versions();
      expect(versions.map((v) => v.version)).toContain('62.0');
      const s = await client.session();
      expect(s?.instanceUrl).toBe(emu.instanceUrl);
      expect(s?.identityUrl).toMatch(/\/id\/00D\w+\/005\w+$/);
    } finally {
      await client.close();
    }
  });

  it('client-credentials flow', async () => {
    const { client } = clientFor(emu, {
      auth: {
        flow: 'client_credentials',
        loginUrl: emu.loginUrl,
        clientId: emu.clientId,
        clientSecret: emu.clientSecret,
      },
    });
    try {
      expect((await client.connect()).instanceUrl).toBe(emu.instanceUrl);
      expect((await client.describeGlobal()).sobjects.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('JWT bearer flow with a private key file', async () => {
    const file = join(keyDir, 'server.key');
    await writeFile(file, privatePem);
    const { client } = clientFor(emu, {
      auth: {
        flow: 'jwt',
        loginUrl: emu.loginUrl,
        clientId: emu.clientId,
        username: emu.username,
        privateKeyFile: file,
      },
    });
    try {
      expect((await client.limits()).DailyApiRequests?.Max).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('JWT bearer flow with a key the connected app does not know fails as a ConfigError', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const { client } = clientFor(emu, {
      auth: {
        flow: 'jwt',
        loginUrl: emu.loginUrl,
        clientId: emu.clientId,
        username: emu.username,
        privateKey: other.toString(),
      },
    });
    try {
      await expect(client.connect()).rejects.toBeInstanceOf(ConfigError);
    } finally {
      await client.close();
    }
  });

  it('refresh-token flow', async () => {
    const refreshToken = await obtainRefreshToken();
    const { client } = clientFor(emu, {
      auth: {
        flow: 'refresh_token',
        loginUrl: emu.loginUrl,
        clientId: emu.clientId,
        clientSecret: emu.clientSecret,
        refreshToken,
      },
    });
    try {
      expect((await client.describe('Account')).name).toBe('Account');
    } finally {
      await client.close();
    }
  });

  it('a given access token works, and its expiry is a ConfigError telling what to do', async () => {
    const { client: login } = clientFor(emu);
    const token = await (async () => {
      // Borrow a token the way a user would get one from `sf org display`.
      const res = await request(`${emu.loginUrl}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          username: emu.username,
          password: emu.password,
          client_id: emu.clientId,
          client_secret: emu.clientSecret,
        }).toString(),
      });
      return ((await res.body.json()) as { access_token: string }).access_token;
    })();
    await login.close();
    const { client } = clientFor(emu, {
      auth: { flow: 'access_token', accessToken: token, instanceUrl: emu.instanceUrl },
    });
    try {
      await client.limits();
      await faults(emu, { expireSessions: true });
      const err = await client.limits().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('INVALID_SESSION_ID');
      expect((err as ConfigError).hint).toMatch(/new access token/);
    } finally {
      await client.close();
    }
  });

  it('wrong password: ConfigError naming the user, never the password', async () => {
    const secret = 'Sup3r-Secret-Pa55';
    const { logger, lines } = captureLogger();
    const client = new SalesforceClient({
      auth: { ...passwordAuth(emu), password: secret, securityToken: 'TOKENXYZ' } as never,
      logger,
      retry: { attempts: 1 },
    });
    try {
      const err = await client.connect().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      const fe = err as FerryError;
      expect(fe.code).toBe('invalid_grant');
      expect(fe.status).toBe(400);
      expect(fe.message).toContain(emu.username);
      const everything = JSON.stringify({
        m: fe.message,
        d: fe.describe(),
        s: fe.stack,
        lines,
        client: inspect(client, { depth: 5, showHidden: true }),
      });
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain('TOKENXYZ');
      expect(everything).not.toContain(emu.clientSecret);
    } finally {
      await client.close();
    }
  });

  it('session expiry mid-run: refreshes once (single-flight) and retries, without leaking tokens to logs', async () => {
    const { logger, lines } = captureLogger();
    const { client } = clientFor(emu, { logger });
    try {
      await client.connect();
      await faults(emu, { expireSessions: true });
      // Concurrent calls all hit 401 with the same token; one re-login serves them all.
      const results = await Promise.all([client.limits(), client.describeGlobal(), client.versions()]);
      expect(results).toHaveLength(3);
      const renewals = lines.filter((l) => l.includes('renewed Salesforce session'));
      expect(renewals).toHaveLength(1);
      const all = lines.join('\n');
      expect(all).not.toContain(emu.password);
      expect(all).not.toContain(emu.clientSecret);
      expect(all).not.toMatch(/00D\w{12,15}![\w.]+/);
    } finally {
      await client.close();
    }
  });

  it('reports missing credentials as ConfigError before any network call', () => {
    expect(
      () =>
        new SalesforceClient({
          auth: {
            flow: 'password',
            loginUrl: emu.loginUrl,
            username: 'u',
            password: '',
            clientId: 'c',
            clientSecret: 's',
          },
        }),
    ).toThrow(ConfigError);
    expect(
      () =>
        new SalesforceClient({ auth: { flow: 'access_token', accessToken: 'x', instanceUrl: 'not a url' } }),
    ).toThrow(ConfigError);
    expect(() => new SalesforceClient({ auth: passwordAuth(emu), apiVersion: '62' })).toThrow(ConfigError);
  });
});
