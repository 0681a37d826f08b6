import type { CaptureApi } from '../capture/types.js';
import { capture as defaultCapture } from '../capture/index.js';
import { clientOptionsFor, type FerryConfig } from '../config/ferry-config.js';
import { validateAgainstOrg } from '../config/validate-org.js';
import { errorMessage, RateLimitError } from '../errors/index.js';
import { rootLogger, type Logger } from '../log/index.js';
import { SalesforceClient } from '../salesforce/index.js';
import { openDatabase, type Database } from '../store/index.js';
import { SyncEngine, type CycleResult, type SyncEngineOptions } from './sync-engine.js';
import { acquireSyncLock } from './sync-lock.js';

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
    Pick<SyncEngineOptions, 'reconcileEveryMs' | 'formulaEveryMs' | 'onBatch' | 'batchSize'>
  >;
  /** Called after each cycle (progress displays). */
  readonly onCycle?: (result: CycleResult) => void;
}

/**
 * `ferry sync`: checks the configuration against the org, takes the sync lock of the database and
 * org, then runs cycles until `signal` aborts (or one cycle with `once`). Returns the cycle run
 * (`once`) or the last one.
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
    const lock = await acquireSyncLock(database.pool, config, {
      wait: options.wait ?? false,
      ...(options.signal ? { signal: options.signal } : {}),
      onWait: () =>
        logger.warn('another ferry sync is running on this database and org; waiting for it to end'),
    });
    try {
      const signal = options.signal ? AbortSignal.any([options.signal, lock.signal]) : lock.signal;
      const engine = new SyncEngine({
        config,
        pool: database.pool,
        client,
        capture: options.capture ?? defaultCapture,
        logger,
        ...options.engine,
      });
      const cycles: CycleResult[] = [];
      if (options.once) {
        const cycle = await engine.runCycle({ signal, reconcile: options.reconcile ?? false });
        cycles.push(cycle);
        options.onCycle?.(cycle);
      } else {
        await engine.run({
          signal,
          reconcile: options.reconcile ?? false,
          onCycle: (c) => {
            cycles.splice(0, cycles.length, c);
            options.onCycle?.(c);
          },
        });
      }
      return cycles;
    } finally {
      await lock.release().catch(() => undefined);
    }
  } finally {
    await client.close();
    if (owned) await database?.close();
  }
}
