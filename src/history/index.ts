/** ferry.record_versions: append with dedup by content hash, per-record and as-of queries, retention. */
export { appendVersions, type AppendOptions } from './append-versions.js';
export { CONTENT_HASH_SQL, type VersionOp } from './content-hash.js';
export { stageVersions, VERSION_STAGE_TABLE } from './version-stage.js';
export { purgeVersions, type PurgeOptions } from './retention.js';
export { latestAsOf, versionsOf, type AsOfOptions, type StoredVersion } from './version-queries.js';
