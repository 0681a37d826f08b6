import type { ClientBase } from 'pg';
import { qualify, quoteIdent, wrapPgError } from '../store/index.js';

/**
 * The trigger log of a mirror schema: `<schema>._trigger_log` and `<schema>._trigger_log_archive`,
 * with Heroku Connect's names, columns and states (DESIGN.md "Postgres layout"; reference 1.1), so
 * tooling written against Heroku Connect reads them. Differences, on purpose: `old` and `values` are
 * `jsonb` (Heroku Connect: hstore text) and `id` is a bigint. The tables are per schema because the
 * mirror schema is configurable; the trigger functions that fill them are global (migration 0005).
 *
 * Order: `id` comes from `_trigger_log_id_seq`, taken row by row in the order each statement
 * processed its rows, so `ORDER BY id` is the order of the changes within a transaction (`txid`).
 * Archived rows keep their id.
 */

export const TRIGGER_LOG_TABLE = '_trigger_log';
export const TRIGGER_LOG_ARCHIVE_TABLE = '_trigger_log_archive';

/** Every state a log row can be in (Heroku Connect's; reference 1.1 "States"). */
export const TRIGGER_LOG_STATES = [
  /** Captured, waiting to be sent. */
  'NEW',
  /** Captured, nothing to send: an UPDATE that changed nothing, a DELETE of a row without sfid. */
  'IGNORE',
  /** Being sent by the writer. */
  'PENDING',
  'SUCCESS',
  /** Salesforce refused it; `sf_message` says why. */
  'FAILED',
  /** Folded into another change of the same record and sent with it (merged writes). */
  'MERGED',
  /** Not sent, by decision of the writer or an operator. */
  'IGNORED',
  /** A change to a read-only table: logged so it is visible, never sent. */
  'READONLY',
  /** An archived row to copy back as NEW / already copied back. */
  'REQUEUE',
  'REQUEUED',
] as const;
export type TriggerLogState = (typeof TRIGGER_LOG_STATES)[number];

export const TRIGGER_LOG_ACTIONS = ['INSERT', 'UPDATE', 'DELETE'] as const;
export type TriggerLogAction = (typeof TRIGGER_LOG_ACTIONS)[number];

/** A row of `_trigger_log` / `_trigger_log_archive` as `pg` returns it (bigint columns as strings). */
export interface TriggerLogRow {
  readonly id: string;
  /** The writing transaction (txid_current()). */
  readonly txid: string;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly processed_at: Date | null;
  readonly processed_tx: string | null;
  readonly state: TriggerLogState;
  readonly action: TriggerLogAction;
  /** The mirror table, without schema. */
  readonly table_name: string;
  /** The mirror row's `id`. */
  readonly record_id: number | null;
  readonly sfid: string | null;
  /** UPDATE: the previous values of the changed columns; DELETE: the row as it was. */
  readonly old: Record<string, unknown> | null;
  /** INSERT: every column; UPDATE: the changed columns' new values. */
  readonly values: Record<string, unknown> | null;
  readonly sf_result: number | null;
  readonly sf_message: string | null;
}

const sqlList = (items: readonly string[]): string => items.map((s) => `'${s}'`).join(', ');

/**
 * The log's indexes besides its primary key, each entry a cost of every captured row, both partial
 * so that a row leaves them as it is processed:
 * - `_trigger_log_idx_new (id) WHERE state = 'NEW'`: the writer's queue, NEW rows in id order, which
 *   the primary key cannot give once processed rows (nearly all of the log) come first. It replaces
 *   Heroku Connect's `_trigger_log_idx_state_id (state, id)`, which took an entry for every state
 *   each row went through (NEW, PENDING, SUCCESS: three per write) and kept them: the claim measured
 *   ~20% and the result update ~12% cheaper without it. Rows of another state are found through the
 *   next index (NEW, PENDING, FAILED) or by reading the log (`ferry writes --state SUCCESS`).
 * - `_trigger_log_idx_unsent (table_name, record_id)`, on the rows not yet sent (waiting or being
 *   sent, failed, and DELETEs without sfid that a successful insert may revive): the lookups of one
 *   record's waiting changes (writer, conflicts). It replaces Heroku Connect's
 *   `_trigger_log_idx_state_table_name (state, table_name)`, which made each such lookup scan every
 *   waiting row of the table, at the same cost per captured row.
 * Heroku Connect's `_trigger_log_idx_created_at` is gone: no query reads the log by created_at
 * (housekeeping compares `coalesce(processed_at, created_at)`, once an hour), and each index costs
 * about 90 ms of CPU per 100,000 captured rows (an eighth of a 100,000-row UPDATE's own time).
 */
export const TRIGGER_LOG_INDEX = '_trigger_log_idx_unsent';
export const TRIGGER_LOG_QUEUE_INDEX = '_trigger_log_idx_new';
/** Which rows `_trigger_log_idx_unsent` holds; a query that repeats it may use the index. */
export const TRIGGER_LOG_INDEX_PREDICATE =
  "state IN ('NEW', 'PENDING', 'FAILED') OR (state = 'IGNORE' AND action = 'DELETE' AND sfid IS NULL)";
/** Indexes that earlier versions created (Heroku Connect's): dropped when the log is brought up to date. */
const FORMER_LOG_INDEXES = [
  '_trigger_log_idx_created_at',
  '_trigger_log_idx_state_table_name',
  '_trigger_log_idx_state_id',
];

/** The log's indexes, and the removal of the ones earlier versions created (idempotent). */
function logIndexDdl(schema: string): string[] {
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  return [
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(TRIGGER_LOG_QUEUE_INDEX)} ON ${log} (id) WHERE state = 'NEW';`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(TRIGGER_LOG_INDEX)} ON ${log} (table_name, record_id) WHERE ${TRIGGER_LOG_INDEX_PREDICATE};`,
    `DROP INDEX IF EXISTS ${FORMER_LOG_INDEXES.map((name) => qualify(schema, name)).join(', ')};`,
  ];
}

/** CREATE statements (idempotent) for a schema's trigger log, its archive and their indexes. */
export function triggerLogDdl(schema: string): string {
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const archive = qualify(schema, TRIGGER_LOG_ARCHIVE_TABLE);
  const columns = (defaults: boolean): string =>
    [
      defaults ? 'id bigserial PRIMARY KEY' : 'id bigint PRIMARY KEY',
      'txid bigint NOT NULL',
      `created_at timestamptz NOT NULL${defaults ? ' DEFAULT now()' : ''}`,
      `updated_at timestamptz NOT NULL${defaults ? ' DEFAULT now()' : ''}`,
      'processed_at timestamptz',
      'processed_tx bigint',
      `state varchar(8) NOT NULL CHECK (state IN (${sqlList(TRIGGER_LOG_STATES)}))`,
      `action varchar(7) NOT NULL CHECK (action IN (${sqlList(TRIGGER_LOG_ACTIONS)}))`,
      'table_name varchar(128) NOT NULL',
      'record_id integer',
      'sfid varchar(18)',
      'old jsonb',
      '"values" jsonb',
      'sf_result integer',
      'sf_message text',
    ].join(',\n  ');
  const index = (name: string, table: string, definition: string): string =>
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${table} ${definition};`;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`,
    `CREATE TABLE IF NOT EXISTS ${log} (\n  ${columns(true)}\n);`,
    ...logIndexDdl(schema),
    // No defaults: rows are moved here with their id and times.
    `CREATE TABLE IF NOT EXISTS ${archive} (\n  ${columns(false)}\n);`,
    // Heroku Connect's names (reference 1.1); they are per schema like the tables.
    index('_trigger_log_archive_idx_created_at', archive, '(created_at)'),
    index('_trigger_log_archive_idx_record_id', archive, '(record_id)'),
    index('_trigger_log_archive_idx_state_table_name', archive, "(state, table_name) WHERE state = 'FAILED'"),
    `COMMENT ON TABLE ${log} IS 'Ferry write-back: changes captured from read-write (and read-only) mirror tables of this schema; see docs/write-back.md';`,
    `COMMENT ON TABLE ${archive} IS 'Ferry write-back: processed _trigger_log rows, moved here with their id';`,
  ].join('\n');
}

/**
 * Creates the schema's trigger log tables if missing, and gives a log created by an earlier version
 * its current indexes. Safe to call again; when both tables and both indexes exist it runs no DDL (so
 * no lock is taken on a busy log).
 */
export async function ensureTriggerLog(client: ClientBase, schema: string): Promise<void> {
  try {
    const { rows } = await client.query<{ tables: boolean; index: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AS tables,
              to_regclass($3) IS NOT NULL AND to_regclass($4) IS NOT NULL AS index`,
      [
        qualify(schema, TRIGGER_LOG_TABLE),
        qualify(schema, TRIGGER_LOG_ARCHIVE_TABLE),
        qualify(schema, TRIGGER_LOG_INDEX),
        qualify(schema, TRIGGER_LOG_QUEUE_INDEX),
      ],
    );
    if (rows[0]?.tables && rows[0].index) return;
    await client.query(triggerLogDdl(schema));
  } catch (err) {
    throw wrapPgError(`Could not create the trigger log ${schema}.${TRIGGER_LOG_TABLE}`, err);
  }
}
