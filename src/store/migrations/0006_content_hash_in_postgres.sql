-- Content hashes are now computed in Postgres from the stored jsonb (src/history/content-hash.ts)
-- instead of from canonical JSON in the capture process: sha256 of `<op>:<fields as jsonb text>`.
-- jsonb's text form is canonical (keys sorted, duplicates gone, fixed spacing).
--
-- Declared IMMUTABLE so that a batch's staging table can compute it once per row as a generated
-- column. convert_to() is only STABLE because it depends on the server encoding, which is fixed for
-- the life of a database, so the result cannot change for the same arguments.
CREATE FUNCTION ferry.content_hash(op text, fields jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT sha256(convert_to(op || ':' || fields::text, 'UTF8')) $$;

-- Recompute the stored hashes so that the next read of an unchanged record matches its newest
-- version and stores nothing.
UPDATE ferry.record_versions SET content_hash = ferry.content_hash(op, fields);

-- A record's versions are stored in captured order (one writer per object at a time), so "latest as
-- Ferry knew it at T" and retention walk record_versions_record_idx (object, sfid, id DESC); this
-- third index only cost every insert.
DROP INDEX ferry.record_versions_captured_idx;
