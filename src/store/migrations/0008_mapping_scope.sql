-- Which records a mapping reads — its filter, activity retention and archiveNonMatching — hashed apart
-- from the other settings. When it changes, the object is read again in full (state back to `new`):
-- a widened filter brings in records that match now but have not changed since, which no poll
-- would ever return. NULL for mappings registered before this migration (no re-read on upgrade).
ALTER TABLE ferry.mappings ADD COLUMN scope_hash text;
