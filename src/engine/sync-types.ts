/** The sync engine's options and results (sync-engine.ts). */
import type { Pool } from 'pg';
import type { CaptureApi } from '../capture/types.js';
import type { FerryConfig } from '../config/ferry-config.js';
import type { ChangeBatch } from '../core/change-batch.js';
import type { Logger } from '../log/index.js';
import type { SalesforceClient } from '../salesforce/index.js';
import type { ObjectState } from './object-state.js';
import type { RunState } from './runs.js';

export interface SyncEngineOptions {
  readonly config: FerryConfig;
  readonly pool: Pool;
  readonly client: SalesforceClient;
  readonly capture: CaptureApi;
  readonly logger?: Logger;
  /** Only these mapped objects (default: all of config.objects). */
  readonly objects?: readonly string[] | undefined;
  /** Lease owner name (default `sync-<pid>`). */
  readonly owner?: string;
  /** Id reconciliation interval per object (default 24 h). */
  readonly reconcileEveryMs?: number;
  /** Formula refresh interval per object (default 1 h). */
  readonly formulaEveryMs?: number;
  /** Progress log line interval (default 10 s). */
  readonly progressEveryMs?: number;
  /** First retry delay after a transient error (default 5 s; doubles per failure, at most 15 min). */
  readonly retryBaseMs?: number;
  /**
   * `run()`: most wait before retrying a cycle that failed as a whole (the database went away while
   * the run was recorded...); the wait starts at `retryBaseMs` and doubles (default 5 min).
   */
  readonly cycleRetryMaxMs?: number;
  /** Most records per capture batch (default: capture's own). */
  readonly batchSize?: number;
  /** Called after each applied batch (progress displays; tests). */
  readonly onBatch?: (event: BatchEvent) => void;
}

export interface BatchEvent {
  readonly object: string;
  readonly source: ChangeBatch['source'];
  readonly records: number;
  readonly tombstones: number;
  readonly versions: number;
}

export interface CycleOptions {
  /** Run the Id reconciliation now for every object, whatever its schedule. */
  readonly reconcile?: boolean;
  /** Stops between batches (SIGINT/SIGTERM); the run is recorded as cancelled. */
  readonly signal?: AbortSignal;
}

export interface ObjectCycleResult {
  readonly object: string;
  /** The object's phase after the cycle (null: it failed or stopped before finishing). */
  readonly phase: ObjectState['phase'] | null;
  readonly records: number;
  readonly versions: number;
  readonly skipped?: 'backoff';
  readonly error?: string;
}

export interface CycleResult {
  readonly runId: string;
  /** `partial`: some objects failed (listed in `errors`) while the others went on. */
  readonly state: Exclude<RunState, 'failed'>;
  readonly records: number;
  readonly versions: number;
  readonly objects: readonly ObjectCycleResult[];
  /** Why the cycle ended early on purpose (API budget, rate limit): a warning, not a failure. */
  readonly warning: string | null;
  /** Objects that failed this cycle (retried next cycle). */
  readonly errors: readonly { object: string; message: string }[];
}
