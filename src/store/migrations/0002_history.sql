-- History, mappings, cursors and runs: what capture, history and materialize share.

-- One row per capture/backfill/restore run. Versions name the run that captured them.
CREATE TABLE ferry.runs (
  id         text PRIMARY KEY,
  kind       text NOT NULL,
  state      text NOT NULL DEFAULT 'running'
             CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled')),
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at   timestamptz,
  error      text
);

-- Every record version Ferry has seen, append-only. A version whose content hash equals the newest
-- stored version of the same record is not stored again (src/history/append-versions.ts).
-- systemmodstamp: Salesforce's SystemModstamp; for a tombstone, when it was deleted (or, if
-- unknown, when Ferry learned it). captured_at: when Ferry stored the version.
CREATE TABLE ferry.record_versions (
  id             bigserial PRIMARY KEY,
  object         text NOT NULL,
  sfid           varchar(18) NOT NULL,
  systemmodstamp timestamptz NOT NULL,
  captured_at    timestamptz NOT NULL DEFAULT now(),
  op             text NOT NULL CHECK (op IN ('upsert', 'delete')),
  fields         jsonb NOT NULL,
  content_hash   bytea NOT NULL CHECK (length(content_hash) = 32),
  source         text NOT NULL,
  run_id         text NOT NULL
);

-- All versions of one record, newest first; the newest stored version (dedup); retention.
CREATE INDEX record_versions_record_idx ON ferry.record_versions (object, sfid, id DESC);
-- Latest version of each record as of a Salesforce time T (DISTINCT ON (sfid) ... ORDER BY sfid,
-- systemmodstamp DESC, id DESC).
CREATE INDEX record_versions_modstamp_idx ON ferry.record_versions (object, sfid, systemmodstamp DESC, id DESC);
-- Latest version of each record as Ferry knew it at T, and retention by age.
CREATE INDEX record_versions_captured_idx ON ferry.record_versions (object, sfid, captured_at DESC, id DESC);

-- An object's sync settings as last applied; config_hash tells whether the config changed since.
CREATE TABLE ferry.mappings (
  object      text PRIMARY KEY,
  schema_name text NOT NULL,
  table_name  text NOT NULL,
  config_hash text NOT NULL,
  state       text NOT NULL DEFAULT 'new',
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Incremental position per object: (SystemModstamp, Id), never the timestamp alone. The lease
-- fences a stale worker: taking the lease bumps lease_epoch, and a batch is applied only by the
-- worker holding the current epoch (checked in the batch's transaction).
CREATE TABLE ferry.cursors (
  object         text PRIMARY KEY,
  systemmodstamp timestamptz,
  sfid           varchar(18),
  lease_owner    text,
  lease_epoch    bigint NOT NULL DEFAULT 0,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
