import type { Notification, Pool } from 'pg';
import { backoffMs, sleep } from '../core/wait.js';
import { ConfigError, errorMessage, InvariantError } from '../errors/index.js';
import { rootLogger, type Logger } from '../log/index.js';
import { retryConflictAborts, tryAdvisoryLock, withTransaction, type AdvisoryLock } from '../store/index.js';
import { archiveTriggerLog } from './housekeeping.js';
import { HeldBack } from './held-back.js';
import { OutcomeRecorder } from './outcome-recorder.js';
import {
  claimLogRowsWith,
  hasNewRows,
  recordOutcomesWith,
  recordSkippedWith,
  requeue,
  requeueInFlight,
} from './results.js';
import type { PlannedWrite, WriteGroup, WriteOutcome, WritePlan } from './write-plan.js';
import { WRITES_CHANNEL } from './write-triggers.js';
import type { WriteBackend } from './writer-backend.js';
import { setWriterState, type WriterState } from './writer-state.js';
import { WritesToCome } from './writes-to-come.js';

/**
 * The writer: sends the trigger log to Salesforce (docs/write-back.md "The writer").
 *
 * - One writer per org and mirror schema: it holds a session advisory lock (`lockName`) for as long as
 *   it runs. A second Ferry process waits for the lock and never writes meanwhile; if the holder dies,
 *   Postgres drops its lock and the waiting one takes over.
 * - It wakes on `LISTEN ferry_writes` (one notification per captured statement), then waits
 *   `minIntervalMs` for more changes to arrive before planning (debounce), and also every
 *   `pollEveryMs` in case a notification was missed (the listening connection was replaced).
 * - The plan is claimed (its log rows NEW → PENDING, committed) before anything is sent; results go
 *   to the log and mirror rows afterwards (results.ts). Calls go out one at a time — one group after
 *   another, a group's collections calls one after another — so no two batches for one record are
 *   ever in flight. Each call's answers are recorded while the next call travels (OutcomeRecorder,
 *   in answer order); the next plan starts once everything is recorded. Salesforce being unavailable
 *   puts the rows back to NEW and the writer retries with backoff (state `waiting-for-salesforce`).
 * - A write Salesforce could not lock (UNABLE_TO_LOCK_ROW) goes back to NEW, and so do the later
 *   writes of the same record in the plan, unsent: sending them now would let a later change reach
 *   Salesforce before the earlier one, which the next plan would then send over it. For an insert,
 *   so do the writes that name it as their parent by its external id (a child inserted with
 *   `accountid__r__ferry_id__c`): sent now, they would fail for want of the parent.
 * - It runs beside the sync cycles (its own connections), so reads go on while writes are sent.
 */

export interface WriterOptions {
  readonly pool: Pool;
  readonly schema: string;
  /** The advisory lock that makes this the only writer of the org and schema. */
  readonly lockName: string;
  readonly backend: WriteBackend;
  /** Debounce after a notification (default 1 s). */
  readonly minIntervalMs?: number;
  /** Look for unsent rows at least this often (default 2 min). */
  readonly pollEveryMs?: number;
  /** Trigger-log housekeeping (default 24 h / 31 d; checked at most hourly). */
  readonly archiveAfterMs?: number;
  readonly purgeAfterMs?: number;
  /** First wait after Salesforce was unavailable; doubles per failure up to retryMaxMs (5 s / 5 min). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  readonly logger?: Logger;
  /** Called at each state change (tests, progress displays). */
  readonly onState?: (state: WriterState, detail: string | null) => void;
}

export interface DrainResult {
  /** Writes Salesforce accepted / refused in this drain. */
  readonly succeeded: number;
  readonly failed: number;
}

export interface DrainOptions {
  readonly signal?: AbortSignal;
  /**
   * Attempts while Salesforce is unavailable before giving up with the error (default: until the
   * signal aborts).
   */
  readonly maxAttempts?: number;
  /** Wait for the writer lock when another process holds it (default true). */
  readonly wait?: boolean;
}

const HOUSEKEEPING_EVERY_MS = 3_600_000;

/** One plan being sent: what waits for the next plan, the recordings, the writes still to come. */
interface PlanRun {
  readonly held: HeldBack;
  readonly recorder: OutcomeRecorder;
  readonly toCome: WritesToCome;
}

/** The signal aborted between groups. */
class WriterStopped extends Error {}

export class Writer {
  readonly #pool: Pool;
  readonly #schema: string;
  readonly #lockName: string;
  readonly #backend: WriteBackend;
  readonly #minIntervalMs: number;
  readonly #pollEveryMs: number;
  readonly #archiveAfterMs: number;
  readonly #purgeAfterMs: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #logger: Logger;
  readonly #onState: WriterOptions['onState'];
  #state: WriterState | undefined;
  #lastHousekeeping = 0;

  constructor(options: WriterOptions) {
    this.#pool = options.pool;
    this.#schema = options.schema;
    this.#lockName = options.lockName;
    this.#backend = options.backend;
    this.#minIntervalMs = options.minIntervalMs ?? 1_000;
    this.#pollEveryMs = options.pollEveryMs ?? 120_000;
    this.#archiveAfterMs = options.archiveAfterMs ?? 86_400_000;
    this.#purgeAfterMs = options.purgeAfterMs ?? 31 * 86_400_000;
    this.#retryBaseMs = options.retryBaseMs ?? 5_000;
    this.#retryMaxMs = options.retryMaxMs ?? 5 * 60_000;
    this.#logger = (options.logger ?? rootLogger()).child({ component: 'writer' });
    this.#onState = options.onState;
  }

  /**
   * Sends every change captured so far (and any captured while it runs) and returns once none is
   * left: `ferry sync --once`. Takes the writer lock for the duration (waits for another writer).
   */
  async drain(options: DrainOptions = {}): Promise<DrainResult> {
    const lock = await this.#takeLock(options.signal, options.wait ?? true);
    if (!lock) return { succeeded: 0, failed: 0 };
    const total = { succeeded: 0, failed: 0 };
    try {
      await this.#recover();
      for (let attempt = 0; ; attempt++) {
        try {
          await this.#drainAll(total, options.signal);
          break;
        } catch (err) {
          if (err instanceof ConfigError || options.signal?.aborted) throw err;
          if (options.maxAttempts !== undefined && attempt + 1 >= options.maxAttempts) throw err;
          await this.#waitAfter(err, attempt, options.signal);
        }
      }
      await this.#housekeeping();
      await this.#setState('idle', null);
    } finally {
      await lock.release().catch(() => undefined);
    }
    return total;
  }

  /**
   * The service: waits for the writer lock, then sends changes as they are captured until `signal`
   * aborts (the group in hand finishes first). A lost lock (its connection died) is taken again.
   * ConfigError ends it.
   */
  async run(signal: AbortSignal): Promise<void> {
    for (let lost = 0; !signal.aborted;) {
      let lock: AdvisoryLock | undefined;
      try {
        lock = await this.#takeLock(signal, true);
        if (!lock) return;
        await this.#serve(lock, signal);
        lost = 0;
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        if (signal.aborted) return;
        const wait = backoffMs(lost++, this.#retryBaseMs, this.#retryMaxMs);
        this.#logger.error({ err: errorMessage(err), retryInMs: wait }, 'the writer stopped; restarting');
        await sleep(wait, signal);
      } finally {
        await lock?.release().catch(() => undefined);
      }
    }
    await this.#setState('stopped', null).catch(() => undefined);
  }

  async #serve(lock: AdvisoryLock, outer: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([outer, lock.signal]);
    // Notifications arrive on the lock's own connection: the one session that lives as long as the
    // lock, so no separate connection can go quietly stale.
    let notified = false;
    let wake: (() => void) | undefined;
    const onNotification = (n: Notification): void => {
      if (n.channel !== WRITES_CHANNEL) return;
      notified = true;
      wake?.();
    };
    lock.client.on('notification', onNotification);
    try {
      await lock.client.query(`LISTEN ${WRITES_CHANNEL}`);
      await this.#recover();
      let failures = 0;
      while (!signal.aborted) {
        notified = false;
        try {
          await this.#drainAll({ succeeded: 0, failed: 0 }, signal);
          failures = 0;
        } catch (err) {
          if (err instanceof ConfigError || signal.aborted) throw err;
          await this.#waitAfter(err, failures++, signal);
          continue;
        }
        await this.#housekeeping();
        await this.#setState('idle', null);
        if (!notified) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, this.#pollEveryMs);
            function done(): void {
              clearTimeout(timer);
              signal.removeEventListener('abort', done);
              resolve();
            }
            wake = done;
            // An abort during the drain above has already fired: do not wait for a poll interval.
            if (signal.aborted) return done();
            signal.addEventListener('abort', done, { once: true });
          });
          wake = undefined;
        }
        // Debounce: a burst of statements becomes one plan.
        if (notified) await sleep(this.#minIntervalMs, signal);
      }
      if (lock.signal.aborted) throw lock.signal.reason;
    } finally {
      lock.client.removeListener('notification', onNotification);
      await lock.client.query(`UNLISTEN ${WRITES_CHANNEL}`).catch(() => undefined);
    }
  }

  /** Plans and sends until nothing is left to send. */
  async #drainAll(total: { succeeded: number; failed: number }, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) return;
      // Cheap (an index probe) and keeps the planner from being called for nothing.
      if (!(await hasNewRows(this.#pool, this.#schema))) return;
      const plan = await this.#planAndClaim();
      total.failed += plan.rejected.length;
      const groups = plan.groups;
      const recorder = new OutcomeRecorder(this.#pool, this.#schema);
      const run: PlanRun = { held: new HeldBack(), recorder, toCome: new WritesToCome(groups) };
      try {
        for (const group of groups) {
          if (signal?.aborted) throw new WriterStopped();
          const writes = this.#holdBack(group, run);
          if (writes.length === 0) continue;
          await this.#sendGroup(writes === group.writes ? group : { ...group, writes }, run, signal);
        }
        await recorder.flush();
      } catch (err) {
        // What was answered is recorded; the rest of the plan waits as NEW: nothing is marked failed.
        await recorder.flush().catch(() => undefined);
        total.succeeded += recorder.succeeded;
        total.failed += recorder.failed;
        await requeue(
          this.#pool,
          this.#schema,
          groups.flatMap((g) => g.writes.flatMap((w) => w.logIds)),
        );
        if (err instanceof WriterStopped) return;
        throw err;
      }
      total.succeeded += recorder.succeeded;
      total.failed += recorder.failed;
      const settled = plan.rejected.length + plan.skipped.length + recorder.succeeded + recorder.failed;
      if (settled === 0) {
        // Nothing planned (the NEW rows belong to unmapped tables, or to transactions older ones
        // still hide) or nothing settled (every record was locked in Salesforce): the next wake-up
        // or poll tries again rather than spinning now.
        if (groups.length > 0)
          this.#logger.warn({ groups: groups.length }, 'no write settled; retried later');
        return;
      }
    }
  }

  /**
   * The group's writes to send now: those `held` names (an earlier write of the record, or the insert
   * of the parent they name, went back to NEW) go back to NEW too, unsent, so the next plan sends
   * them in order. A held write holds back the record's later writes (and an insert, its children).
   */
  #holdBack(group: WriteGroup, run: PlanRun): readonly PlannedWrite[] {
    if (run.held.size === 0) return group.writes;
    const waiting = group.writes.filter((w) => run.held.holds(w));
    if (waiting.length === 0) return group.writes;
    for (const w of waiting) {
      run.held.add(w);
      run.toCome.done(w);
    }
    run.recorder.push(
      [],
      waiting.flatMap((w) => w.logIds),
    );
    this.#logger.info(
      { object: group.object, op: group.op, writes: waiting.length },
      'writes wait for an earlier change of their record (or their parent) that Salesforce could not lock',
    );
    const wait = new Set(waiting);
    return group.writes.filter((w) => !wait.has(w));
  }

  /**
   * Plans, marks the planned rows PENDING and records what the planner settled by itself (refused
   * or nothing to send), in ONE committed transaction: the external ids the planner stamped on the
   * inserts' mirror rows are durable before anything is sent, so a resend uses the same ones.
   */
  async #planAndClaim(): Promise<WritePlan> {
    // The plan locks log rows, then mirror rows; the sync's conflict guard takes them the other way
    // round: a deadlock between them aborts one, which is simply run again.
    return retryConflictAborts(() => this.#planAndClaimOnce());
  }

  async #planAndClaimOnce(): Promise<WritePlan> {
    return withTransaction(this.#pool, async (client) => {
      const plan = await this.#backend.plan(client);
      const ids = plan.groups.flatMap((g) => g.writes.flatMap((w) => w.logIds));
      await claimLogRowsWith(client, this.#schema, ids);
      // A refused write's record may have later writes in the plan (now PENDING): its row stays PENDING.
      const planned = new WritesToCome(plan.groups);
      await recordOutcomesWith(client, this.#schema, plan.rejected, {
        stillPlanned: (o) => planned.has(o.write),
      });
      await recordSkippedWith(client, this.#schema, plan.skipped);
      return plan;
    });
  }

  /**
   * Sends one group; its outcomes go to `recorder` as the calls answer. A write Salesforce could not
   * lock, or left unanswered, goes back to NEW and joins `held`.
   */
  async #sendGroup(group: WriteGroup, run: PlanRun, signal?: AbortSignal): Promise<void> {
    await this.#setState('writing', `${group.op} ${group.writes.length} ${group.object}`);
    const known = new Set(group.writes);
    const answered = new Set<PlannedWrite>();
    let succeeded = 0;
    let failed = 0;
    const take = (outcomes: readonly WriteOutcome[]): void => {
      const foreign = outcomes.filter((o) => !known.has(o.write));
      if (foreign.length > 0) {
        throw new InvariantError(
          `The sender returned ${foreign.length} outcome(s) for writes of ${group.object} it was not given`,
          { code: 'WRITE_OUTCOME_UNKNOWN' },
        );
      }
      const settled: WriteOutcome[] = [];
      const stillPlanned = new Set<WriteOutcome>();
      const locked: string[] = [];
      for (const o of outcomes) {
        if (answered.has(o.write)) continue;
        answered.add(o.write);
        const more = run.toCome.done(o.write);
        // Records Salesforce could not lock (another transaction held them) are sent again later.
        if (o.ok || o.retry !== true) {
          settled.push(o);
          if (more) stillPlanned.add(o);
          if (o.ok) succeeded++;
          else failed++;
        } else {
          run.held.add(o.write);
          locked.push(...o.write.logIds);
        }
      }
      run.recorder.push(settled, locked, stillPlanned);
    };
    take(await this.#backend.send(group, signal, take));
    const unanswered = group.writes.filter((w) => !answered.has(w));
    for (const w of unanswered) {
      run.held.add(w);
      run.toCome.done(w);
    }
    run.recorder.push(
      [],
      unanswered.flatMap((w) => w.logIds),
    );
    this.#logger.info({ object: group.object, op: group.op, succeeded, failed }, 'writes sent');
  }

  async #waitAfter(err: unknown, failures: number, signal: AbortSignal | undefined): Promise<void> {
    const wait = backoffMs(failures, this.#retryBaseMs, this.#retryMaxMs);
    const message = errorMessage(err);
    this.#logger.warn({ err: message, retryInMs: wait }, 'could not send writes; retrying');
    await this.#setState('waiting-for-salesforce', message).catch(() => undefined);
    await sleep(wait, signal);
  }

  /** PENDING rows of a writer that died mid-send go back to NEW (we hold the lock: none is live). */
  async #recover(): Promise<void> {
    const n = await requeueInFlight(this.#pool, this.#schema);
    if (n > 0) this.#logger.warn({ rows: n }, 'writes left in flight by a stopped writer are sent again');
  }

  async #housekeeping(): Promise<void> {
    if (Date.now() - this.#lastHousekeeping < HOUSEKEEPING_EVERY_MS) return;
    this.#lastHousekeeping = Date.now();
    try {
      const r = await archiveTriggerLog(this.#pool, this.#schema, {
        archiveAfterMs: this.#archiveAfterMs,
        purgeAfterMs: this.#purgeAfterMs,
      });
      if (r.archived + r.purged > 0) this.#logger.info(r, 'trigger log archived');
    } catch (err) {
      this.#logger.warn({ err: errorMessage(err) }, 'trigger-log housekeeping failed; retried later');
    }
  }

  async #takeLock(signal: AbortSignal | undefined, wait: boolean): Promise<AdvisoryLock | undefined> {
    let announced = false;
    for (;;) {
      const lock = await tryAdvisoryLock(this.#pool, this.#lockName);
      if (lock) return lock;
      if (!wait || signal?.aborted) return undefined;
      if (!announced) {
        announced = true;
        this.#logger.info('another Ferry process is the writer of this org; waiting for it to stop');
        this.#onState?.('lock-held-elsewhere', null);
      }
      await sleep(1_000, signal);
    }
  }

  async #setState(state: WriterState, detail: string | null): Promise<void> {
    if (state === this.#state && state !== 'waiting-for-salesforce') return;
    this.#state = state;
    this.#onState?.(state, detail);
    await setWriterState(this.#pool, this.#lockName, state, detail);
  }
}
