/** Postgres: pool, transactions, advisory locks, COPY, identifier quoting, embedded server, migrations. */
export { advisoryLockKey, tryAdvisoryLock, withAdvisoryLock, type AdvisoryLock } from './advisory-lock.js';
export { copyRows, type CopyRowSource, type TableName } from './copy-rows.js';
export { COPY_NULL, encodeCopyRow, encodeCopyValue, escapeCopyText } from './copy-text.js';
export { databaseOf, redactUrl, withDatabase } from './database-url.js';
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded.js';
export {
  loadMigrations,
  migrate,
  MIGRATION_LOCK,
  MIGRATIONS_DIR,
  type Migration,
  type MigrateOptions,
  type MigrateResult,
} from './migrate.js';
export {
  DEFAULT_DATA_DIR,
  DEFAULT_EMBEDDED_DATABASE,
  openDatabase,
  type Database,
  type OpenDatabaseOptions,
} from './open-database.js';
export { isConflictAbort, retryConflictAborts } from './conflict-retry.js';
export { sqlState, wrapPgError } from './pg-errors.js';
export { connect, createPool, type PoolOptions } from './pool.js';
export { MAX_IDENTIFIER_BYTES, qualify, quoteIdent } from './quote-ident.js';
export { withTransaction, type IsolationLevel, type TransactionOptions } from './transaction.js';
