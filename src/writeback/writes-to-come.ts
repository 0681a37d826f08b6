import { recordOf } from './held-back.js';
import type { PlannedWrite, WriteGroup } from './write-plan.js';

/**
 * How many writes of each record a plan still holds that are not yet answered, recorded or sent
 * back. While a record has one to come, its mirror row stays PENDING (results.ts RecordOptions).
 */
export class WritesToCome {
  readonly #left = new Map<string, number>();

  constructor(groups: readonly WriteGroup[]) {
    for (const g of groups) {
      for (const w of g.writes) this.#left.set(recordOf(w), (this.#left.get(recordOf(w)) ?? 0) + 1);
    }
  }

  /** Whether the plan holds a write of `w`'s record that is still to come. */
  has(w: PlannedWrite): boolean {
    return this.#left.has(recordOf(w));
  }

  /** Counts `w` as done; returns whether its record has other writes still to come. */
  done(w: PlannedWrite): boolean {
    const key = recordOf(w);
    const left = (this.#left.get(key) ?? 1) - 1;
    if (left > 0) this.#left.set(key, left);
    else this.#left.delete(key);
    return left > 0;
  }
}
