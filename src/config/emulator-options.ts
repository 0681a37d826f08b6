import { z } from 'zod';
import { intOption, resolveOptions, type OptionSources, type ResolvedOptions } from './option-table.js';

/** `ferry emulator` settings. */
export const EMULATOR_OPTIONS = {
  port: {
    schema: intOption(0, 65535),
    default: 7777,
    description: 'TCP port (0 picks a free one)',
    env: 'FERRY_EMULATOR_PORT',
    flag: '--port <n>',
  },
  host: {
    schema: z.string().min(1),
    default: '127.0.0.1',
    description: 'address to bind',
    env: 'FERRY_EMULATOR_HOST',
    flag: '--host <addr>',
  },
  seed: {
    schema: z.enum(['demo', 'none']),
    default: 'demo',
    description: 'seed data: demo or none',
    env: 'FERRY_EMULATOR_SEED',
    flag: '--seed <demo|none>',
  },
  records: {
    schema: intOption(1, 50_000_000).optional(),
    description: 'generate this many Accounts (with 2 Contacts and 1 Opportunity each)',
    env: 'FERRY_EMULATOR_RECORDS',
    flag: '--records <n>',
  },
  schema: {
    schema: z.string().min(1).optional(),
    description: 'JSON file with extra objects and fields',
    env: 'FERRY_EMULATOR_SCHEMA',
    flag: '--schema <file>',
  },
  state: {
    schema: z.string().min(1).optional(),
    description: 'persist the org in this file across restarts',
    env: 'FERRY_EMULATOR_STATE',
    flag: '--state <file>',
  },
  username: {
    schema: z.string().min(3),
    default: 'admin@ferry.test',
    description: 'login username',
    env: 'FERRY_EMULATOR_USERNAME',
    flag: '--username <name>',
  },
  password: {
    schema: z.string().min(1),
    default: 'ferry',
    description: 'login password',
    env: 'FERRY_EMULATOR_PASSWORD',
    secret: true,
  },
  clientId: {
    schema: z.string().min(1),
    default: 'ferry',
    description: 'connected app client id',
    env: 'FERRY_EMULATOR_CLIENT_ID',
    flag: '--client-id <id>',
  },
  clientSecret: {
    schema: z.string().min(1),
    default: 'ferry-secret',
    description: 'connected app client secret',
    env: 'FERRY_EMULATOR_CLIENT_SECRET',
    secret: true,
  },
  jwtPublicKeyFile: {
    schema: z.string().min(1).optional(),
    description: 'PEM public key (or certificate) that verifies JWT bearer assertions',
    env: 'FERRY_EMULATOR_JWT_PUBLIC_KEY_FILE',
    flag: '--jwt-public-key <file>',
  },
  dailyApiLimit: {
    schema: intOption(1, 100_000_000),
    default: 100_000,
    description: 'DailyApiRequests limit',
    env: 'FERRY_EMULATOR_DAILY_API_LIMIT',
    flag: '--daily-api-limit <n>',
  },
} as const;

export type EmulatorOptions = ResolvedOptions<typeof EMULATOR_OPTIONS>;

export function resolveEmulatorOptions(sources: OptionSources): EmulatorOptions {
  return resolveOptions(EMULATOR_OPTIONS, sources, 'emulator');
}
