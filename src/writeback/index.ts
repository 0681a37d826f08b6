/** Write-back (Postgres → Salesforce): capture into the trigger log, the writer, results, conflicts. */
export {
  ensureTriggerLog,
  TRIGGER_LOG_ACTIONS,
  TRIGGER_LOG_ARCHIVE_TABLE,
  TRIGGER_LOG_STATES,
  TRIGGER_LOG_TABLE,
  triggerLogDdl,
  type TriggerLogAction,
  type TriggerLogRow,
  type TriggerLogState,
} from './trigger-log-ddl.js';
export {
  removeWriteTriggers,
  setWriteAccess,
  WRITE_TRIGGER_NAMES,
  WRITES_CHANNEL,
  writeAccessOf,
  type SetWriteAccessResult,
  type WriteAccess,
} from './write-triggers.js';
export {
  conflictPolicyOf,
  DEFAULT_CONFLICT_POLICY,
  guardPendingWrites,
  setConflictPolicy,
  type ConflictPolicy,
} from './conflicts.js';
export { archiveTriggerLog, ARCHIVABLE_STATES, type HousekeepingResult } from './housekeeping.js';
export {
  hasNewRows,
  recordOutcomes,
  requeue,
  requeueInFlight,
  SF_RESULT_FAILED,
  SF_RESULT_SUCCESS,
  type RecordedOutcomes,
} from './results.js';
export { formatWrites } from './results-format.js';
export {
  ignoreWrite,
  listWrites,
  retryWrites,
  writeCounts,
  type ListWritesOptions,
  type TableWriteCounts,
  type WriteConflictEntry,
  type WriteLogEntry,
} from './results-queries.js';
export type {
  PlannedWrite,
  Planner,
  PlanOptions,
  SkippedRows,
  WriteGroup,
  WriteOp,
  WriteOutcome,
  WritePlan,
} from './write-plan.js';
export { Writer, type DrainOptions, type DrainResult, type WriterOptions } from './writer.js';
export type { WriteBackend } from './writer-backend.js';
export { readWriterStatus, type WriterState, type WriterStatus } from './writer-state.js';
export { planOrdered } from './plan-ordered.js';
export { planMerged } from './plan-merged.js';
export { sendGroup, DEFAULT_BULK_THRESHOLD, DEFAULT_BULK_JOB_SIZE, type SendOptions } from './send-writes.js';
export { DEFAULT_EXTERNAL_ID_FIELD } from './external-id.js';
