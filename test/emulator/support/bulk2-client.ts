/**
 * Raw Bulk API 2.0 requests for the emulator tests (ingest and query jobs alike), on a session from
 * `useEmulator()`: `path` is below `/services/data/v62.0`, e.g. `/jobs/ingest/{id}`.
 */
import { expect } from 'vitest';
import type { EmulatorSession, Json } from './rest-client.js';

export interface Bulk2Client {
  /** A request; a body that is not a string is sent as JSON, `contentType` names what it is. */
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<Response>;
  json(res: Response): Promise<Json>;
  /** Polls GET `path` until the job leaves the in-flight states. */
  settle(path: string): Promise<Json>;
  /** GET `path`, expecting 200: the body and its Content-Type. */
  text(path: string): Promise<{ body: string; type: string | null }>;
}

export function bulk2Client(session: EmulatorSession): Bulk2Client {
  const call = (method: string, path: string, body?: unknown, contentType = 'application/json') =>
    session.request(method, path, body, body === undefined ? {} : { 'Content-Type': contentType });
  const json = async (res: Response): Promise<Json> => (await res.json()) as Json;
  return {
    call,
    json,
    async settle(path) {
      for (let i = 0; i < 200; i++) {
        const info = await json(await call('GET', path));
        if (info['state'] !== 'UploadComplete' && info['state'] !== 'InProgress' && info['state'] !== 'Open')
          return info;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`job at ${path} did not finish`);
    },
    async text(path) {
      const res = await call('GET', path);
      expect(res.status).toBe(200);
      return { body: await res.text(), type: res.headers.get('content-type') };
    },
  };
}
