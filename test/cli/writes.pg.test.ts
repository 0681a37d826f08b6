/**
 * Write-back from the command line, in process (main() with the real planner and sender against
 * the emulator): `ferry sync --once --read-write`, `ferry writes`, `retry`, `ignore`, `ferry status`.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { clientOptionsFor, resolveConfig } from '../../src/config/ferry-config.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';
import { useTestDatabase } from '../support/database.js';
import { emulatorEnv } from '../support/emulator-env.js';
import { orgValue } from '../support/org-read.js';

const db = useTestDatabase();
let emulator: RunningEmulator;
let client: SalesforceClient;

function loginEnv(): Record<string, string> {
  return {
    ...emulatorEnv(emulator),
    FERRY_LOG_LEVEL: 'silent',
  };
}

/** Runs `ferry <args>` in this process; returns the exit code and what it printed. */
async function ferry(...args: string[]): Promise<{ code: number; out: string }> {
  for (const [k, v] of Object.entries(loginEnv())) vi.stubEnv(k, v);
  const out: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    out.push(String(chunk));
    return true;
  };
  const spyOut = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const code = await main(['node', 'ferry', ...args, '--database-url', db().url]);
    return { code, out: out.join('') };
  } finally {
    spyOut.mockRestore();
    spyErr.mockRestore();
    vi.unstubAllEnvs();
  }
}

const syncOnce = () => ferry('sync', '--once', '--objects', 'Contact', '--read-write', 'Contact');

async function contact(offset: number): Promise<{ id: number; sfid: string }> {
  const r = await db().pool.query<{ id: number; sfid: string }>(
    `SELECT id, sfid FROM salesforce.contact WHERE sfid IS NOT NULL ORDER BY sfid OFFSET $1 LIMIT 1`,
    [offset],
  );
  return r.rows[0]!;
}

const orgTitle = (sfid: string): Promise<unknown> => orgValue(client, 'Contact', sfid, 'Title');

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 'demo' });
  const config = resolveConfig({ env: { ...loginEnv(), FERRY_DATABASE_URL: db().url } });
  client = new SalesforceClient({
    ...clientOptionsFor(config),
    logger: createLogger({ level: 'silent' }),
  });
});

afterAll(async () => {
  await client?.close();
  await emulator?.close();
});

describe('ferry sync --once --read-write and ferry writes', () => {
  it('sends edits, reports refusals with exit 1, and lists, retries and ignores writes', async () => {
    const first = await syncOnce();
    expect(first.code, first.out).toBe(0);

    // An edit reaches the org through the real planner and sender.
    const a = await contact(0);
    await db().pool.query(`UPDATE salesforce.contact SET title = 'Sent from the CLI' WHERE id = $1`, [a.id]);
    const sent = await syncOnce();
    expect(sent.code, sent.out).toBe(0);
    expect(sent.out).toMatch(/Writes: 1 sent to Salesforce, 0 refused/);
    expect(await orgTitle(a.sfid)).toBe('Sent from the CLI');

    // A refused edit: exit 1, FAILED with Salesforce's message.
    const b = await contact(1);
    await db().pool.query(`UPDATE salesforce.contact SET lastname = NULL WHERE id = $1`, [b.id]);
    const refused = await syncOnce();
    expect(refused.code, refused.out).toBe(1);
    expect(refused.out).toMatch(/WRITES_FAILED|refused by Salesforce/);

    const listed = await ferry('writes', '--state', 'FAILED', '--json');
    expect(listed.code, listed.out).toBe(0);
    const parsed = JSON.parse(listed.out) as { writes: { id: string; recordId: number; message: string }[] };
    expect(parsed.writes).toHaveLength(1);
    expect(parsed.writes[0]?.recordId).toBe(b.id);
    expect(parsed.writes[0]?.message).toMatch(/\w/);
    const failedId = parsed.writes[0]!.id;

    const human = await ferry('writes');
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/ID\s+STATE\s+ACTION/);
    expect(human.out).toMatch(/FAILED\s+UPDATE\s+contact/);
    expect(human.out).toMatch(/Conflicts/);

    const status = await ferry('status');
    expect(status.code, status.out).toBe(0);
    expect(status.out).toMatch(/Writes to salesforce\.contact: 0 pending, 1 failed/);
    expect(status.out).toMatch(/Writer: (idle|not running)/);

    const retried = await ferry('writes', 'retry', failedId);
    expect(retried.code, retried.out).toBe(0);
    expect(retried.out).toMatch(/1 write\(s\) requeued/);
    const row = await db().pool.query(`SELECT _hc_lastop, _hc_err FROM salesforce.contact WHERE id = $1`, [
      b.id,
    ]);
    expect(row.rows[0]).toEqual({ _hc_lastop: 'PENDING', _hc_err: null });

    const ignored = await ferry('writes', 'ignore', failedId);
    expect(ignored.code, ignored.out).toBe(0);
    const state = await db().pool.query<{ state: string }>(
      `SELECT state FROM salesforce._trigger_log WHERE id = $1`,
      [failedId],
    );
    expect(state.rows[0]?.state).toBe('IGNORED');

    // Bad input is exit 2.
    expect((await ferry('writes', 'retry')).code).toBe(2);
    expect((await ferry('writes', 'ignore', failedId)).code).toBe(2);
    const none = await ferry('writes', 'retry', '--all-failed');
    expect(none.out).toMatch(/0 write\(s\) requeued/);
  });
});
