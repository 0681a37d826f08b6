/** Ferry's library surface: the CLI and the HTTP server are thin adapters over what is exported here. */
export * from './errors/index.js';
export { createLogger, rootLogger, redact, redactString } from './log/index.js';
export { resolveEmulatorOptions, EMULATOR_OPTIONS, type EmulatorOptions } from './config/emulator-options.js';
export { resolveDatabaseOptions, DATABASE_OPTIONS, type DatabaseOptions } from './config/database-options.js';
export { startEmulator, type RunningEmulator, type EmulatorStartOptions } from './emulator/index.js';
export { openDatabase, migrate, type Database, type OpenDatabaseOptions } from './store/index.js';
export { SalesforceClient } from './salesforce/index.js';
