/**
 * `writes:` — how edits captured in read-write mirror tables are sent to Salesforce (docs/write-back.md).
 * Which tables are read-write is a per-object setting (`objects.<Name>.access`, or `--read-write`).
 */
import { z } from 'zod';
import { durationOption } from './duration.js';
import { intOption, resolveOptions, type OptionSources, type ResolvedOptions } from './option-table.js';

const SECOND = 1_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const booleanText = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);

export const WRITE_OPTIONS = {
  algorithm: {
    schema: z.enum(['ordered', 'merged']),
    default: 'ordered',
    description:
      '`ordered` sends every captured change in capture order (Bulk possible); `merged` folds the changes of one record into one write (no Bulk)',
    env: 'FERRY_WRITES_ALGORITHM',
    flag: '--writes-algorithm <ordered|merged>',
  },
  minInterval: {
    schema: durationOption(0, HOUR),
    default: SECOND,
    description:
      'after a change is captured, the writer waits this long for more before sending (debounce; a duration: 500ms, 1s)',
    env: 'FERRY_WRITES_MIN_INTERVAL',
    flag: '--writes-min-interval <duration>',
  },
  pollEvery: {
    schema: durationOption(SECOND, DAY),
    default: 120_000,
    description: 'the writer also looks for unsent changes this often, in case a notification was missed',
    env: 'FERRY_WRITES_POLL_EVERY',
    flag: '--writes-poll-every <duration>',
  },
  bulkThreshold: {
    schema: intOption(1, 1_000_000_000),
    default: 2_000,
    description:
      'a group of at least this many writes of one kind to one object uses Bulk 2.0 (ordered only)',
    env: 'FERRY_WRITES_BULK_THRESHOLD',
    flag: '--writes-bulk-threshold <n>',
  },
  bulkJobSize: {
    schema: intOption(1, 150_000_000),
    default: 10_000,
    description: 'most records per Bulk 2.0 ingest job',
    env: 'FERRY_WRITES_BULK_JOB_SIZE',
    flag: '--writes-bulk-job-size <n>',
  },
  externalIdField: {
    schema: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, 'a custom field API name such as Ferry_Id__c'),
    default: 'Ferry_Id__c',
    description:
      'external-id field (unique, text) carrying the UUID each insert is sent with, so a resend cannot duplicate a record',
    env: 'FERRY_WRITES_EXTERNAL_ID_FIELD',
    flag: '--writes-external-id-field <field>',
  },
  assignmentRules: {
    schema: booleanText,
    default: false,
    description: 'run the default assignment rules on inserted Leads and Cases',
    env: 'FERRY_WRITES_ASSIGNMENT_RULES',
    flag: '--writes-assignment-rules <true|false>',
  },
  conflictPolicy: {
    schema: z.enum(['postgres-wins', 'salesforce-wins']),
    default: 'postgres-wins',
    description:
      'when a field was changed in Postgres (not yet sent) and in Salesforce: `postgres-wins` keeps and sends the Postgres value, `salesforce-wins` takes Salesforce’s and drops the local change of that field',
    env: 'FERRY_WRITES_CONFLICT_POLICY',
    flag: '--writes-conflict-policy <policy>',
  },
  archiveAfter: {
    schema: durationOption(0, 365 * DAY),
    default: 24 * HOUR,
    description: 'processed trigger-log rows move to _trigger_log_archive after this long',
    env: 'FERRY_WRITES_ARCHIVE_AFTER',
    flag: '--writes-archive-after <duration>',
  },
  purgeAfter: {
    schema: durationOption(HOUR, 10 * 365 * DAY),
    default: 31 * DAY,
    description: 'archived trigger-log rows are deleted after this long',
    env: 'FERRY_WRITES_PURGE_AFTER',
    flag: '--writes-purge-after <duration>',
  },
} as const;

export type WriteOptions = ResolvedOptions<typeof WRITE_OPTIONS>;
export type ConflictPolicy = WriteOptions['conflictPolicy'];

/** The durations of this table, written as durations in docs and printed configurations. */
export const WRITE_DURATION_KEYS: readonly string[] = [
  'minInterval',
  'pollEvery',
  'archiveAfter',
  'purgeAfter',
];

export function resolveWriteOptions(sources: OptionSources): WriteOptions {
  return resolveOptions(WRITE_OPTIONS, sources, 'writes');
}
