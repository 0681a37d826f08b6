-- Content hashes are now computed in Postgres from the stored jsonb (src/history/content-hash.ts:
-- sha256 of `<op>:<fields as jsonb text>`) instead of from canonical JSON in the capture process.
-- Recompute the stored ones so that the next read of an unchanged record matches its newest version
-- and stores nothing.
UPDATE ferry.record_versions
SET content_hash = sha256(convert_to(op || ':' || fields::text, 'UTF8'));

-- A record's versions are stored in captured order (one writer per object at a time), so "latest as
-- Ferry knew it at T" and retention walk record_versions_record_idx (object, sfid, id DESC); this
-- third index only cost every insert.
DROP INDEX ferry.record_versions_captured_idx;
