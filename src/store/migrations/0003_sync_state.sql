-- The sync engine's per-object state machine (src/engine): ferry.mappings.state moves
-- new → initial → incremental. An initial load resumes by Id from ferry.cursors.sfid; when it
-- completes, the cursor starts at initial_started_at minus the overlap window.
ALTER TABLE ferry.mappings
  ADD COLUMN initial_started_at  timestamptz,
  ADD COLUMN last_poll_at        timestamptz,
  ADD COLUMN last_reconcile_at   timestamptz,
  ADD COLUMN last_formula_at     timestamptz,
  ADD COLUMN last_error          text,
  ADD COLUMN last_error_at       timestamptz,
  ADD COLUMN failures            integer NOT NULL DEFAULT 0,
  ADD COLUMN next_attempt_at     timestamptz;

ALTER TABLE ferry.mappings
  ADD CONSTRAINT mappings_state_check CHECK (state IN ('new', 'initial', 'incremental'));

-- A sync cycle's outcome: records applied, the org's API usage seen at its end, and a warning when it
-- ended early on purpose (API budget reached, rate limited) — a warning, not a failure.
ALTER TABLE ferry.runs
  ADD COLUMN records  bigint NOT NULL DEFAULT 0,
  ADD COLUMN api_used integer,
  ADD COLUMN api_max  integer,
  ADD COLUMN warning  text;
