/**
 * Archived records (`ChangeBatch.archived`) leave the mirror: records that stopped matching the
 * mapping's filter with `archiveNonMatching`, or activities that aged out of `retention`. Salesforce
 * still has them, so nothing is written to history (a delete version would claim a deletion that
 * never happened); their versions stay in `ferry.record_versions`. Should one match again, the next
 * poll reads it and the merge inserts the row anew, even when history skips the version as
 * unchanged (the merge applies every record of a batch, whatever history stored).
 *
 * Merge mode: one DELETE of those rows, except a row already holding a version newer than the one
 * seen out of scope (it came back in the meantime). Delta mode: nothing — `<table>_changes` is an
 * append-only log of versions (its `_op` is `upsert` or `delete`), and leaving the scope is no new
 * version; capture does not even look for archived records in delta mode.
 */
import type { ClientBase } from 'pg';
import type { ChangeBatch } from '../core/change-batch.js';
import { qualify } from '../store/index.js';
import type { MaterializeMode } from './mirror-ddl.js';

export interface ArchiveTarget {
  readonly schema: string;
  readonly table: string;
  readonly mode: MaterializeMode;
}

/** Deletes the batch's archived records from the mirror table; returns the rows removed. */
export async function applyArchived(
  client: ClientBase,
  batch: ChangeBatch,
  target: ArchiveTarget,
): Promise<number> {
  const archived = batch.archived ?? [];
  if (archived.length === 0 || target.mode !== 'merge') return 0;
  // systemmodstamp is `timestamp` holding UTC: the ISO instants are compared in UTC.
  const result = await client.query(
    `DELETE FROM ${qualify(target.schema, target.table)} AS t
     USING unnest($1::varchar[], $2::timestamptz[]) AS a(sfid, seen_at)
     WHERE t.sfid = a.sfid
       AND (a.seen_at IS NULL OR t.systemmodstamp IS NULL OR t.systemmodstamp <= (a.seen_at AT TIME ZONE 'UTC'))`,
    [archived.map((a) => a.sfid), archived.map((a) => a.systemModstamp)],
  );
  return result.rowCount ?? 0;
}
