/**
 * What the emulator's Bulk API tests share: raw Bulk 2.0 requests (ingest and query jobs alike) on
 * a session from `useEmulator()`, and jsforce on that session's token.
 */
import { Connection } from 'jsforce';
import { expect } from 'vitest';
import { useEmulator, type EmulatorSession, type Json, type UseEmulatorOptions } from './rest-client.js';

export interface Bulk2Client {
  /**
   * A request below `/services/data/v62.0` (`/jobs/ingest/{id}`...); a body that is not a string
   * is sent as JSON, `contentType` names what it is.
   */
  readonly call: (method: string, path: string, body?: unknown, contentType?: string) => Promise<Response>;
  readonly json: (res: Response) => Promise<Json>;
  /** Polls GET `path` until the job leaves the in-flight states. */
  readonly settle: (path: string) => Promise<Json>;
  /** GET `path`, expecting 200: the body and its Content-Type. */
  readonly text: (path: string) => Promise<{ body: string; type: string | null }>;
}

/** `useEmulator(options)`, with a Bulk 2.0 client on its session. */
export function useBulk2(options: UseEmulatorOptions = {}): EmulatorSession & Bulk2Client {
  const session = useEmulator(options);
  const call = (method: string, path: string, body?: unknown, contentType = 'application/json') =>
    session.request(method, path, body, body === undefined ? {} : { 'Content-Type': contentType });
  const json = async (res: Response): Promise<Json> => (await res.json()) as Json;
  return Object.assign(session, {
    call,
    json,
    settle: async (path: string) => {
      for (let i = 0; i < 200; i++) {
        const info = await json(await call('GET', path));
        if (info['state'] !== 'UploadComplete' && info['state'] !== 'InProgress' && info['state'] !== 'Open')
          return info;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`job at ${path} did not finish`);
    },
    text: async (path: string) => {
      const res = await call('GET', path);
      expect(res.status).toBe(200);
      return { body: await res.text(), type: res.headers.get('content-type') };
    },
  });
}

/** jsforce on the session's token (API 62.0), polling `api`'s jobs every 100 ms. Call it once started. */
export function tokenConnection(session: EmulatorSession, api: 'bulk' | 'bulk2'): Connection {
  const conn = new Connection({ instanceUrl: session.emu.url, accessToken: session.token, version: '62.0' });
  conn[api].pollInterval = 100;
  return conn;
}
