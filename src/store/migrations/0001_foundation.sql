-- Ferry's own schema. Mirror tables live elsewhere (default schema "salesforce"); everything Ferry
-- needs for itself lives here.
CREATE SCHEMA IF NOT EXISTS ferry;

-- One row per applied migration. The runner (src/store/migrate.ts) reads it to decide what to
-- apply, refuses databases migrated by a newer Ferry, and compares checksums to catch edited files.
CREATE TABLE ferry.migrations (
  version    integer PRIMARY KEY CHECK (version > 0),
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
