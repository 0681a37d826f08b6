-- Write-back conflicts (docs/write-back.md "Conflicts"): a record changed in a read-write mirror table
-- (captured, not yet sent) and, for the same field, in Salesforce. The materializer records each one
-- here when it applies the Salesforce version (src/writeback/conflicts.ts), with what it decided;
-- `ferry writes` shows them.
CREATE TABLE ferry.write_conflicts (
  id               bigserial PRIMARY KEY,
  detected_at      timestamptz NOT NULL DEFAULT now(),
  schema_name      text NOT NULL,
  table_name       text NOT NULL,
  -- The mirror row's id and the record's Salesforce Id.
  record_id        integer,
  sfid             varchar(18),
  -- The mirror column (lower-case field name).
  field            text NOT NULL,
  -- The trigger-log row holding the local change.
  log_id           bigint,
  local_value      jsonb,
  salesforce_value jsonb,
  -- The version read from Salesforce.
  systemmodstamp   timestamp,
  policy           text NOT NULL CHECK (policy IN ('postgres-wins', 'salesforce-wins')),
  -- kept-local: the mirror keeps the local value and the pending write sends it;
  -- took-salesforce: the mirror takes Salesforce's value, the field is dropped from the pending write.
  resolution       text NOT NULL CHECK (resolution IN ('kept-local', 'took-salesforce'))
);
CREATE INDEX write_conflicts_table_idx ON ferry.write_conflicts (schema_name, table_name, detected_at);

-- The conflict policy of each mirror schema, as the running sync last configured it, so that every
-- process applying Salesforce versions to the same mirror (sync, backfills) decides alike.
CREATE TABLE ferry.write_settings (
  schema_name     text PRIMARY KEY,
  conflict_policy text NOT NULL CHECK (conflict_policy IN ('postgres-wins', 'salesforce-wins')),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The writer's state per org, for `ferry status` (written by the process holding the writer lock).
CREATE TABLE ferry.writer_state (
  lock_name   text PRIMARY KEY,
  state       text NOT NULL CHECK (state IN ('idle', 'writing', 'waiting-for-salesforce', 'stopped')),
  pid         integer,
  detail      text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
