/**
 * The unit that flows capture → history → materialize (DESIGN.md "The data flow"): records and
 * tombstones read from Salesforce for one object, plus the cursor that covers them. History and
 * materialization apply a batch in one transaction with the cursor, so a crash replays a batch
 * or not at all.
 */

/** Where a version came from (stored on every history row). */
export type VersionSource = 'initial' | 'poll' | 'reconcile' | 'formula' | 'backfill' | 'write' | 'restore';

/** A field value as Ferry stores it: JSON types; datetimes as ISO-8601 UTC strings `...sssZ`. */
export type FieldValue =
  string | number | boolean | null | { readonly [component: string]: string | number | null };

/** One record version as read from Salesforce. */
export interface CapturedRecord {
  /** 18-character Salesforce Id. */
  readonly sfid: string;
  /** `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  readonly systemModstamp: string;
  readonly isDeleted: boolean;
  /** Mapped fields by API name (describe casing), values normalized by field type. */
  readonly fields: Readonly<Record<string, FieldValue>>;
}

/** A record known to be gone (queryAll IsDeleted, getDeleted, or an Id reconciliation). */
export interface Tombstone {
  readonly sfid: string;
  /** When Salesforce deleted it, if known (ISO UTC). */
  readonly deletedAt: string | null;
}

/**
 * A record that no longer belongs in the mirror (it stopped matching the mapping's filter with
 * `archiveNonMatching`, or aged out of an activity `retention`) although Salesforce still has it.
 * Its mirror row is removed; history keeps every version (nothing is stored for the archive: the
 * record was not deleted, and history ops are only upsert and delete).
 */
export interface ArchivedRecord {
  readonly sfid: string;
  /**
   * SystemModstamp (ISO UTC) of the version seen outside the mapping's scope, or null when unknown
   * (Id reconciliation). A mirror row already holding a newer version is kept.
   */
  readonly systemModstamp: string | null;
}

/** Incremental position: `(SystemModstamp, Id)` of the last record covered, never the timestamp alone. */
export interface Cursor {
  readonly systemModstamp: string | null;
  readonly id: string | null;
}

export interface ChangeBatch {
  /** Object API name, e.g. `Account`. */
  readonly object: string;
  readonly source: VersionSource;
  readonly records: readonly CapturedRecord[];
  readonly tombstones: readonly Tombstone[];
  /** Where the object's cursor stands once this batch is applied (null: leave it). */
  readonly cursor: Cursor | null;
  /** The run that captured it (ferry.runs). */
  readonly runId: string;
  /**
   * Records carry only some of the mapped fields (a formula refresh, a new column filled for every
   * row): history merges them over the newest stored version so every stored version stays whole.
   */
  readonly partial?: boolean;
  /** Records to take out of the mirror table (merge mode); absent or empty: none. */
  readonly archived?: readonly ArchivedRecord[];
  /**
   * The Postgres snapshot (`txid_current_snapshot()` as text) taken just before the read of this
   * batch began (polls). A mirror row changed by a transaction it does not see was changed after the
   * read, so the batch's version of it may be older than what the row holds: the merge leaves it out
   * (src/materialize/changed-since-read.ts).
   */
  readonly readSnapshot?: string;
}
