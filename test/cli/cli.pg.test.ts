import { afterEach, describe, expect, it, vi } from 'vitest';
import { printConnectionHelp } from '../../src/cli/emulator-command.js';
import { main } from '../../src/cli/main.js';
import { resolveEmulatorOptions } from '../../src/config/emulator-options.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();

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

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ferry CLI', () => {
  it('db migrate applies migrations once and reports the schema version', async () => {
    const io = capture();
    const code = await main(['node', 'ferry', 'db', 'migrate', '--json', '--database-url', db().url]);
    expect(code).toBe(0);
    const result = JSON.parse(io.out()) as { schemaVersion: number; embedded: boolean; database: string };
    expect(result.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(result.embedded).toBe(false);
    const again = await main(['node', 'ferry', 'db', 'migrate', '--json', '--database-url', db().url]);
    expect(again).toBe(0);
  });

  it('refuses bad settings with exit code 2, naming the setting and never echoing a secret', async () => {
    const io = capture();
    expect(
      await main(['node', 'ferry', 'db', 'migrate', '--database-url', 'mysql://root:hunter2@x/db']),
    ).toBe(2);
    expect(io.err()).toContain('--database-url');
    expect(io.err()).not.toContain('hunter2');
    expect(await main(['node', 'ferry', 'emulator', '--port', 'seventy'])).toBe(2);
    expect(io.err()).toMatch(/--port <n>: "seventy" is not valid for port/);
    expect(await main(['node', 'ferry', 'no-such-command'])).toBe(2);
  });

  it('prints how to connect, showing chosen secrets only as the variables that hold them', () => {
    const io = capture();
    const options = resolveEmulatorOptions({
      env: { FERRY_EMULATOR_PASSWORD: 'my-own-password', FERRY_EMULATOR_CLIENT_SECRET: 'my-own-secret' },
    });
    const running = {
      url: 'http://127.0.0.1:7777',
      instanceUrl: 'http://127.0.0.1:7777',
      loginUrl: 'http://127.0.0.1:7777',
      username: options.username,
      clientId: options.clientId,
    } as RunningEmulator;
    printConnectionHelp(running, options);
    expect(io.out()).toContain('http://127.0.0.1:7777/services/oauth2/token');
    expect(io.out()).toContain('$FERRY_EMULATOR_PASSWORD');
    expect(io.out()).not.toContain('my-own-password');
    expect(io.out()).not.toContain('my-own-secret');
  });
});
