/**
 * Emulator fixtures for the Salesforce client tests: a fresh emulator per test file (empty org),
 * clients wired to it with instant sleeps, and the control surface (`/__emulator/...`).
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { request } from 'undici';
import {
  startEmulator,
  type EmulatorStartOptions,
  type RunningEmulator,
} from '../../../src/emulator/index.js';
import type { Logger } from '../../../src/log/index.js';
import {
  SalesforceClient,
  type AuthOptions,
  type SalesforceClientOptions,
} from '../../../src/salesforce/index.js';

export type Emulator = RunningEmulator;

export function start(options: EmulatorStartOptions = {}): Promise<Emulator> {
  return startEmulator({ port: 0, seed: 'none', ...options });
}

export function passwordAuth(emu: Emulator): AuthOptions {
  return {
    flow: 'password',
    loginUrl: emu.loginUrl,
    username: emu.username,
    password: emu.password,
    securityToken: emu.securityToken,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
  };
}

/** Log lines a client wrote, to check what it logs (and that no secret is in them). */
export function captureLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

export interface TestClient {
  client: SalesforceClient;
  sleeps: number[];
}

/** A client on the emulator whose backoff sleeps are recorded and skipped. */
export function clientFor(
  emu: Emulator,
  options: Partial<SalesforceClientOptions> & { realSleep?: boolean } = {},
): TestClient {
  const sleeps: number[] = [];
  const { realSleep, ...rest } = options;
  const client = new SalesforceClient({
    auth: passwordAuth(emu),
    logger: pino({ level: 'silent' }),
    retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
    poll: { initialDelayMs: 5, factor: 2, maxDelayMs: 50 },
    random: () => 0.5,
    ...(realSleep
      ? {}
      : {
          sleep: (ms: number) => {
            sleeps.push(ms);
            return Promise.resolve();
          },
        }),
    ...rest,
  });
  return { client, sleeps };
}

/** Calls the emulator's control surface. */
export async function control<T = unknown>(
  emu: Emulator,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await request(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 400) throw new Error(`control ${method} ${path}: ${res.statusCode} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export function faults(emu: Emulator, settings: Record<string, unknown>): Promise<unknown> {
  return control(emu, 'POST', '/faults', settings);
}

export async function calls(emu: Emulator): Promise<{ total: number; byEndpoint: Record<string, number> }> {
  return control(emu, 'GET', '/calls');
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
