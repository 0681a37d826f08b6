/** The long-running mirror service: per-object state machines, sync cycles, governor, status. */
export { budgetWarning } from './governor.js';
export { knownIds } from './known-ids.js';
export { hasFormulaFields, mappedModel } from './mapped-model.js';
export { readObjectStates, type ObjectPhase, type ObjectState } from './object-state.js';
export type { RunState } from './runs.js';
export { formatStatus, readStatus, type ObjectStatus, type RunStatus, type SyncStatus } from './status.js';
export { SyncEngine } from './sync-engine.js';
export type {
  BatchEvent,
  CycleOptions,
  CycleResult,
  ObjectCycleResult,
  SyncEngineOptions,
} from './sync-types.js';
export { acquireSyncLock, syncLockName, type SyncLockOptions } from './sync-lock.js';
export { runSyncService, type SyncServiceOptions } from './sync-service.js';
