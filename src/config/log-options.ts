import { z } from 'zod';
import { resolveOptions, type OptionSources, type ResolvedOptions } from './option-table.js';

export const LOG_OPTIONS = {
  level: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    description: 'log level (logs go to stderr as JSON lines)',
    env: 'FERRY_LOG_LEVEL',
    flag: '--log-level <level>',
  },
} as const;

export type LogOptions = ResolvedOptions<typeof LOG_OPTIONS>;

export function resolveLogOptions(sources: OptionSources = {}): LogOptions {
  return resolveOptions(LOG_OPTIONS, sources, 'log');
}
