/**
 * `mirror:` — where and how often the mirror runs — and the object selection that flags and env can
 * give without a file (`--objects Account,Contact`, `--read-write Contact`).
 */
import { z } from 'zod';
import { durationOption } from './duration.js';
import { intOption, resolveOptions, type OptionSources, type ResolvedOptions } from './option-table.js';

const SECOND = 1_000;
const DAY = 86_400_000;

export const MIRROR_OPTIONS = {
  schema: {
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case Postgres identifier such as salesforce'),
    default: 'salesforce',
    description: 'Postgres schema holding the mirror tables',
    env: 'FERRY_SCHEMA',
    flag: '--schema <name>',
  },
  pollInterval: {
    schema: durationOption(SECOND, DAY),
    default: 120_000,
    description: 'how often each object is polled for changes (a duration: 30s, 2m, 1h)',
    env: 'FERRY_POLL_INTERVAL',
    flag: '--poll-interval <duration>',
  },
  overlap: {
    schema: durationOption(0, DAY),
    default: 300_000,
    description:
      'trailing window every poll re-reads, because Salesforce makes records visible out of timestamp order',
    env: 'FERRY_OVERLAP',
    flag: '--overlap <duration>',
  },
  bulkThreshold: {
    schema: intOption(0, 1_000_000_000),
    default: 10_000,
    description: 'reads of at least this many records use Bulk 2.0 instead of REST',
    env: 'FERRY_BULK_THRESHOLD',
    flag: '--bulk-threshold <n>',
  },
  historyRetention: {
    schema: durationOption(DAY, 100 * 365 * DAY).optional(),
    description:
      'drop record versions captured longer ago than this (e.g. 400d) once a newer version of the same record exists; the newest version of every record is always kept. Unset: keep everything',
    env: 'FERRY_HISTORY_RETENTION',
    flag: '--history-retention <duration>',
  },
  apiBudget: {
    schema: z.coerce
      .number()
      .gt(0, 'a share of the daily API limit, above 0')
      .max(1, 'a share of the daily API limit, at most 1'),
    default: 0.8,
    description: 'share of the org’s daily API request limit Ferry may use (0 < share ≤ 1)',
    env: 'FERRY_API_BUDGET',
    flag: '--api-budget <share>',
  },
} as const;

export type MirrorOptions = ResolvedOptions<typeof MIRROR_OPTIONS>;

export function resolveMirrorOptions(sources: OptionSources): MirrorOptions {
  return resolveOptions(MIRROR_OPTIONS, sources, 'mirror');
}

const nameList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'object API names such as Account')).min(1));

/** Object selection from flags and env (the file uses the `objects:` map instead). */
export const SELECTION_OPTIONS = {
  objects: {
    schema: nameList.optional(),
    description:
      'comma-separated objects to mirror; replaces the file’s list (mappings from the file are kept, others get defaults)',
    env: 'FERRY_OBJECTS',
    flag: '--objects <list>',
  },
  readWrite: {
    schema: nameList.optional(),
    description:
      'comma-separated mapped objects whose edits in Postgres are written back (access read-write)',
    env: 'FERRY_READ_WRITE',
    flag: '--read-write <list>',
  },
} as const;

export type SelectionOptions = ResolvedOptions<typeof SELECTION_OPTIONS>;

/** Where the configuration file is. */
export const CONFIG_FILE_OPTIONS = {
  config: {
    schema: z.string().min(1),
    default: 'ferry.config.yaml',
    description: 'configuration file (optional unless named explicitly)',
    env: 'FERRY_CONFIG',
    flag: '--config <file>',
  },
} as const;
