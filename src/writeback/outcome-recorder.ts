import type { Pool } from 'pg';
import { recordOutcomes, requeue } from './results.js';
import { recordOf } from './held-back.js';
import type { WriteOutcome } from './write-plan.js';

/**
 * Records a plan's outcomes in the background while the writer sends on (docs/write-back.md "The
 * writer"): Salesforce's answer to one collections call is written to the log and mirror rows while
 * the next call travels, instead of the writer waiting for Postgres between calls.
 *
 * - A record's outcomes are recorded in the order they were sent (ordered mode sends a record's
 *   successive changes in successive groups): a batch never starts while an earlier one holding the
 *   same record runs, and batches start in queue order.
 * - Up to LANES recordings run at once (own connections), on batches of distinct records: Postgres
 *   then uses a second core once Salesforce has answered and only recording is left.
 * - Answers that arrive while recordings run are recorded together in the next one (one
 *   transaction, one UPDATE of the log and one per mirror table), up to BATCH outcomes, and only
 *   while no record appears twice in it: one UPDATE … FROM cannot set one row twice.
 * - Rows to put back to NEW (UNABLE_TO_LOCK_ROW, unanswered, held back) go the same way.
 * - A failed recording stops the rest (their rows stay PENDING); `flush` throws its error, and the
 *   writer puts every row of the plan still PENDING back to NEW (they are sent again: safe, see
 *   "Crashes").
 */
const LANES = 2;
const BATCH = 1_000;

interface Job {
  readonly outcomes: readonly WriteOutcome[];
  readonly requeue: readonly string[];
  readonly records: readonly string[];
  /** Outcomes whose record has another write in the plan still to come (results.ts RecordOptions). */
  readonly stillPlanned: ReadonlySet<WriteOutcome>;
}

export class OutcomeRecorder {
  readonly #pool: Pool;
  readonly #schema: string;
  readonly #jobs: Job[] = [];
  /** Records of the recordings running now, one set per recording. */
  readonly #busy = new Set<ReadonlySet<string>>();
  readonly #waiting: Array<() => void> = [];
  #error: unknown;
  #failed = false;
  succeeded = 0;
  failed = 0;

  constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.#schema = schema;
  }

  /**
   * Queues outcomes to record (and log ids to put back to NEW); returns at once. `stillPlanned`: the
   * outcomes whose record has another write later in the plan (its mirror row stays PENDING).
   */
  push(
    outcomes: readonly WriteOutcome[],
    requeueIds: readonly string[] = [],
    stillPlanned: ReadonlySet<WriteOutcome> = new Set(),
  ): void {
    // After a failed recording nothing more is recorded: the writer requeues what is PENDING.
    if (this.#failed || (outcomes.length === 0 && requeueIds.length === 0)) return;
    const records = outcomes.map((o) => recordOf(o.write));
    this.#jobs.push({ outcomes, requeue: requeueIds, records, stillPlanned });
    this.#pump();
  }

  /** Waits until everything queued is recorded; throws the first recording error. */
  async flush(): Promise<void> {
    if (this.#busy.size > 0) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#failed) throw this.#error;
  }

  /** Starts recordings while a lane is free and the head of the queue may go. */
  #pump(): void {
    while (this.#busy.size < LANES && this.#jobs.length > 0 && !this.#failed) {
      const batch = this.#take();
      if (!batch) return; // the head waits for a running recording of one of its records
      this.#busy.add(batch.records);
      // #record never rejects: it keeps its error for flush().
      void this.#record(batch.outcomes, batch.requeue, batch.stillPlanned).finally(() => {
        this.#busy.delete(batch.records);
        this.#pump(); // which also wakes flush() once nothing is left running
      });
    }
    if (this.#busy.size === 0) for (const resolve of this.#waiting.splice(0)) resolve();
  }

  /** Jobs from the head of the queue that can be recorded together now, or undefined. */
  #take():
    | { outcomes: WriteOutcome[]; requeue: string[]; records: Set<string>; stillPlanned: Set<WriteOutcome> }
    | undefined {
    const outcomes: WriteOutcome[] = [];
    const requeueIds: string[] = [];
    const records = new Set<string>();
    const stillPlanned = new Set<WriteOutcome>();
    const running = [...this.#busy];
    while (this.#jobs.length > 0) {
      const job = this.#jobs[0]!;
      const clash = job.records.some((k) => records.has(k) || running.some((r) => r.has(k)));
      if (clash || (outcomes.length > 0 && outcomes.length + job.outcomes.length > BATCH)) break;
      this.#jobs.shift();
      for (const k of job.records) records.add(k);
      outcomes.push(...job.outcomes);
      requeueIds.push(...job.requeue);
      for (const o of job.stillPlanned) stillPlanned.add(o);
    }
    return outcomes.length + requeueIds.length > 0
      ? { outcomes, requeue: requeueIds, records, stillPlanned }
      : undefined;
  }

  async #record(
    outcomes: readonly WriteOutcome[],
    requeueIds: readonly string[],
    stillPlanned: ReadonlySet<WriteOutcome>,
  ): Promise<void> {
    try {
      const r = await recordOutcomes(this.#pool, this.#schema, outcomes, {
        stillPlanned: (o) => stillPlanned.has(o),
      });
      this.succeeded += r.succeeded;
      this.failed += r.failed;
      await requeue(this.#pool, this.#schema, requeueIds);
    } catch (err) {
      this.#failed = true;
      this.#error = err;
    }
  }
}
