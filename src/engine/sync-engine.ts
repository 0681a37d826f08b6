import type { Pool } from 'pg';
import type { CaptureApi, CaptureContext } from '../capture/types.js';
import type { FerryConfig } from '../config/ferry-config.js';
import type { ObjectMapping } from '../config/object-mapping.js';
import type { ChangeBatch } from '../core/change-batch.js';
import { fromDescribe, type ObjectModel } from '../core/sobject-model.js';
import { ConfigError, errorMessage, RateLimitError, RecordError, TransientError } from '../errors/index.js';
import { rootLogger, type Logger } from '../log/index.js';
import {
  acquireLease,
  applyChangeBatch,
  ensureMirrorTable,
  lockCursor,
  readCursor,
  saveCursor,
  type Lease,
} from '../materialize/index.js';
import type { SalesforceClient } from '../salesforce/index.js';
import { withTransaction } from '../store/index.js';
import { budgetWarning } from './governor.js';
import { knownIds } from './known-ids.js';
import { hasFormulaFields, mappedModel } from './mapped-model.js';
import {
  ensureObjectState,
  finishInitial,
  recordFailure,
  recordSuccess,
  startInitial,
  type ObjectState,
} from './object-state.js';
import { endRun, startRun } from './runs.js';

const HOUR = 3_600_000;

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
  readonly state: 'succeeded' | 'failed' | 'cancelled';
  readonly records: number;
  readonly versions: number;
  readonly objects: readonly ObjectCycleResult[];
  /** Why the cycle ended early on purpose (API budget, rate limit): a warning, not a failure. */
  readonly warning: string | null;
  /** Objects that failed this cycle (retried next cycle). */
  readonly errors: readonly { object: string; message: string }[];
}

/** Ends applying a capture stream: the API budget is spent, or the engine was asked to stop. */
class StopCycle extends Error {
  constructor(readonly warning: string | null) {
    super(warning ?? 'stopped');
  }
}

interface Progress {
  records: number;
  versions: number;
}

/**
 * The mirror's orchestration. One cycle walks the mapped objects: describe (once per object per
 * cycle) → mapped model → mirror table (schema drift adds columns) → the object's state machine:
 * `new`/`initial` run the Id-keyset initial load (each batch applied — history, mirror, cursor in one
 * transaction — before the next is requested; resumable by Id), then `incremental` polls from the
 * cursor, with the Id reconciliation and the formula refresh when they are due. Runs go to
 * ferry.runs, per-object state and errors to ferry.mappings.
 *
 * Errors by disposition: ConfigError ends the cycle and is rethrown (exit 2); RateLimitError and the
 * API governor end the cycle cleanly with a warning; TransientError (and anything unexpected) puts
 * the object into backoff while the others go on; RecordError is recorded and the object goes on
 * next cycle.
 */
export class SyncEngine {
  readonly #config: FerryConfig;
  readonly #pool: Pool;
  readonly #client: SalesforceClient;
  readonly #capture: CaptureApi;
  readonly #logger: Logger;
  readonly #objects: readonly ObjectMapping[];
  readonly #owner: string;
  readonly #reconcileEveryMs: number;
  readonly #formulaEveryMs: number;
  readonly #progressEveryMs: number;
  readonly #retryBaseMs: number;
  readonly #onBatch: ((event: BatchEvent) => void) | undefined;
  readonly #batchSize: number | undefined;

  constructor(options: SyncEngineOptions) {
    this.#config = options.config;
    this.#pool = options.pool;
    this.#client = options.client;
    this.#capture = options.capture;
    this.#logger = (options.logger ?? rootLogger()).child({ component: 'sync' });
    this.#objects = selectObjects(options.config, options.objects);
    this.#owner = options.owner ?? `sync-${process.pid}`;
    this.#reconcileEveryMs = options.reconcileEveryMs ?? 24 * HOUR;
    this.#formulaEveryMs = options.formulaEveryMs ?? HOUR;
    this.#progressEveryMs = options.progressEveryMs ?? 10_000;
    this.#retryBaseMs = options.retryBaseMs ?? 5_000;
    this.#onBatch = options.onBatch;
    this.#batchSize = options.batchSize;
  }

  /** The objects this engine syncs, in order. */
  get objects(): readonly string[] {
    return this.#objects.map((m) => m.name);
  }

  /** One full cycle: initial loads to completion (budget permitting), then one poll per object. */
  async runCycle(options: CycleOptions = {}): Promise<CycleResult> {
    const runId = await startRun(this.#pool, 'sync');
    const results: ObjectCycleResult[] = [];
    const errors: { object: string; message: string }[] = [];
    let warning: string | null = null;
    let records = 0;
    let versions = 0;
    let fatal: ConfigError | undefined;
    for (const mapping of this.#objects) {
      if (options.signal?.aborted) break;
      warning = budgetWarning(this.#client.apiUsage, this.#config.mirror.apiBudget);
      if (warning) break;
      const progress: Progress = { records: 0, versions: 0 };
      try {
        const result = await this.#syncObject(mapping, runId, progress, options);
        results.push(result);
      } catch (err) {
        records += progress.records;
        versions += progress.versions;
        if (err instanceof StopCycle) {
          warning = err.warning;
          results.push({ object: mapping.name, phase: null, ...progress });
          break;
        }
        const message = errorMessage(err);
        if (err instanceof RateLimitError) {
          warning = `Salesforce refused more requests while syncing ${mapping.name}: ${message}`;
          await recordFailure(this.#pool, mapping.name, message, null);
          results.push({ object: mapping.name, phase: null, ...progress, error: message });
          break;
        }
        if (err instanceof ConfigError) {
          await recordFailure(this.#pool, mapping.name, message, null).catch(() => undefined);
          fatal = err;
          break;
        }
        const retry = err instanceof RecordError ? null : await this.#backoffMs(mapping.name);
        await recordFailure(this.#pool, mapping.name, message, retry);
        this.#logger.warn(
          { object: mapping.name, err: message, retryInMs: retry },
          err instanceof TransientError || err instanceof RecordError
            ? 'object sync failed; retried next cycle'
            : 'object sync failed unexpectedly; retried next cycle',
        );
        errors.push({ object: mapping.name, message });
        results.push({ object: mapping.name, phase: null, ...progress, error: message });
        continue;
      }
      const last = results.at(-1);
      records += last?.records ?? 0;
      versions += last?.versions ?? 0;
    }
    const usage = this.#client.apiUsage;
    const state = fatal ? 'failed' : options.signal?.aborted ? 'cancelled' : 'succeeded';
    await endRun(this.#pool, runId, {
      state,
      records,
      apiUsed: usage?.used ?? null,
      apiMax: usage?.max ?? null,
      warning,
      error: fatal
        ? errorMessage(fatal)
        : errors.length > 0
          ? errors.map((e) => `${e.object}: ${e.message}`).join('; ')
          : null,
    });
    if (warning) this.#logger.warn({ runId }, warning);
    if (fatal) throw fatal;
    this.#logger.info({ runId, records, versions, state }, 'sync cycle done');
    return { runId, state, records, versions, objects: results, warning, errors };
  }

  /**
   * The long-running service: a cycle every `mirror.pollInterval` until `signal` aborts (the
   * current batch finishes first). ConfigError ends it.
   */
  async run(options: {
    signal: AbortSignal;
    reconcile?: boolean;
    onCycle?: (result: CycleResult) => void;
  }): Promise<void> {
    let reconcile = options.reconcile ?? false;
    while (!options.signal.aborted) {
      const result = await this.runCycle({ signal: options.signal, reconcile });
      options.onCycle?.(result);
      reconcile = false;
      await sleep(this.#config.mirror.pollInterval, options.signal);
    }
  }

  async #backoffMs(object: string): Promise<number> {
    const result = await this.#pool.query<{ failures: number }>(
      `SELECT failures FROM ferry.mappings WHERE object = $1`,
      [object],
    );
    const failures = result.rows[0]?.failures ?? 0;
    return Math.min(this.#retryBaseMs * 2 ** failures, 15 * 60_000);
  }

  async #syncObject(
    mapping: ObjectMapping,
    runId: string,
    progress: Progress,
    options: CycleOptions,
  ): Promise<ObjectCycleResult> {
    const name = mapping.name;
    const schema = this.#config.mirror.schema;
    const describe = await this.#client.describe(name, options.signal);
    const model = mappedModel(fromDescribe(describe), mapping);
    const ensured = await withTransaction(this.#pool, (c) =>
      ensureMirrorTable(c, model, { schema, mode: mapping.mode }),
    );
    if (ensured.addedColumns.length > 0) {
      this.#logger.info({ object: name, columns: ensured.addedColumns }, 'new fields became columns');
    }
    let state = await ensureObjectState(this.#pool, mapping, schema, ensured.table);
    if (state.nextAttemptAt && state.nextAttemptAt.getTime() > Date.now()) {
      return { object: name, phase: state.phase, records: 0, versions: 0, skipped: 'backoff' };
    }
    const lease = await acquireLease(this.#pool, name, this.#owner);
    const ctx: CaptureContext = {
      client: this.#client,
      model,
      mapping,
      bulkThreshold: this.#config.mirror.bulkThreshold,
      overlapMs: this.#config.mirror.overlap,
      runId,
      logger: this.#logger.child({ object: name, runId }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(this.#batchSize !== undefined ? { batchSize: this.#batchSize } : {}),
    };
    const apply = (batches: AsyncIterable<ChangeBatch>) =>
      this.#applyAll(batches, model, mapping, lease, progress, options.signal);

    if (state.phase !== 'incremental') {
      const startedAt =
        state.phase === 'new' || !state.initialStartedAt
          ? await startInitial(this.#pool, name)
          : state.initialStartedAt;
      const cursor = state.phase === 'new' ? undefined : await readCursor(this.#pool, name);
      const afterId = cursor?.id ?? null;
      this.#logger.info({ object: name, afterId }, afterId ? 'resuming initial load' : 'initial load');
      await apply(this.#capture.initialLoad(ctx, { afterId }));
      const start = new Date(startedAt.getTime() - this.#config.mirror.overlap).toISOString();
      await withTransaction(this.#pool, async (c) => {
        await lockCursor(c, name, lease);
        await saveCursor(c, name, { systemModstamp: start, id: null });
        await finishInitial(c, name);
      });
      this.#logger.info({ object: name, records: progress.records }, 'initial load complete');
      state = { ...state, phase: 'incremental', lastReconcileAt: new Date(), lastFormulaAt: new Date() };
    }

    const cursor = await readCursor(this.#pool, name);
    await apply(
      this.#capture.poll(ctx, { systemModstamp: cursor?.systemModstamp ?? null, id: cursor?.id ?? null }),
    );
    await recordSuccess(this.#pool, name, 'poll');

    if (options.reconcile || due(state.lastReconcileAt, this.#reconcileEveryMs)) {
      const source = mapping.mode === 'merge' ? { schema, table: ensured.table } : null;
      await apply(this.#capture.reconcile(ctx, knownIds(this.#pool, name, source)));
      await recordSuccess(this.#pool, name, 'reconcile');
    }
    if (hasFormulaFields(model) && due(state.lastFormulaAt, this.#formulaEveryMs)) {
      await apply(this.#capture.refreshFormulas(ctx));
      await recordSuccess(this.#pool, name, 'formula');
    }
    return { object: name, phase: 'incremental', ...progress };
  }

  /** Applies each batch before the next is requested; the governor and the signal stop in between. */
  async #applyAll(
    batches: AsyncIterable<ChangeBatch>,
    model: ObjectModel,
    mapping: ObjectMapping,
    lease: Lease,
    progress: Progress,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const started = Date.now();
    const before = progress.records;
    let lastLog = started;
    for await (const batch of batches) {
      const applied = await applyChangeBatch(this.#pool, batch, model, {
        schema: this.#config.mirror.schema,
        mode: mapping.mode,
        lease,
      });
      const count = batch.records.length + batch.tombstones.length;
      progress.records += count;
      progress.versions += applied.versions;
      this.#onBatch?.({
        object: mapping.name,
        source: batch.source,
        records: batch.records.length,
        tombstones: batch.tombstones.length,
        versions: applied.versions,
      });
      const now = Date.now();
      if (now - lastLog >= this.#progressEveryMs) {
        lastLog = now;
        const done = progress.records - before;
        this.#logger.info(
          {
            object: mapping.name,
            source: batch.source,
            records: done,
            rate: Math.round((done * 1000) / Math.max(1, now - started)),
          },
          'sync progress (records, records/s)',
        );
      }
      if (signal?.aborted) throw new StopCycle(null);
      const warning = budgetWarning(this.#client.apiUsage, this.#config.mirror.apiBudget);
      if (warning) throw new StopCycle(warning);
    }
  }
}

function due(last: Date | null, everyMs: number): boolean {
  return last === null || Date.now() - last.getTime() >= everyMs;
}

function selectObjects(config: FerryConfig, names: readonly string[] | undefined): ObjectMapping[] {
  const all = Object.values(config.objects);
  if (!names) return all;
  const byLower = new Map(all.map((m) => [m.name.toLowerCase(), m]));
  const unknown = names.filter((n) => !byLower.has(n.toLowerCase()));
  if (unknown.length > 0) {
    throw new ConfigError(`Objects ${unknown.join(', ')} are not mapped in the configuration`, {
      code: 'OBJECT_NOT_MAPPED',
      hint: 'Map them under objects: in ferry.config.yaml, or list them with --objects.',
    });
  }
  return names.map((n) => byLower.get(n.toLowerCase())!);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
