import { z } from 'zod';
import { intOption, resolveOptions, type OptionSources, type ResolvedOptions } from './option-table.js';

/** Where Ferry keeps its data: a PostgreSQL URL, or (by default) embedded Postgres in `dataDir`. */
export const DATABASE_OPTIONS = {
  url: {
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
      .optional(),
    description: 'PostgreSQL connection URL; without it Ferry runs embedded Postgres',
    env: 'FERRY_DATABASE_URL',
    flag: '--database-url <url>',
    secret: true,
  },
  dataDir: {
    schema: z.string().min(1),
    default: '.ferry/pg',
    description: 'data directory of the embedded Postgres',
    env: 'FERRY_PG_DATA_DIR',
    flag: '--pg-data-dir <dir>',
  },
  port: {
    schema: intOption(0, 65535).optional(),
    description: 'port of the embedded Postgres (default: a free one)',
    env: 'FERRY_PG_PORT',
    flag: '--pg-port <n>',
  },
} as const;

export type DatabaseOptions = ResolvedOptions<typeof DATABASE_OPTIONS>;

export function resolveDatabaseOptions(sources: OptionSources): DatabaseOptions {
  return resolveOptions(DATABASE_OPTIONS, sources, 'database');
}
