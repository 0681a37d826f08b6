import { recordKey } from './plan-support.js';
import type { PlannedWrite } from './write-plan.js';

/** A write's record, as a set key (the planners' recordKey). */
export const recordOf = (w: PlannedWrite): string => recordKey(w.table, w.recordId);

/**
 * What the rest of a plan must not send (docs/write-back.md "The writer", "Order survives a locked
 * record"), once a write went back to NEW unsent or answered UNABLE_TO_LOCK_ROW:
 *
 * - the later writes of that record: sent now, they would reach Salesforce before the earlier one,
 *   which the next plan would then send over them;
 * - for an insert, the writes that name it as their parent by its external id (log-values.ts sends
 *   a relationship column as `{ "Account": { "Ferry_Id__c": "<uuid>" } }`): sent now, they would
 *   fail for want of the parent. A held write holds back its own children in turn.
 */
export class HeldBack {
  readonly #records = new Set<string>();
  /** `field\0value` (lower case) of the text fields of held inserts: what a child names them by. */
  readonly #parentKeys = new Set<string>();

  get size(): number {
    return this.#records.size;
  }

  add(w: PlannedWrite): void {
    this.#records.add(recordOf(w));
    if (w.op !== 'insert') return;
    // Any external id of the parent will do for a child (Ferry's UUID or the application's own,
    // e.g. an ERP key): every text field of the insert is one it may be named by.
    for (const [field, value] of Object.entries(w.fields)) {
      if (typeof value === 'string') this.#parentKeys.add(parentKey(field, value));
    }
  }

  holds(w: PlannedWrite): boolean {
    if (this.#records.has(recordOf(w))) return true;
    if (this.#parentKeys.size === 0) return false;
    for (const value of Object.values(w.fields)) {
      // A relationship is a plain object `{ <external id field>: <value> }`; other field values are
      // scalars (or an ExactNumber).
      if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype)
        continue;
      for (const [field, parent] of Object.entries(value as Record<string, unknown>)) {
        if (typeof parent === 'string' && this.#parentKeys.has(parentKey(field, parent))) return true;
      }
    }
    return false;
  }
}

const parentKey = (field: string, value: string): string =>
  `${field.toLowerCase()}\u0000${value.toLowerCase()}`;
