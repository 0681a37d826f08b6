/** Raw rows → the records and tombstones of one ChangeBatch. */
import type { ChangeBatch, CapturedRecord, Cursor, Tombstone, VersionSource } from '../core/change-batch.js';
import type { FieldSelection } from './fields.js';
import type { CaptureContext } from './types.js';
import { toCapturedRecord, type RawRow } from './values.js';

export interface Changes {
  readonly records: CapturedRecord[];
  readonly tombstones: Tombstone[];
  /** The last row's record (deleted or not), for the cursor. */
  readonly last: CapturedRecord | undefined;
}

/** Live rows become records; rows with IsDeleted = true become tombstones dated by their SystemModstamp. */
export function toChanges(rows: readonly RawRow[], selection: FieldSelection): Changes {
  const records: CapturedRecord[] = [];
  const tombstones: Tombstone[] = [];
  let last: CapturedRecord | undefined;
  for (const row of rows) {
    const r = toCapturedRecord(row, selection);
    if (r.isDeleted) tombstones.push({ sfid: r.sfid, deletedAt: r.systemModstamp });
    else records.push(r);
    last = r;
  }
  return { records, tombstones, last };
}

export function changeBatch(
  ctx: CaptureContext,
  source: VersionSource,
  records: readonly CapturedRecord[],
  tombstones: readonly Tombstone[],
  cursor: Cursor | null,
  partial = false,
): ChangeBatch {
  return { object: ctx.model.name, source, records, tombstones, cursor, runId: ctx.runId, partial };
}
