import { createHash } from 'node:crypto';
import type { ClientBase, Pool } from 'pg';
import type { ObjectMapping } from '../config/object-mapping.js';
import { canonicalJson } from '../core/canonical-json.js';

/**
 * Each mapped object's sync state machine, stored in ferry.mappings:
 * `new` → `initial` (a full read, resumable by Id from ferry.cursors.sfid) → `incremental` (polls
 * from the `(SystemModstamp, Id)` cursor).
 */
export type ObjectPhase = 'new' | 'initial' | 'incremental';

export interface ObjectState {
  readonly object: string;
  readonly phase: ObjectPhase;
  readonly schemaName: string;
  readonly tableName: string;
  readonly initialStartedAt: Date | null;
  readonly lastPollAt: Date | null;
  readonly lastReconcileAt: Date | null;
  readonly lastFormulaAt: Date | null;
  readonly lastError: string | null;
  readonly lastErrorAt: Date | null;
  readonly failures: number;
  readonly nextAttemptAt: Date | null;
  /** Fields whose new columns still wait for their refresh (refreshNewFields); null: none. */
  readonly refreshFields: readonly string[] | null;
  /** The refresh resumes after this Id (its last applied batch); null: from the start. */
  readonly refreshAfterId: string | null;
  /**
   * Set by ensureObjectState when the mapping's read scope (filter, retention, archiveNonMatching)
   * changed: the object was put back to `new` for a full re-read, and should be reconciled.
   */
  readonly scopeChanged: boolean;
}

interface MappingRow {
  object: string;
  state: ObjectPhase;
  schema_name: string;
  table_name: string;
  initial_started_at: Date | null;
  last_poll_at: Date | null;
  last_reconcile_at: Date | null;
  last_formula_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  failures: number;
  next_attempt_at: Date | null;
  refresh_fields: string[] | null;
  refresh_after_id: string | null;
  scope_changed?: boolean;
}

const COLUMNS = `object, state, schema_name, table_name, initial_started_at, last_poll_at, last_reconcile_at,
  last_formula_at, last_error, last_error_at, failures, next_attempt_at, refresh_fields, refresh_after_id`;

function toState(row: MappingRow): ObjectState {
  return {
    object: row.object,
    phase: row.state,
    schemaName: row.schema_name,
    tableName: row.table_name,
    initialStartedAt: row.initial_started_at,
    lastPollAt: row.last_poll_at,
    lastReconcileAt: row.last_reconcile_at,
    lastFormulaAt: row.last_formula_at,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    failures: row.failures,
    nextAttemptAt: row.next_attempt_at,
    refreshFields:
      row.refresh_fields && row.refresh_fields.length > 0 ? Object.freeze(row.refresh_fields) : null,
    refreshAfterId: row.refresh_after_id,
    scopeChanged: row.scope_changed === true,
  };
}

/** 16 hex digits of the sha256 of a value's canonical JSON: equal settings, equal hash. */
function shortHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex').slice(0, 16);
}

/** The mapping's settings hash (ferry.mappings.config_hash). */
export function mappingHash(mapping: ObjectMapping): string {
  return shortHash(mapping);
}

/**
 * The hash of what decides which records a mapping reads. Not `fields`: a field added to the list
 * becomes a column, filled for every row only with refreshNewFields.
 */
export function scopeHash(mapping: ObjectMapping): string {
  const scope = {
    filter: mapping.filter ?? null,
    retention: mapping.retention ?? null,
    archiveNonMatching: mapping.archiveNonMatching,
  };
  return shortHash(scope);
}

/**
 * Registers the object (state `new`) or refreshes its table and settings hash; returns its state.
 * When the read scope changed (scopeHash), the object goes back to `new` — a full re-read, which
 * stores nothing for unchanged records — and the result says so (scopeChanged).
 * Runs in the caller's transaction when given a client (the engine's, which also alters the table).
 */
export async function ensureObjectState(
  db: Pool | ClientBase,
  mapping: ObjectMapping,
  schemaName: string,
  tableName: string,
): Promise<ObjectState> {
  const result = await db.query<MappingRow>(
    `WITH before AS (SELECT scope_hash FROM ferry.mappings WHERE object = $1)
     INSERT INTO ferry.mappings AS m (object, schema_name, table_name, config_hash, scope_hash)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (object) DO UPDATE SET schema_name = EXCLUDED.schema_name, table_name = EXCLUDED.table_name,
       config_hash = EXCLUDED.config_hash, scope_hash = EXCLUDED.scope_hash, updated_at = now(),
       state = CASE WHEN m.scope_hash IS DISTINCT FROM EXCLUDED.scope_hash AND m.scope_hash IS NOT NULL
                    THEN 'new' ELSE m.state END
     RETURNING ${COLUMNS},
       coalesce((SELECT scope_hash FROM before) <> $5, false) AS scope_changed`,
    [mapping.name, schemaName, tableName, mappingHash(mapping), scopeHash(mapping)],
  );
  return toState(result.rows[0]!);
}

/** One object's state, or undefined before its first cycle. */
export async function readObjectState(pool: Pool, object: string): Promise<ObjectState | undefined> {
  const result = await pool.query<MappingRow>(`SELECT ${COLUMNS} FROM ferry.mappings WHERE object = $1`, [
    object,
  ]);
  const row = result.rows[0];
  return row ? toState(row) : undefined;
}

export async function readObjectStates(db: Pool | ClientBase): Promise<ObjectState[]> {
  const result = await db.query<MappingRow>(`SELECT ${COLUMNS} FROM ferry.mappings ORDER BY object`);
  return result.rows.map(toState);
}

/** `new` → `initial`: remembers when the load started (the incremental cursor starts there). */
export async function startInitial(pool: Pool, object: string): Promise<Date> {
  const result = await pool.query<{ initial_started_at: Date }>(
    `UPDATE ferry.mappings SET state = 'initial', initial_started_at = now(), updated_at = now()
     WHERE object = $1 RETURNING initial_started_at`,
    [object],
  );
  return result.rows[0]?.initial_started_at ?? new Date();
}

/** `initial` → `incremental`, in the caller's transaction (which also moves the cursor). */
export async function finishInitial(client: ClientBase, object: string): Promise<void> {
  await client.query(
    `UPDATE ferry.mappings SET state = 'incremental', last_poll_at = now(), last_reconcile_at = now(),
       last_formula_at = now(), updated_at = now() WHERE object = $1`,
    [object],
  );
}

export type ScheduledWork = 'poll' | 'reconcile' | 'formula';

/** A successful step: clears the error and the backoff. */
export async function recordSuccess(pool: Pool, object: string, work: ScheduledWork | null): Promise<void> {
  const column =
    work === 'poll'
      ? 'last_poll_at'
      : work === 'reconcile'
        ? 'last_reconcile_at'
        : work === 'formula'
          ? 'last_formula_at'
          : null;
  await pool.query(
    `UPDATE ferry.mappings SET ${column ? `${column} = now(),` : ''} last_error = NULL, failures = 0,
       next_attempt_at = NULL, updated_at = now() WHERE object = $1`,
    [object],
  );
}

/** Records an error; `retryInMs` (transient errors) also schedules the next attempt. */
export async function recordFailure(
  pool: Pool,
  object: string,
  message: string,
  retryInMs: number | null,
): Promise<void> {
  await pool.query(
    `UPDATE ferry.mappings SET last_error = $2, last_error_at = now(),
       failures = CASE WHEN $3::bigint IS NULL THEN failures ELSE failures + 1 END,
       next_attempt_at = CASE WHEN $3::bigint IS NULL THEN next_attempt_at
                              ELSE now() + make_interval(secs => $3::bigint / 1000.0) END,
       updated_at = now() WHERE object = $1`,
    [object, message, retryInMs],
  );
}

/**
 * Records that `fields` (new mirror columns) must be refreshed for every row, in the transaction that
 * added their columns: a crash after the ALTER TABLE cannot lose the refresh. Fields already pending
 * are kept; the position restarts from the first Id, since the new fields need every row too.
 */
export async function markFieldRefresh(
  client: ClientBase,
  object: string,
  fields: readonly string[],
): Promise<ObjectState> {
  const result = await client.query<MappingRow>(
    `UPDATE ferry.mappings SET
       refresh_fields = ARRAY(SELECT DISTINCT f FROM unnest(coalesce(refresh_fields, '{}') || $2::text[]) AS f ORDER BY f),
       refresh_after_id = NULL, updated_at = now()
     WHERE object = $1 RETURNING ${COLUMNS}`,
    [object, [...fields]],
  );
  return toState(result.rows[0]!);
}

/** The refresh applied every row up to `afterId`: a restart resumes after it. */
export async function saveFieldRefreshPosition(pool: Pool, object: string, afterId: string): Promise<void> {
  await pool.query(`UPDATE ferry.mappings SET refresh_after_id = $2, updated_at = now() WHERE object = $1`, [
    object,
    afterId,
  ]);
}

/**
 * The refresh of `fields` is done (or dropped): forgets them — only them, so fields marked by a
 * concurrent schema change in between stay pending.
 */
export async function endFieldRefresh(pool: Pool, object: string, fields: readonly string[]): Promise<void> {
  await pool.query(
    `UPDATE ferry.mappings SET
       refresh_fields = nullif(ARRAY(SELECT f FROM unnest(refresh_fields) AS f WHERE f <> ALL ($2::text[]) ORDER BY f), '{}'),
       refresh_after_id = NULL, updated_at = now()
     WHERE object = $1`,
    [object, [...fields]],
  );
}
