/** Change batches → mirror tables (Heroku Connect layout): DDL from describe, merge or delta, drift. */
export { applyBatch, type ApplyOptions, type ApplyResult } from './apply-batch.js';
export {
  applyChangeBatch,
  type ApplyChangeBatchOptions,
  type ApplyChangeBatchResult,
} from './apply-change-batch.js';
export { applyChangeBatchesInOrder, type InOrderOptions } from './apply-in-order.js';
export {
  acquireLease,
  lockCursor,
  readCursor,
  saveCursor,
  type Lease,
  type StoredCursor,
} from './cursor-store.js';
export {
  changesTableDdl,
  changesTableName,
  DEFAULT_MIRROR_SCHEMA,
  ensureMirrorTable,
  fitName,
  mirrorTableDdl,
  mirrorTableName,
  type EnsureResult,
  type MaterializeMode,
  type MirrorTableOptions,
} from './mirror-ddl.js';
