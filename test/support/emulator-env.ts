import type { RunningEmulator } from '../../src/emulator/index.js';

/** `FERRY_SF_…` variables logging in to a running emulator (password flow), plus `extra`. */
export function emulatorEnv(
  emulator: RunningEmulator,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    FERRY_SF_LOGIN_URL: emulator.loginUrl,
    FERRY_SF_USERNAME: emulator.username,
    FERRY_SF_PASSWORD: emulator.password,
    FERRY_SF_CLIENT_ID: emulator.clientId,
    FERRY_SF_CLIENT_SECRET: emulator.clientSecret,
    ...extra,
  };
}
