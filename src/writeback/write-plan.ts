/**
 * The contract between the planners (ordered / merged: trigger-log rows → writes), the sender (writes
 * → Salesforce calls: sObject collections or Bulk 2.0 ingest) and the writer loop (results → log rows
 * and mirror rows). Pure types.
 */
import type { ClientBase } from 'pg';
import type { ObjectModel } from '../core/sobject-model.js';

/** What one write does to one Salesforce record. */
export type WriteOp = 'insert' | 'update' | 'delete';

/** One write to one record, and the trigger-log rows it settles. */
export interface PlannedWrite {
  /** Salesforce object API name (describe casing), e.g. `Contact`. */
  readonly object: string;
  /** Mirror table (schema-qualified by the writer's config), e.g. `contact`. */
  readonly table: string;
  readonly op: WriteOp;
  /** The mirror row's `id` (`_trigger_log.record_id`). */
  readonly recordId: number;
  /** update / delete: the record's Salesforce Id. insert: null. */
  readonly sfid: string | null;
  /**
   * insert: the UUID external id (the configured field, default `Ferry_Id__c`) sent with it, so a
   * resend after a lost acknowledgement is an upsert on it, not a duplicate. null otherwise.
   */
  readonly externalId: string | null;
  /**
   * Field values by API name (describe casing), as Salesforce's JSON takes them. A relationship by
   * external id (`AccountId__r__Ferry_Id__c` column) is `{ "Account": { "Ferry_Id__c": "<uuid>" } }`
   * under the relationship name. Empty for delete.
   */
  readonly fields: Readonly<Record<string, unknown>>;
  /**
   * The trigger-log rows this write settles, in log order. The last one takes the result's state
   * (SUCCESS / FAILED); the others become MERGED. Ordered plans have one row per write, except a
   * retried insert, which carries the changes held back behind it; merged plans fold every waiting
   * row of the record (and, for a failed insert sent again, its FAILED rows).
   */
  readonly logIds: readonly string[];
}

/** Contiguous writes of one op on one object: what one API choice (collections or Bulk) sends. */
export interface WriteGroup {
  readonly object: string;
  readonly table: string;
  readonly op: WriteOp;
  readonly writes: readonly PlannedWrite[];
}

/** How one write went. */
export type WriteOutcome =
  | {
      readonly write: PlannedWrite;
      readonly ok: true;
      /** The record's Id (for an insert: the new one, or the existing one on DUPLICATE_VALUE). */
      readonly sfid: string;
    }
  | {
      readonly write: PlannedWrite;
      readonly ok: false;
      /** Salesforce's status code, e.g. `STRING_TOO_LONG`, `REQUIRED_FIELD_MISSING`. */
      readonly code: string;
      readonly message: string;
      readonly fields: readonly string[];
      /**
       * True when Salesforce did not refuse the record itself (UNABLE_TO_LOCK_ROW: another
       * transaction held it): send it again later rather than mark it FAILED.
       */
      readonly retry?: boolean;
    };

/*
 * ---- Planners and sender: signatures (stable; the writer loop calls these) ----
 *
 *   planOrdered(client, options) / planMerged(client, options): Promise<WritePlan>
 *   sendGroup(sf, group, options): Promise<WriteOutcome[]>
 *
 * A planner reads NEW trigger-log rows, decides, and returns what to send. It writes only one thing:
 * the UUID external id of each planned insert into its mirror row (with `ferry.sync = 'on'`, so it
 * is not captured). That write must COMMIT BEFORE the plan is sent — a resend after a crash must find
 * the same UUID — so run the planner in the transaction that marks the plan's rows PENDING, commit,
 * then send. The planner does not change log states: the writer applies `groups` outcomes,
 * `rejected` and `skipped`.
 */

/** Options both planners take. */
export interface PlanOptions {
  /** The mirror schema (default `salesforce`). */
  readonly schema?: string | undefined;
  /**
   * The read-write objects by mirror table name (`contact`), from describe. Log rows of other
   * tables are left as they are (NEW). The models also give relationship metadata (parents first).
   */
  readonly models: ReadonlyMap<string, ObjectModel>;
  /** The external-id field stamped on inserts (default `Ferry_Id__c`); without it inserts are plain creates. */
  readonly externalIdField?: string | undefined;
  /** Log rows read per plan, oldest first (default 20,000). The rest waits for the next plan. */
  readonly maxRows?: number | undefined;
}

/** Log rows a planner settled without sending anything. */
export interface SkippedRows {
  readonly table: string;
  readonly recordId: number;
  readonly logIds: readonly string[];
  /**
   * `IGNORED`: nothing to send (the row was deleted before it ever reached Salesforce; an update that
   * changes no Salesforce field). The writer sets this state (and `sf_message` = reason).
   */
  readonly state: 'IGNORED';
  readonly reason: string;
}

/** What a planner returns. */
export interface WritePlan {
  /** In sending order: send each group after the previous one's outcomes are applied. */
  readonly groups: readonly WriteGroup[];
  /**
   * Writes refused before sending (e.g. an insert that sets a non-createable field): outcomes with
   * `ok: false`, to record exactly like the sender's.
   */
  readonly rejected: readonly WriteOutcome[];
  readonly skipped: readonly SkippedRows[];
}

export type Planner = (client: ClientBase, options: PlanOptions) => Promise<WritePlan>;
