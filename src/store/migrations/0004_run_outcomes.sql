-- A sync cycle in which some objects failed while the others went on is `partial`, not `succeeded`:
-- `ferry status` shows it and `ferry sync --once` exits non-zero (src/engine/sync-engine.ts).
ALTER TABLE ferry.runs DROP CONSTRAINT IF EXISTS runs_state_check;
ALTER TABLE ferry.runs
  ADD CONSTRAINT runs_state_check CHECK (state IN ('running', 'succeeded', 'partial', 'failed', 'cancelled'));

-- A field refresh (mapping option refreshNewFields) still to do: when new mapped fields become mirror
-- columns, their names are recorded here in the same transaction as the ALTER TABLE, so a crash before
-- the refresh ends re-runs it on restart. refresh_after_id is the last Id whose batch was applied
-- (the refresh resumes after it); both are cleared when the refresh completes.
ALTER TABLE ferry.mappings
  ADD COLUMN refresh_fields   text[],
  ADD COLUMN refresh_after_id varchar(18);
