/** Ferry's library surface: the CLI and the HTTP server are thin adapters over what is exported here. */
export * from './errors/index.js';
export { createLogger, rootLogger, redact, redactString } from './log/index.js';
export { resolveEmulatorOptions, EMULATOR_OPTIONS, type EmulatorOptions } from './config/emulator-options.js';
export { resolveDatabaseOptions, DATABASE_OPTIONS, type DatabaseOptions } from './config/database-options.js';
export { startEmulator, type RunningEmulator, type EmulatorStartOptions } from './emulator/index.js';
export { openDatabase, migrate, type Database, type OpenDatabaseOptions } from './store/index.js';
export { resolveConfig, redactConfig, clientOptionsFor, type FerryConfig } from './config/ferry-config.js';
export { validateAgainstOrg } from './config/validate-org.js';
export { ConfigProblemsError, type ConfigProblem } from './config/config-problems.js';
export { SalesforceClient } from './salesforce/index.js';
export { fromDescribe, type ObjectModel, type FieldModel } from './core/sobject-model.js';
export type { ChangeBatch, CapturedRecord, Tombstone, Cursor, VersionSource } from './core/change-batch.js';
export { appendVersions, versionsOf, latestAsOf, purgeVersions } from './history/index.js';
export { ensureMirrorTable, applyBatch, applyChangeBatch, mirrorTableDdl } from './materialize/index.js';
