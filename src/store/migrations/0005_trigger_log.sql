-- Write-back capture (DESIGN.md "Write-back"; reference sync-algorithms.md 1.1, 1.3): the trigger
-- functions every mirror table shares. They are generic: each one finds its table through
-- TG_TABLE_SCHEMA / TG_TABLE_NAME and logs into <that schema>._trigger_log. The log tables themselves
-- are per mirror schema, which is configurable, so src/writeback/trigger-log-ddl.ts creates them;
-- src/writeback/write-triggers.ts installs the triggers on a table when its mapping is read-write or
-- read-only. Ferry's own statements set ferry.sync = 'on' (set_config(..., true)) and are never
-- captured: every trigger's WHEN clause skips them, so they cost no function call.
--
-- The two functions that write the log are SECURITY DEFINER (owned by Ferry's role): an application
-- role that may edit a mirror table needs no privilege on the trigger log, and cannot write log
-- rows of its own. Hence the fixed search_path, and EXECUTE revoked from PUBLIC, which means only
-- Ferry's role can create triggers with them (firing a trigger checks no EXECUTE privilege).

-- Ferry's bookkeeping columns, never part of `values` or `old`: `id` is the log's record_id and
-- `sfid` its sfid column; systemmodstamp and isdeleted are Salesforce's to set; _hc_lastop and
-- _hc_err are Ferry's sync status. A change to these alone is nothing to send (state IGNORE).
-- ferry.mark_pending() lists the same columns by name.
CREATE FUNCTION ferry.writeback_system_columns() RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT '{id,sfid,systemmodstamp,isdeleted,_hc_lastop,_hc_err}'::text[] $$;

-- Read-write tables, AFTER INSERT / UPDATE / DELETE FOR EACH STATEMENT, with the transition tables
-- named ferry_new / ferry_old. One INSERT ... SELECT per statement logs one row per affected row,
-- ids from the log's sequence in the order the statement processed the rows (transition tables keep
-- that order; row_number() numbers it, ORDER BY keeps it through the join). Then ONE pg_notify per
-- statement that logged anything to send, which wakes the writer (payload: schema.table).
--   INSERT: state NEW, `values` = every column but the system ones.
--   UPDATE: `values` = the changed columns' new values, `old` = their previous values; no change
--           (or only system columns changed) → state IGNORE. Rows are paired by `id`; a statement
--           that changes `id` is refused, since the log could not say which row it was.
--   DELETE: `old` = the row as it was; a row without sfid never reached Salesforce → IGNORE.
-- jit off: the planner's guesses for transition tables are wild and JIT compile time would dominate.
-- work_mem: the join and the ORDER BY of a large statement sort in memory rather than on disk.
CREATE FUNCTION ferry.capture_writes() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  SET jit = off
  SET work_mem = '64MB'
  AS $fn$
DECLARE
  system_columns constant text[] := ferry.writeback_system_columns();
  logged bigint := 0;
  pending bigint := 0;
  affected bigint;
BEGIN
  -- The WHEN clause already skips Ferry's own statements; this guards a trigger created without it.
  IF current_setting('ferry.sync', true) = 'on' THEN
    RETURN NULL;
  END IF;

  IF TG_OP = 'INSERT' THEN
    EXECUTE format($sql$
      INSERT INTO %I._trigger_log
        (txid, created_at, updated_at, state, action, table_name, record_id, sfid, "values")
      SELECT $1, $2, $2, 'NEW', 'INSERT', $3, n.id, n.sfid, to_jsonb(n) - $4
      FROM ferry_new n
    $sql$, TG_TABLE_SCHEMA)
    USING txid_current(), clock_timestamp(), TG_TABLE_NAME, system_columns;
    GET DIAGNOSTICS pending = ROW_COUNT;

  ELSIF TG_OP = 'UPDATE' THEN
    EXECUTE format($sql$
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
      SELECT count(*), count(*) FILTER (WHERE state = 'NEW') FROM logged
    $sql$, TG_TABLE_SCHEMA)
    INTO logged, pending
    USING txid_current(), clock_timestamp(), TG_TABLE_NAME, system_columns;
    SELECT count(*) INTO affected FROM ferry_new;
    IF logged <> affected THEN
      RAISE EXCEPTION USING
        ERRCODE = 'object_not_in_prerequisite_state',
        MESSAGE = format('Changing the id column of %I.%I is refused: it is a read-write mapping and '
                         'the trigger log identifies rows by id', TG_TABLE_SCHEMA, TG_TABLE_NAME),
        HINT = 'id is Ferry''s row key; update the other columns only.';
    END IF;

  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format($sql$
      WITH logged AS (
        INSERT INTO %I._trigger_log
          (txid, created_at, updated_at, state, action, table_name, record_id, sfid, old)
        SELECT $1, $2, $2, CASE WHEN o.sfid IS NULL THEN 'IGNORE' ELSE 'NEW' END, 'DELETE', $3,
               o.id, o.sfid, to_jsonb(o) - $4
        FROM ferry_old o
        RETURNING state
      )
      SELECT count(*) FILTER (WHERE state = 'NEW') FROM logged
    $sql$, TG_TABLE_SCHEMA)
    INTO pending
    USING txid_current(), clock_timestamp(), TG_TABLE_NAME, system_columns;
  END IF;

  -- Identical notifications of one transaction are delivered once: the writer needs a wake-up, not
  -- a count.
  IF pending > 0 THEN
    PERFORM pg_notify('ferry_writes', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END
$fn$;

-- Read-write tables, BEFORE INSERT / UPDATE FOR EACH ROW: a row with a change to send gets
-- _hc_lastop = 'PENDING' (and no error), as Heroku Connect does, so applications can wait for it
-- and the materializer can see an unsent local change. Setting NEW here costs no second row version
-- and cannot recurse. The UPDATE trigger's WHEN clause (OLD.* IS DISTINCT FROM NEW.*) already skips
-- no-op updates; here a change of system columns alone is not one either (the log says IGNORE).
CREATE FUNCTION ferry.mark_pending() RETURNS trigger
  LANGUAGE plpgsql
  AS $fn$
DECLARE
  probe record;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    -- The row as updated, but with the system columns (ferry.writeback_system_columns()) as before.
    probe := NEW;
    probe.id := OLD.id;
    probe.sfid := OLD.sfid;
    probe.systemmodstamp := OLD.systemmodstamp;
    probe.isdeleted := OLD.isdeleted;
    probe._hc_lastop := OLD._hc_lastop;
    probe._hc_err := OLD._hc_err;
    IF probe IS NOT DISTINCT FROM OLD THEN
      RETURN NEW;
    END IF;
  END IF;
  NEW._hc_lastop := 'PENDING';
  NEW._hc_err := NULL;
  RETURN NEW;
END
$fn$;

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

REVOKE EXECUTE ON FUNCTION ferry.capture_writes(), ferry.capture_readonly(), ferry.mark_pending(),
  ferry.refuse_truncate() FROM PUBLIC;
