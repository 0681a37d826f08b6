-- record_versions_modstamp_idx (object, sfid, systemmodstamp DESC, id DESC) served only "the latest
-- version of each record as of a Salesforce time T" (history/version-queries.ts), a whole-object
-- read that restore runs now and then. Every version insert paid for it: a third of the history
-- INSERT of a batch (measured: 100,000 versions in 1.15 s with it, 0.82 s without), on the path that
-- sets the speed of an initial load. The as-of read now walks the record index (object, sfid,
-- id DESC), or scans and sorts the object's versions, whichever the planner prefers; both stream.
DROP INDEX ferry.record_versions_modstamp_idx;
