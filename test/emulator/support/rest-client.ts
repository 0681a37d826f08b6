/**
 * The plumbing the emulator's HTTP tests share: one emulator per test file (or `describe` block),
 * started in `beforeAll` and closed in `afterAll`; a session token from the OAuth password grant;
 * `api()` for REST calls, answering status, headers, text and the parsed JSON; and the asymmetric
 * matchers the tests compare with.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import {
  startEmulator,
  type EmulatorStartOptions,
  type RunningEmulator,
} from '../../../src/emulator/index.js';

/** The REST prefix of the newest API version the emulator serves by default. */
export const V = '/services/data/v62.0';

export type Json = Record<string, unknown>;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; `null` when it is empty or not JSON. */
  json: unknown;
}

// Asymmetric matchers typed as unknown (they are `any`, which the lint rules refuse in literals).
export const anyString: unknown = expect.any(String);
export const anyNumber: unknown = expect.any(Number);
export const containing = (text: string): unknown => expect.stringContaining(text);
export const matching = (re: RegExp): unknown => expect.stringMatching(re);
export const objectLike = (shape: Record<string, unknown>): unknown => expect.objectContaining(shape);

/** An access token from the OAuth 2.0 username-password flow. */
export async function passwordToken(emu: RunningEmulator): Promise<string> {
  const res = await fetch(`${emu.url}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: emu.clientId,
      username: emu.username,
      password: emu.password,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface UseEmulatorOptions extends EmulatorStartOptions {
  /** Log in by the password grant once started, for `token` and `api()` (default true). */
  login?: boolean;
}

export interface EmulatorSession {
  /**
   * The emulator. Usable from the start (destructure it at the top of a file): its members read
   * the emulator `beforeAll` started, so use them inside hooks and tests.
   */
  readonly emu: RunningEmulator;
  /** The access token of the session (after `beforeAll`). */
  readonly token: string;
  /** Logs in again (after sessions were expired, say); `token`, `request()` and `api()` use the new one. */
  readonly login: () => Promise<string>;
  /**
   * A request with the session's bearer token. `path` is under `V` unless it starts with
   * `/services` or `/id`; a body that is not a string is sent as JSON, with that Content-Type
   * (`headers` may override it).
   */
  readonly request: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<Response>;
  /** `request()`, with the answer read. */
  readonly api: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<Reply>;
}

/** Starts an emulator (port 0) for the enclosing file or `describe` block: registers the hooks. */
export function useEmulator(options: UseEmulatorOptions = {}): EmulatorSession {
  const { login: logIn = true, ...startOptions } = options;
  let running: RunningEmulator | undefined;
  let token: string | undefined;

  const current = (): RunningEmulator => {
    if (running === undefined) throw new Error('the emulator runs only inside hooks and tests');
    return running;
  };
  const emu: RunningEmulator = {
    get url() {
      return current().url;
    },
    get instanceUrl() {
      return current().instanceUrl;
    },
    get loginUrl() {
      return current().loginUrl;
    },
    get username() {
      return current().username;
    },
    get password() {
      return current().password;
    },
    get securityToken() {
      return current().securityToken;
    },
    get clientId() {
      return current().clientId;
    },
    get clientSecret() {
      return current().clientSecret;
    },
    get org() {
      return current().org;
    },
    close: () => current().close(),
  };

  const session: EmulatorSession = {
    emu,
    get token() {
      if (token === undefined)
        throw new Error('no session token: not started yet, or useEmulator({ login: false })');
      return token;
    },
    login: async () => {
      token = await passwordToken(current());
      return token;
    },
    request: (method, path, body, headers = {}) => {
      const prefix = path.startsWith('/services') || path.startsWith('/id') ? '' : V;
      return fetch(`${current().url}${prefix}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${session.token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    },
    api: async (method, path, body, headers) => {
      const res = await session.request(method, path, body, headers);
      const text = await res.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
  };

  beforeAll(async () => {
    running = await startEmulator({ port: 0, ...startOptions });
    if (logIn) await session.login();
  });
  afterAll(async () => {
    await running?.close();
    running = undefined;
    token = undefined;
  });
  return session;
}
