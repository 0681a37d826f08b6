import type { Pool } from 'pg';
import type { CaptureApi, CaptureContext } from '../capture/types.js';
import type { FerryConfig } from '../config/ferry-config.js';
import type { ObjectMapping } from '../config/object-mapping.js';
import type { ChangeBatch } from '../core/change-batch.js';
import { fromDescribe, type ObjectModel } from '../core/sobject-model.js';
import { ConfigError, errorMessage, RateLimitError, RecordError, TransientError } from '../errors/index.js';
import { purgeVersions } from '../history/index.js';
import { rootLogger, type Logger } from '../log/index.js';
import {
  acquireLease,
  applyChangeBatchesInOrder,
  lockCursor,
  readCursor,
  saveCursor,
  type Lease,
} from '../materialize/index.js';
import type { SalesforceClient } from '../salesforce/index.js';
import { withTransaction } from '../store/index.js';
import { setConflictPolicy } from '../writeback/conflicts.js';
import { budgetWarning } from './governor.js';
import { knownIds } from './known-ids.js';
import { hasFormulaFields, mappedModel } from './mapped-model.js';
import { refreshNewFields } from './new-fields.js';
import { prepareObjectTable } from './object-table.js';
import { ParentModels } from './parent-models.js';
import {
  finishInitial,
  readObjectState,
  recordFailure,
  recordSuccess,
  startInitial,
} from './object-state.js';
import { currentSnapshot, withReadSnapshot } from './read-snapshot.js';
import { endRun, startRun } from './runs.js';
import type {
  BatchEvent,
  CycleOptions,
  CycleResult,
  ObjectCycleResult,
  SyncEngineOptions,
} from './sync-types.js';
import { backoffMs } from '../core/wait.js';
import { serviceLoop } from './service-loop.js';

const HOUR = 3_600_000;
/** Initial-load batches in flight at once (see applyChangeBatchesInOrder). */
const INITIAL_LOAD_DEPTH = 2;

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
 * cycle) → mapped model → mirror table (schema drift adds columns; a read-write table also gets its
 * relationship external-id columns, parent-models.ts) → the object's state machine:
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
  readonly #cycleRetryMaxMs: number;
  readonly #onBatch: ((event: BatchEvent) => void) | undefined;
  readonly #batchSize: number | undefined;
  readonly #parents: ParentModels;

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
    this.#cycleRetryMaxMs = options.cycleRetryMaxMs ?? 5 * 60_000;
    this.#onBatch = options.onBatch;
    this.#batchSize = options.batchSize;
    this.#parents = new ParentModels(this.#client, this.#logger);
  }

  /** The objects this engine syncs, in order. */
  get objects(): readonly string[] {
    return this.#objects.map((m) => m.name);
  }

  /** One full cycle: initial loads to completion (budget permitting), then one poll per object. */
  async runCycle(options: CycleOptions = {}): Promise<CycleResult> {
    const runId = await startRun(this.#pool, 'sync');
    try {
      return await this.#cycle(runId, options);
    } catch (err) {
      if (!(err instanceof ConfigError)) {
        // Failed as a whole (the database went away...): leave no run `running` if it can be helped.
        await endRun(this.#pool, runId, {
          state: 'failed',
          records: 0,
          apiUsed: this.#client.apiUsage?.used ?? null,
          apiMax: this.#client.apiUsage?.max ?? null,
          warning: null,
          error: errorMessage(err),
        }).catch(() => undefined);
      }
      throw err;
    }
  }

  async #cycle(runId: string, options: CycleOptions): Promise<CycleResult> {
    const results: ObjectCycleResult[] = [];
    const errors: { object: string; message: string }[] = [];
    let warning: string | null = null;
    let records = 0;
    let versions = 0;
    let fatal: ConfigError | undefined;
    // Every process applying versions to this mirror decides write conflicts by this policy.
    await setConflictPolicy(this.#pool, this.#config.mirror.schema, this.#config.writes.conflictPolicy);
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
        if (err instanceof StopCycle || options.signal?.aborted) {
          // Stopped on purpose, between batches or inside a read: not the object's failure.
          if (err instanceof StopCycle) warning = err.warning;
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
    const state: CycleResult['state'] = options.signal?.aborted
      ? 'cancelled'
      : errors.length > 0
        ? 'partial'
        : 'succeeded';
    await endRun(this.#pool, runId, {
      state: fatal ? 'failed' : state,
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
   * current batch finishes first). A cycle that fails as a whole — an error outside the per-object
   * handling, such as the database connection dropping while the run is recorded — is logged and
   * retried after `retryBaseMs`, doubling per consecutive failure up to `cycleRetryMaxMs`: a service
   * must outlive a database restart. ConfigError (the user must fix something) ends it.
   */
  async run(options: {
    signal: AbortSignal;
    reconcile?: boolean;
    onCycle?: (result: CycleResult) => void;
    /** Called when a failed cycle is about to be retried (logs, tests). */
    onRetry?: (err: unknown, retryInMs: number) => void;
  }): Promise<void> {
    const reconcile = options.reconcile ?? false;
    await serviceLoop((first) => this.runCycle({ signal: options.signal, reconcile: reconcile && first }), {
      signal: options.signal,
      intervalMs: this.#config.mirror.pollInterval,
      retryBaseMs: this.#retryBaseMs,
      retryMaxMs: this.#cycleRetryMaxMs,
      logger: this.#logger,
      onCycle: options.onCycle,
      onRetry: options.onRetry,
    });
  }

  async #backoffMs(object: string): Promise<number> {
    const result = await this.#pool.query<{ failures: number }>(
      `SELECT failures FROM ferry.mappings WHERE object = $1`,
      [object],
    );
    const failures = result.rows[0]?.failures ?? 0;
    return backoffMs(failures, this.#retryBaseMs, 15 * 60_000);
  }

  async #syncObject(
    mapping: ObjectMapping,
    runId: string,
    progress: Progress,
    options: CycleOptions,
  ): Promise<ObjectCycleResult> {
    const name = mapping.name;
    const schema = this.#config.mirror.schema;
    // Backoff first: an object waiting out its failures costs no call, not even its describe.
    const known = await readObjectState(this.#pool, name);
    if (known?.nextAttemptAt && known.nextAttemptAt.getTime() > Date.now()) {
      return { object: name, phase: known.phase, records: 0, versions: 0, skipped: 'backoff' };
    }
    const describe = await this.#client.describe(name, options.signal);
    const full = fromDescribe(describe);
    this.#parents.remember(full);
    const model = mappedModel(full, mapping);
    // Read-write tables get `<lookup>__r__<externalid>` columns, so a child can name a parent that has
    // no sfid yet (relationship-columns.ts); they need the describes of the objects the lookups target.
    const relationshipColumns =
      mapping.mode === 'merge' && mapping.access === 'read-write'
        ? await this.#parents.columnsFor(model, this.#config.writes.externalIdField, options.signal)
        : [];
    const registered = await prepareObjectTable(this.#pool, this.#logger, {
      mapping,
      model,
      schema,
      relationshipColumns,
    });
    let state = registered;
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
    const apply = (
      batches: AsyncIterable<ChangeBatch>,
      afterBatch?: (batch: ChangeBatch) => Promise<void>,
      depth = 1,
    ) => this.#applyAll(batches, model, mapping, lease, progress, options.signal, afterBatch, depth);

    if (state.phase !== 'incremental') {
      const startedAt =
        state.phase === 'new' || !state.initialStartedAt
          ? await startInitial(this.#pool, name)
          : state.initialStartedAt;
      const cursor = state.phase === 'new' ? undefined : await readCursor(this.#pool, name);
      const afterId = cursor?.id ?? null;
      this.#logger.info({ object: name, afterId }, afterId ? 'resuming initial load' : 'initial load');
      // Id-keyset batches hold disjoint records: two transactions in flight (applyChangeBatchesInOrder).
      await apply(this.#capture.initialLoad(ctx, { afterId }), undefined, INITIAL_LOAD_DEPTH);
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
    // Rows changed after this point (a write recorded, an edit) may be newer than what the poll reads.
    const readSnapshot = await currentSnapshot(this.#pool);
    await apply(
      withReadSnapshot(
        this.#capture.poll(ctx, { systemModstamp: cursor?.systemModstamp ?? null, id: cursor?.id ?? null }),
        readSnapshot,
      ),
    );
    await recordSuccess(this.#pool, name, 'poll');

    if (options.reconcile || state.scopeChanged || due(state.lastReconcileAt, this.#reconcileEveryMs)) {
      const source = mapping.mode === 'merge' ? { schema, table: state.tableName } : null;
      await apply(this.#capture.reconcile(ctx, knownIds(this.#pool, name, source)));
      // History retention rides on the daily reconciliation: one set-based DELETE per object.
      const keepMs = this.#config.mirror.historyRetention;
      if (keepMs !== undefined) {
        const purged = await purgeVersions(this.#pool, {
          object: name,
          olderThan: new Date(Date.now() - keepMs),
        });
        if (purged > 0)
          this.#logger.info({ object: name, purged }, 'superseded versions past historyRetention purged');
      }
      await recordSuccess(this.#pool, name, 'reconcile');
    }
    // After the poll, so the stored versions the refreshed fields merge over are current.
    if (state.refreshFields !== null) {
      await refreshNewFields(this.#pool, this.#capture, ctx, state, apply);
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
    afterBatch?: (batch: ChangeBatch) => Promise<void>,
    depth = 1,
  ): Promise<void> {
    const started = Date.now();
    const before = progress.records;
    let lastLog = started;
    const options = { schema: this.#config.mirror.schema, mode: mapping.mode, lease, depth };
    await applyChangeBatchesInOrder(this.#pool, batches, model, options, async (batch, applied) => {
      await afterBatch?.(batch);
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
    });
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
