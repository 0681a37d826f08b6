/** Write-back (Postgres → Salesforce). So far: capture of edits into the trigger log. */
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
