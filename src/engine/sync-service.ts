import type { CaptureApi } from '../capture/types.js';
import { capture as defaultCapture } from '../capture/index.js';
import { clientOptionsFor, type FerryConfig } from '../config/ferry-config.js';
import { validateAgainstOrg } from '../config/validate-org.js';
import { ConfigError, errorMessage, isFerryError, RateLimitError } from '../errors/index.js';
import { rootLogger, type Logger } from '../log/index.js';
import { SalesforceClient } from '../salesforce/index.js';
import { openDatabase, type Database } from '../store/index.js';
import { SyncEngine } from './sync-engine.js';
import type { CycleResult, SyncEngineOptions } from './sync-types.js';
import { backoffMs, sleep } from '../core/wait.js';
import { acquireSyncLock } from './sync-lock.js';
import { createWriter } from './writer-setup.js';
import type { WriteBackend } from '../writeback/writer-backend.js';
import type { DrainResult } from '../writeback/writer.js';

export interface SyncServiceOptions {
  /** One full cycle (initial loads to completion, then one poll), then return. */
  readonly once?: boolean;
  /** Run the Id reconciliation in the first cycle whatever its schedule. */
  readonly reconcile?: boolean;
  /** Wait for another running sync to end instead of refusing. */
  readonly wait?: boolean;
  /** Ends the service after the current batch (SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** An open database (default: open config.database, and close it at the end). */
  readonly database?: Database;
  /** Default: src/capture. */
  readonly capture?: CaptureApi;
  /** Engine settings beyond the configuration (schedules, hooks). */
  readonly engine?: Partial<
    Pick<
      SyncEngineOptions,
      'reconcileEveryMs' | 'formulaEveryMs' | 'onBatch' | 'batchSize' | 'retryBaseMs' | 'cycleRetryMaxMs'
    >
  >;
  /** Called after each cycle (progress displays). */
  readonly onCycle?: (result: CycleResult) => void;
  /** Called when the service retries after a failure (a failed cycle, a lost sync lock). */
  readonly onRetry?: (err: unknown, retryInMs: number) => void;
  /** The writer's planner and sender (default: writes.algorithm and the collections/Bulk sender). */
  readonly writeBackend?: WriteBackend;
  /** No writer at all: reads only (backfill tools, tests of the mirror alone). */
  readonly noWriter?: boolean;
  /**
   * `once`: called with what the writer sent after the cycle. Salesforce still unavailable after a
   * few attempts ends the run with the TransientError (the rows stay NEW).
   */
  readonly onWrites?: (result: DrainResult) => void;
  /** `once`: attempts while Salesforce is unavailable (default 3). */
  readonly writeAttempts?: number;
}

/**
 * `ferry sync`: checks the configuration against the org, takes the sync lock of the database and
 * org, then runs cycles until `signal` aborts (or one cycle with `once`). Returns the cycle run
 * (`once`) or the last one.
 *
 * Without `once` it is a service and outlives database trouble: a cycle that fails as a whole is
 * retried with backoff (SyncEngine.run), and a sync lock lost with its connection is taken again
 * (with the same backoff) before cycles resume. It ends on `signal`, a ConfigError, or another sync
 * holding the lock when this one tries to take it back.
 */
export async function runSyncService(
  config: FerryConfig,
  options: SyncServiceOptions = {},
): Promise<CycleResult[]> {
  const logger = options.logger ?? rootLogger();
  const client = new SalesforceClient({ ...clientOptionsFor(config), logger });
  let database = options.database;
  const owned = database === undefined;
  try {
    try {
      await validateAgainstOrg(config, client);
    } catch (err) {
      // The org's daily API limit is used up: the mapping cannot be checked now, and every cycle
      // will end at once with a warning until the budget returns. Keep running instead of exiting.
      if (!(err instanceof RateLimitError)) throw err;
      logger.warn(
        { err: errorMessage(err) },
        'cannot check the configuration against the org: its API limit is used up',
      );
    }
    database ??= await openDatabase({
      url: config.database.url,
      dataDir: config.database.dataDir,
      port: config.database.port,
      logger,
    });
    const pool = database.pool;
    const takeLock = () =>
      acquireSyncLock(pool, config, {
        wait: options.wait ?? false,
        ...(options.signal ? { signal: options.signal } : {}),
        onWait: () =>
          logger.warn('another ferry sync is running on this database and org; waiting for it to end'),
      });
    const engine = new SyncEngine({
      config,
      pool,
      client,
      capture: options.capture ?? defaultCapture,
      logger,
      ...options.engine,
    });
    let lock = await takeLock();
    // The writer runs beside the cycles (its own lock and connections): reads go on while it writes.
    const writer = options.noWriter
      ? undefined
      : createWriter({
          config,
          pool,
          client,
          logger,
          backend: options.writeBackend,
          retryBaseMs: options.engine?.retryBaseMs,
        });
    const stopWriter = new AbortController();
    const writerSignal = options.signal
      ? AbortSignal.any([options.signal, stopWriter.signal])
      : stopWriter.signal;
    const writing = options.once || !writer ? undefined : writer.run(writerSignal);
    // A writer ends only on a ConfigError (a setting to fix): reads go on, the error is logged.
    void writing?.catch((err: unknown) => {
      logger.error({ err: errorMessage(err) }, 'the writer stopped; edits are not sent until Ferry restarts');
    });
    const cycles: CycleResult[] = [];
    try {
      const retryBaseMs = options.engine?.retryBaseMs ?? 5_000;
      const retryMaxMs = options.engine?.cycleRetryMaxMs ?? 5 * 60_000;
      let reconcile = options.reconcile ?? false;
      for (let lost = 0; ;) {
        try {
          const signal = options.signal ? AbortSignal.any([options.signal, lock.signal]) : lock.signal;
          if (options.once) {
            const cycle = await engine.runCycle({ signal, reconcile });
            cycles.push(cycle);
            options.onCycle?.(cycle);
            if (writer) {
              // Every change captured so far is sent, and its result recorded, before --once exits.
              const written = await writer.drain({ signal, maxAttempts: options.writeAttempts ?? 3 });
              options.onWrites?.(written);
            }
            return cycles;
          }
          await engine.run({
            signal,
            reconcile,
            onCycle: (c) => {
              reconcile = false;
              lost = 0;
              cycles.splice(0, cycles.length, c);
              options.onCycle?.(c);
            },
            ...(options.onRetry ? { onRetry: options.onRetry } : {}),
          });
        } finally {
          await lock.release().catch(() => undefined);
        }
        if (options.signal?.aborted || !lock.signal.aborted) return cycles;
        // The lock's connection ended (database restart, terminated backend): Postgres dropped the
        // lock. Take it again before going on; another sync that took it meanwhile ends this one.
        let reason: unknown = lock.signal.reason;
        for (;;) {
          const wait = backoffMs(lost++, retryBaseMs, retryMaxMs);
          logger.error(
            { err: errorMessage(reason), retryInMs: wait },
            'the sync lock was lost with its database connection; taking it again',
          );
          options.onRetry?.(reason, wait);
          await sleep(wait, options.signal);
          if (options.signal?.aborted) return cycles;
          try {
            lock = await takeLock();
            break;
          } catch (err) {
            if (err instanceof ConfigError || (isFerryError(err) && err.code === 'SYNC_ALREADY_RUNNING')) {
              throw err;
            }
            reason = err;
          }
        }
      }
    } finally {
      stopWriter.abort();
      await writing?.catch(() => undefined);
    }
  } finally {
    await client.close();
    if (owned) await database?.close();
  }
}
