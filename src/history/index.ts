/** ferry.record_versions: append with dedup by content hash, per-record and as-of queries, retention. */
export { appendVersions } from './append-versions.js';
export { canonicalJson, contentHash, type VersionOp } from './content-hash.js';
export { purgeVersions, type PurgeOptions } from './retention.js';
export { latestAsOf, versionsOf, type AsOfOptions, type StoredVersion } from './version-queries.js';
