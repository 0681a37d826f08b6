/**
 * The server itself: options and defaults, state kept across restarts (`stateFile`), robustness
 * against malformed requests (never a stack trace or a hang), HEAD, graceful close.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { anyString, passwordToken, useEmulator } from './support/rest-client.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-emu-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A raw request, for targets fetch() would normalise. */
function raw(
  url: string,
  method: string,
  path: string,
  body = '',
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('startEmulator', () => {
  it('applies defaults and custom credentials', async () => {
    const emu = await startEmulator({
      port: 0,
      seed: 'none',
      username: 'me@example.com',
      password: 'pw',
      clientId: 'cid',
      clientSecret: 'sec',
    });
    try {
      expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(emu.instanceUrl).toBe(emu.url);
      expect(emu.loginUrl).toBe(emu.url);
      expect([emu.username, emu.password, emu.clientId, emu.clientSecret]).toEqual([
        'me@example.com',
        'pw',
        'cid',
        'sec',
      ]);
      expect(emu.org.identity.username).toBe('me@example.com');
      expect((await passwordToken(emu)).startsWith('00D')).toBe(true);
    } finally {
      await emu.close();
    }
  });

  it('serves a configurable maximum API version', async () => {
    const emu = await startEmulator({ port: 0, seed: 'none', maxApiVersion: '58.0' });
    try {
      const list = (await (await fetch(`${emu.url}/services/data`)).json()) as Array<{ version: string }>;
      expect(list.at(-1)?.version).toBe('58.0');
      const token = await passwordToken(emu);
      const res = await fetch(`${emu.url}/services/data/v59.0/limits`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(404);
    } finally {
      await emu.close();
    }
  });

  it('keeps records, sessions, limits and query locators across a restart with stateFile', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await startEmulator({ port: 0, seed: 'demo', stateFile });
    const token = await passwordToken(first);
    const auth = { Authorization: `Bearer ${token}` };
    const created = await fetch(`${first.url}/services/data/v62.0/sobjects/Account`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ Name: 'Survives restarts' }),
    });
    const { id } = (await created.json()) as { id: string };
    const page = (await (
      await fetch(
        `${first.url}/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Contact ORDER BY Id')}`,
        {
          headers: { ...auth, 'Sforce-Query-Options': 'batchSize=200' },
        },
      )
    ).json()) as { nextRecordsUrl: string };
    await first.close();

    const second = await startEmulator({ port: 0, seed: 'demo', stateFile });
    try {
      const got = await fetch(`${second.url}/services/data/v62.0/sobjects/Account/${id}`, { headers: auth });
      expect(got.status).toBe(200);
      expect(((await got.json()) as { Name: string }).Name).toBe('Survives restarts');
      const more = await fetch(`${second.url}${page.nextRecordsUrl}`, { headers: auth });
      expect(more.status).toBe(200);
      expect(((await more.json()) as { records: unknown[] }).records).toHaveLength(200);
      const usage = await fetch(`${second.url}/__emulator/limits`);
      expect(
        ((await usage.json()) as { dailyApiRequests: { used: number } }).dailyApiRequests.used,
      ).toBeGreaterThanOrEqual(3);
    } finally {
      await second.close();
    }
  });
});

describe('robustness', () => {
  const session = useEmulator({ seed: 'none' });
  const { emu } = session;

  it('answers malformed targets and bodies with Salesforce error arrays', async () => {
    const badEncoding = await raw(emu.url, 'GET', '/services/data/v62.0/sobjects/%E0%A4%A');
    expect(badEncoding.status).toBe(400);
    expect(JSON.parse(badEncoding.text)).toEqual([{ message: anyString, errorCode: 'MALFORMED_URL' }]);
    const junk = await raw(emu.url, 'GET', '/%%%');
    expect(junk.status).toBe(400);
    const garbage = await fetch(`${emu.url}/services/data/v62.0/composite`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json' },
      body: '\u0000\u0001 not json',
    });
    expect(garbage.status).toBe(400);
    const text = await garbage.text();
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    expect((JSON.parse(text) as Array<{ errorCode: string }>)[0]?.errorCode).toBe('JSON_PARSER_ERROR');
    const wrongShape = await fetch(`${emu.url}/services/data/v62.0/composite`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ compositeRequest: 'nope' }),
    });
    expect(wrongShape.status).toBe(400);
    const soap = await fetch(`${emu.url}/services/Soap/u/62.0`, { method: 'POST', body: '' });
    expect(soap.status).toBe(500);
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await fetch(`${emu.url}/services/data`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('closes while clients hold keep-alive connections', async () => {
    const local = await startEmulator({ port: 0, seed: 'none' });
    await fetch(`${local.url}/services/data`);
    const t0 = Date.now();
    await local.close();
    expect(Date.now() - t0).toBeLessThan(3_000);
    await expect(fetch(`${local.url}/services/data`)).rejects.toThrow();
  });
});
