/**
 * Field refresh (schema drift): a field that appears in the mapped model becomes a mirror column, but
 * existing rows only get its value when they next change — a poll never re-reads an unchanged row.
 * With the mapping's `refreshNewFields`, the engine asks for Id + the new fields of every live row,
 * in Id order (`Id > :after [AND (filter)] ORDER BY Id`, REST pages or Bulk chunks as for the formula
 * refresh), and applies them as partial batches: history merges them over the newest stored version
 * and the merge mirror writes only those columns.
 *
 * Source `reconcile`: the values did not change in the org (no SystemModstamp moved); Ferry's copy is
 * brought in line with it, which is what a reconciliation does. Not `formula` (those values did
 * change, invisibly) and not `backfill` (a user-requested run with its own ferry.backfills row).
 *
 * Resumable: batches are in ascending Id order and carry no cursor; the engine stores the last Id of
 * each applied batch and passes it back as `afterId` after a stop or a crash. Re-applying a batch is
 * harmless (its merged versions equal the stored ones, so nothing is written).
 */
import type { ChangeBatch } from '../core/change-batch.js';
import type { FieldModel } from '../core/sobject-model.js';
import { changeBatch } from './changes.js';
import { SYSTEM_FIELD_NAMES, selectFields, type FieldSelection } from './fields.js';
import { readByIdKeyset } from './id-keyset.js';
import { Progress } from './progress.js';
import { filterOf } from './read.js';
import type { CaptureContext, FieldRefreshRequest } from './types.js';
import { toCapturedRecord } from './values.js';

/** The requested fields the mapping reads today (describe casing), or null when none is left. */
function refreshSelection(ctx: CaptureContext, fields: readonly string[]): FieldSelection | null {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const readable = selectFields(ctx.model, ctx.mapping).dataFields;
  const chosen: FieldModel[] = readable.filter((f) => wanted.has(f.name.toLowerCase()));
  const found = new Set(chosen.map((f) => f.name.toLowerCase()));
  const missing = fields.filter((f) => !found.has(f.toLowerCase()));
  if (missing.length > 0) {
    // Removed from the org (or the mapping) since it was added: nothing to read for it.
    ctx.logger.warn(
      { object: ctx.model.name, fields: missing },
      `${ctx.model.name}: fields waiting for a refresh are no longer mapped and readable; skipped`,
    );
  }
  if (chosen.length === 0) return null;
  return Object.freeze({
    object: ctx.model.name,
    dataFields: Object.freeze(chosen),
    soqlFields: Object.freeze([...SYSTEM_FIELD_NAMES, ...chosen.map((f) => f.name)]),
    missing: Object.freeze(missing),
  });
}

export async function* refreshFields(
  ctx: CaptureContext,
  request: FieldRefreshRequest,
): AsyncGenerator<ChangeBatch, void, undefined> {
  const selection = refreshSelection(ctx, request.fields);
  if (selection === null) return;
  const object = ctx.model.name;
  const progress = new Progress(ctx.logger.child({ object }), `field refresh of ${object}`);
  const pages = readByIdKeyset(ctx, {
    fields: selection.soqlFields,
    filter: filterOf(ctx),
    // Live rows only: a deleted record's row is a tombstone in the mirror and keeps no field values.
    scanAll: false,
    afterId: request.afterId,
    what: 'field refresh',
  });
  for await (const rows of pages) {
    const records = rows.map((row) => toCapturedRecord(row, selection));
    progress.add(records.length, 0);
    yield changeBatch(ctx, 'reconcile', records, [], null, true);
  }
  progress.done({ fields: selection.dataFields.map((f) => f.name), afterId: request.afterId });
}
