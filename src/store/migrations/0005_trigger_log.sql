-- Write-back capture (DESIGN.md "Write-back"; reference sync-algorithms.md 1.1, 1.3): the functions
-- the capture triggers of every mirror table share. The log tables themselves are per mirror schema,
-- which is configurable, so src/writeback/trigger-log-ddl.ts creates them; the capture functions of a
-- read-write table are generated from its columns (src/writeback/capture-function.ts), and
-- src/writeback/write-triggers.ts installs the triggers on a table when its mapping is read-write or
-- read-only. Ferry's own statements set ferry.sync = 'on' (set_config(..., true)) and are never
-- captured: every trigger's WHEN clause skips them, so they cost no function call.
--
-- The functions that write the log are SECURITY DEFINER (owned by Ferry's role): an application
-- role that may edit a mirror table needs no privilege on the trigger log, and cannot write log
-- rows of its own. Hence the fixed search_path, and EXECUTE revoked from PUBLIC, which means only
-- Ferry's role can create triggers with them (firing a trigger checks no EXECUTE privilege).

-- Ferry's bookkeeping columns, never part of `values` or `old`: `id` is the log's record_id and
-- `sfid` its sfid column; systemmodstamp and isdeleted are Salesforce's to set; _hc_lastop and
-- _hc_err are Ferry's sync status. A change to these alone is nothing to send (state IGNORE).
-- src/writeback/capture-function.ts lists the same columns (SYSTEM_COLUMNS).
CREATE FUNCTION ferry.writeback_system_columns() RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT '{id,sfid,systemmodstamp,isdeleted,_hc_lastop,_hc_err}'::text[] $$;

-- The generic capture of one statement on a read-write table, as dynamic SQL to EXECUTE from a
-- trigger function (which makes the transition tables ferry_new / ferry_old visible to it), with
-- $1 = txid, $2 = capture time, $3 = table name, $4 = ferry.writeback_system_columns(). It returns
-- one row (logged, pending, affected): log rows written, those to send (NEW), rows the statement
-- changed. Each table's capture function is generated from its columns
-- (src/writeback/capture-function.ts), which is several times faster; it falls back to this when the
-- table's columns are no longer the ones it was generated for (a column added by hand since).
--   INSERT: state NEW, `values` = every column but the system ones.
--   UPDATE: `values` = the changed columns' new values, `old` = their previous values; no change
--           (or only system columns changed) → state IGNORE. Rows are paired by `id`, so
--           logged < affected when the statement changed an id (the caller refuses that).
--   DELETE: `old` = the row as it was; a row without sfid never reached Salesforce → IGNORE.
-- Log ids come from the log's sequence in the order the statement processed the rows (transition
-- tables keep that order; row_number() numbers it, ORDER BY keeps it through the join).
CREATE FUNCTION ferry.capture_statement_sql(op text, log_schema text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $fn$
SELECT CASE op
  WHEN 'INSERT' THEN format($sql$
    WITH logged AS (
      INSERT INTO %I._trigger_log
        (txid, created_at, updated_at, state, action, table_name, record_id, sfid, "values")
      SELECT $1, $2, $2, 'NEW', 'INSERT', $3, n.id, n.sfid, to_jsonb(n) - $4
      FROM ferry_new n
      RETURNING state
    )
    SELECT count(*), count(*), count(*) FROM logged
  $sql$, log_schema)
  WHEN 'UPDATE' THEN format($sql$
    WITH logged AS (
      INSERT INTO %I._trigger_log
        (txid, created_at, updated_at, state, action, table_name, record_id, sfid, old, "values")
      SELECT $1, $2, $2, CASE WHEN d.changed IS NULL THEN 'IGNORE' ELSE 'NEW' END, 'UPDATE', $3,
             n.id, n.sfid, d.previous, d.changed
      FROM (SELECT row_number() OVER () AS ord, t.id, t.sfid, to_jsonb(t) - $4 AS j FROM ferry_new t) n
      -- OFFSET 0 keeps o.j computed once per row instead of once per reference below.
      JOIN (SELECT t.id, to_jsonb(t) - $4 AS j FROM ferry_old t OFFSET 0) o USING (id)
      CROSS JOIN LATERAL (
        SELECT jsonb_object_agg(e.key, e.value) AS changed,
               jsonb_object_agg(e.key, o.j -> e.key) AS previous
        FROM jsonb_each(n.j) e
        WHERE n.j <> o.j AND e.value IS DISTINCT FROM o.j -> e.key
      ) d
      ORDER BY n.ord
      RETURNING state
    )
    SELECT count(*), count(*) FILTER (WHERE state = 'NEW'), (SELECT count(*) FROM ferry_new)
    FROM logged
  $sql$, log_schema)
  WHEN 'DELETE' THEN format($sql$
    WITH logged AS (
      INSERT INTO %I._trigger_log
        (txid, created_at, updated_at, state, action, table_name, record_id, sfid, old)
      SELECT $1, $2, $2, CASE WHEN o.sfid IS NULL THEN 'IGNORE' ELSE 'NEW' END, 'DELETE', $3,
             o.id, o.sfid, to_jsonb(o) - $4
      FROM ferry_old o
      RETURNING state
    )
    SELECT count(*), count(*) FILTER (WHERE state = 'NEW'), count(*) FROM logged
  $sql$, log_schema)
END
$fn$;

-- Read-write tables, BEFORE INSERT / UPDATE FOR EACH ROW, and AFTER INSERT / UPDATE / DELETE FOR
-- EACH STATEMENT: generated per table (src/writeback/capture-function.ts), in schema ferry.

-- Read-write tables, BEFORE TRUNCATE: a TRUNCATE fires no row triggers, so it cannot be captured and
-- Salesforce would keep every record (DESIGN.md "Correctness rules"). Ferry's own statements
-- (ferry.sync = 'on') may still truncate, e.g. to reload a table.
CREATE FUNCTION ferry.refuse_truncate() RETURNS trigger
  LANGUAGE plpgsql
  AS $fn$
BEGIN
  RAISE EXCEPTION USING
    ERRCODE = 'object_not_in_prerequisite_state',
    MESSAGE = format('TRUNCATE of %I.%I is refused: it is a read-write mapping, and a TRUNCATE cannot '
                     'be captured, so the records would stay in Salesforce', TG_TABLE_SCHEMA, TG_TABLE_NAME),
    HINT = format('To delete the records in Salesforce too, use DELETE FROM %I.%I (captured row by row). '
                  'To clear only the Postgres copy, make the mapping read-only first.',
                  TG_TABLE_SCHEMA, TG_TABLE_NAME);
END
$fn$;

-- Read-only tables, AFTER INSERT / UPDATE / DELETE FOR EACH ROW: one log row per changed row, state
-- READONLY, so the user can see the change was not sent (and that the next sync may overwrite it);
-- nothing ever sends these rows, even after the mapping becomes read-write (reference 1.7). Kept
-- cheap on both paths:
--  - Ferry's own writes (the sync writes these tables all the time) are skipped by the WHEN clause
--    in C, per row, with no function call; a statement trigger with transition tables would instead
--    copy every synced row into a tuplestore only to find nothing to log.
--  - A user's change logs action, record_id and sfid only, no `values` / `old`: a marker, not a copy
--    of data that will not be sent (computing them more than doubled the cost per row).
CREATE FUNCTION ferry.capture_readonly() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $fn$
DECLARE
  changed record;
BEGIN
  IF current_setting('ferry.sync', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    changed := OLD;
  ELSE
    changed := NEW;
  END IF;
  EXECUTE format($sql$
    INSERT INTO %I._trigger_log (txid, created_at, updated_at, state, action, table_name, record_id, sfid)
    VALUES ($1, $2, $2, 'READONLY', $3, $4, $5, $6)
  $sql$, TG_TABLE_SCHEMA)
  USING txid_current(), clock_timestamp(), TG_OP, TG_TABLE_NAME, changed.id, changed.sfid;
  RETURN NULL;
END
$fn$;

REVOKE EXECUTE ON FUNCTION ferry.capture_statement_sql(text, text), ferry.capture_readonly(),
  ferry.refuse_truncate() FROM PUBLIC;
