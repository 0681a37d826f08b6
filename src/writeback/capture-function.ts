import { createHash } from 'node:crypto';
import { fitName } from '../materialize/mirror-ddl.js';
import { qualify, quoteIdent } from '../store/index.js';
import { comparable, concat, literal, type MirrorColumn } from './capture-sql.js';
import { TRIGGER_LOG_TABLE } from './trigger-log-ddl.js';
import { oneRowUpdateCapture, updateCapture } from './update-capture.js';

/**
 * The capture functions of one read-write mirror table, generated from its columns (docs/write-back.md
 * "How capture works"). A generic function has to turn whole rows into jsonb (`to_jsonb(row)`) and
 * diff them key by key, per row, through dynamic SQL: 8–10 times the cost of the UPDATE itself on
 * 100,000 rows of a 40-field table. Spelled out per table, an UPDATE compares the columns directly
 * and builds jsonb only for the ones that changed, in static SQL parsed once per session (about 3
 * times; bench/writeback.bench.mjs (a), where docs/write-back.md "Cost" says where the time goes).
 *
 * - `ferry."capture_<schema>.<table>"`: AFTER INSERT / UPDATE / DELETE FOR EACH STATEMENT, with the
 *   transition tables ferry_new / ferry_old; one INSERT into `<schema>._trigger_log` per statement,
 *   one pg_notify per statement that logged something to send.
 * - `ferry."pending_<schema>.<table>"`: BEFORE INSERT / UPDATE FOR EACH ROW, sets
 *   `_hc_lastop = 'PENDING'` and `_hc_err = NULL` on rows with a change to send.
 *
 * The column lists are fixed when the functions are generated; setWriteAccess regenerates them
 * whenever the table's columns differ (the engine calls it every cycle after ensureMirrorTable, in
 * the same transaction as its ALTER TABLEs). A column added by hand between two cycles (a
 * relationship external-id column, say) must still be captured: the statement function checks the
 * table's column names first (one catalog index probe per statement) and, when they are not the
 * ones it was generated for, captures the statement with the generic dynamic SQL of migration 0005
 * (`ferry.capture_statement_sql`) instead. Column references in trigger WHEN clauses are avoided on
 * purpose: Postgres would then refuse `ALTER COLUMN ... TYPE` on those columns.
 */

export interface CaptureFunctions {
  /** Schema-qualified, quoted names, as `EXECUTE FUNCTION` takes them (without the `()`). */
  readonly capture: string;
  readonly pending: string;
  /** CREATE OR REPLACE FUNCTION statements (and their REVOKEs), one SQL text. */
  readonly ddl: string;
  /** A hash of `ddl`: recorded in the trigger comments, so a changed definition is reinstalled. */
  readonly version: string;
}

/**
 * Ferry's bookkeeping columns, never part of `values` or `old` (the same list as
 * ferry.writeback_system_columns() in migration 0005).
 */
export const SYSTEM_COLUMNS: readonly string[] = [
  'id',
  'sfid',
  'systemmodstamp',
  'isdeleted',
  '_hc_lastop',
  '_hc_err',
];

/** Where Ferry's functions live (migration 0005 creates the schema's shared ones). */
const FUNCTION_SCHEMA = 'ferry';

/** jsonb_build_object takes at most 100 arguments (FUNC_MAX_ARGS): 50 key/value pairs. */
const PAIRS_PER_OBJECT = 50;
/** The names of the functions for one table (each within Postgres's 63 bytes). */
export function captureFunctionNames(schema: string, table: string): { capture: string; pending: string } {
  const name = (prefix: string): string => {
    // A dot in the schema or table name could make two tables' names equal: add a hash then.
    const plain = `${prefix}_${schema}.${table}`;
    const unique =
      schema.includes('.') || table.includes('.')
        ? `${plain}_${createHash('sha256').update(`${schema}\0${table}`, 'utf8').digest('hex').slice(0, 8)}`
        : plain;
    return qualify(FUNCTION_SCHEMA, fitName(unique));
  };
  return { capture: name('capture'), pending: name('pending') };
}

/** The capture functions of `schema.table` with these columns (every column, in attnum order). */
export function captureFunctions(
  schema: string,
  table: string,
  columns: readonly MirrorColumn[],
): CaptureFunctions {
  const names = captureFunctionNames(schema, table);
  const data = columns.filter((c) => !SYSTEM_COLUMNS.includes(c.name));
  const ddl = [
    captureDdl(names.capture, schema, table, columns, data),
    pendingDdl(names.pending, schema, table, data),
    // Only Ferry's role may build triggers on them (firing a trigger checks no EXECUTE privilege).
    `REVOKE EXECUTE ON FUNCTION ${names.capture}(), ${names.pending}() FROM PUBLIC;`,
  ].join('\n');
  const version = createHash('sha256').update(ddl, 'utf8').digest('hex').slice(0, 16);
  return { ...names, ddl, version };
}

/** DROP statements for the table's capture functions (the table is no longer read-write). */
export function dropCaptureFunctions(schema: string, table: string): string {
  const names = captureFunctionNames(schema, table);
  return `DROP FUNCTION IF EXISTS ${names.capture}(); DROP FUNCTION IF EXISTS ${names.pending}();`;
}

/** A dollar-quote tag that does not occur in `body` (column names could contain `$fn$`). */
function dollarQuote(body: string): string {
  let tag = '$fn$';
  for (let i = 0; body.includes(tag); i++) tag = `$fn${i}$`;
  return `${tag}\n${body}\n${tag}`;
}

/** `jsonb_build_object('a', n.a, 'b', n.b, ...)` for every column of `alias`. */
function wholeObject(alias: string, columns: readonly MirrorColumn[]): string {
  const objects: string[] = [];
  for (let i = 0; i < columns.length; i += PAIRS_PER_OBJECT) {
    const pairs = columns
      .slice(i, i + PAIRS_PER_OBJECT)
      .map((c) => `${literal(c.name)}, ${alias}.${quoteIdent(c.name)}`);
    objects.push(`jsonb_build_object(${pairs.join(', ')})`);
  }
  return concat(objects);
}

function captureDdl(
  name: string,
  schema: string,
  table: string,
  columns: readonly MirrorColumn[],
  data: readonly MirrorColumn[],
): string {
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const names = `ARRAY[${columns.map((c) => literal(c.name)).join(', ')}]::text[]`;
  // Variables are referenced through the block label: a column of the same name cannot shadow them.
  const body = `
<<capture>>
DECLARE
  cap_txid constant bigint := txid_current();
  cap_time constant timestamptz := clock_timestamp();
  cap_table constant text := TG_TABLE_NAME;
  n_logged bigint := 0;
  n_pending bigint := 0;
  n_affected bigint := 0;
  -- A one-row UPDATE's rows and changed values (oneRowUpdateCapture).
  one_new ${qualify(schema, table)}%ROWTYPE;
  one_old ${qualify(schema, table)}%ROWTYPE;
  one_values jsonb;
  one_old_values jsonb;
BEGIN
  -- The WHEN clause already skips Ferry's own statements; this guards a trigger created without it.
  IF current_setting('ferry.sync', true) = 'on' THEN
    RETURN NULL;
  END IF;

  IF TG_TABLE_SCHEMA <> ${literal(schema)} OR TG_TABLE_NAME <> ${literal(table)}
     OR ARRAY(SELECT a.attname::text FROM pg_attribute a
              WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
        IS DISTINCT FROM ${names} THEN
    -- Not the columns this function was generated for (changed since setWriteAccess ran).
    EXECUTE ferry.capture_statement_sql(TG_OP, TG_TABLE_SCHEMA)
      INTO capture.n_logged, capture.n_pending, capture.n_affected
      USING capture.cap_txid, capture.cap_time, capture.cap_table, ferry.writeback_system_columns();

  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO ${log}
      (txid, created_at, updated_at, state, action, table_name, record_id, sfid, "values")
    SELECT capture.cap_txid, capture.cap_time, capture.cap_time, 'NEW', 'INSERT', capture.cap_table, n.id, n.sfid,
           ${wholeObject('n', data)}
    FROM ferry_new n;
    GET DIAGNOSTICS capture.n_pending = ROW_COUNT;
    capture.n_logged := capture.n_pending;
    capture.n_affected := capture.n_pending;

  -- A nested IF: a condition naming ferry_new is planned for every statement that reaches it, and
  -- a DELETE has no ferry_new.
  ELSIF TG_OP = 'UPDATE' THEN
    IF (SELECT count(*) FROM (SELECT FROM ferry_new LIMIT 2) AS two) = 1 THEN${oneRowUpdateCapture(log, data)}
    ELSE${updateCapture(log, data, columns)}
    END IF;

  ELSIF TG_OP = 'DELETE' THEN
    WITH logged AS (
      INSERT INTO ${log}
        (txid, created_at, updated_at, state, action, table_name, record_id, sfid, old)
      SELECT capture.cap_txid, capture.cap_time, capture.cap_time, CASE WHEN o.sfid IS NULL THEN 'IGNORE' ELSE 'NEW' END,
             'DELETE', capture.cap_table, o.id, o.sfid, ${wholeObject('o', data)}
      FROM ferry_old o
      RETURNING state
    )
    SELECT count(*), count(*) FILTER (WHERE l.state = 'NEW'), count(*)
    INTO capture.n_logged, capture.n_pending, capture.n_affected
    FROM logged l;
  END IF;

  IF capture.n_logged <> capture.n_affected THEN
    RAISE EXCEPTION USING
      ERRCODE = 'object_not_in_prerequisite_state',
      MESSAGE = format('Changing the id column of %I.%I is refused: it is a read-write mapping and '
                       'the trigger log identifies rows by id', TG_TABLE_SCHEMA, TG_TABLE_NAME),
      HINT = 'id is Ferry''s row key; update the other columns only.';
  END IF;
  -- Identical notifications of one transaction are delivered once: the writer needs a wake-up, not
  -- a count.
  IF capture.n_pending > 0 THEN
    PERFORM pg_notify('ferry_writes', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END`;
  return [
    `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger`,
    '  LANGUAGE plpgsql',
    '  SECURITY DEFINER',
    '  SET search_path = pg_catalog, pg_temp',
    // JIT compile time would dominate: the statements are simple, however many rows.
    '  SET jit = off',
    // The transition tables have no index: a nested loop would rescan one of them (from disk, past
    // work_mem) for every row of the other. A merge join would sort both by id (the planner does not
    // know that id is unique in them, nor that they are in the same order); a hash join keeps the
    // order of the statement, which the ORDER BY then finds already sorted.
    '  SET enable_nestloop = off',
    '  SET enable_mergejoin = off',
    // Plan once per session. With a hash join as the only join, the plan made for the first
    // statement suits any row count (the hash table grows at run time), whereas planning the
    // UPDATE capture for each statement made one-row UPDATEs five times as expensive (2,000 of
    // them: 1.9 s of CPU with a plan per statement, 0.37 s with one plan; 0.02 s without triggers).
    '  SET plan_cache_mode = force_generic_plan',
    // The hash table and the ORDER BY of a large statement stay in memory rather than on disk.
    "  SET work_mem = '64MB'",
    `  AS ${dollarQuote(body)};`,
    `COMMENT ON FUNCTION ${name}() IS ${literal(`Ferry write-back capture of ${schema}.${table} (generated; see docs/write-back.md)`)};`,
  ].join('\n');
}

/**
 * BEFORE INSERT / UPDATE FOR EACH ROW (the trigger's WHEN clause has already skipped Ferry's own
 * statements and rows already marked). Setting NEW here costs no second row version and cannot
 * recurse. The comparison of the data columns is here, not in the WHEN clause: it stops at the first
 * changed column, whereas a whole-row comparison there (`OLD.* *<> NEW.*`) costs more than the
 * function call (write-triggers.ts). A no-op update, or a change of system columns alone, is nothing
 * to send (the log says IGNORE), so it does not mark the row. A column added after generation is not
 * compared until setWriteAccess regenerates the function: the log still captures it (see above),
 * only this marker would miss an update of that column alone.
 */
function pendingDdl(name: string, schema: string, table: string, data: readonly MirrorColumn[]): string {
  const changed =
    data.length === 0
      ? 'false'
      : `ROW(${data.map((c) => comparable('NEW', c)).join(', ')}) IS DISTINCT FROM ROW(${data.map((c) => comparable('OLD', c)).join(', ')})`;
  // Nested IFs: OLD is not assigned for an INSERT, and SQL does not promise to short-circuit OR.
  const body = `
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NOT (${changed}) THEN
      RETURN NEW;
    END IF;
  END IF;
  NEW._hc_lastop := 'PENDING';
  NEW._hc_err := NULL;
  RETURN NEW;
END`;
  return [
    `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger`,
    '  LANGUAGE plpgsql',
    `  AS ${dollarQuote(body)};`,
    `COMMENT ON FUNCTION ${name}() IS ${literal(`Ferry write-back: marks changed rows of ${schema}.${table} PENDING (generated)`)};`,
  ].join('\n');
}
