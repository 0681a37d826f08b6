/**
 * Formula refresh: formula values change without SystemModstamp moving (DESIGN.md "Formula
 * fields"), so a poll never sees them. Reads Id + the mapped formula fields of the live rows in Id
 * order; records carry only the formula fields. Nothing when the mapping has no formula field.
 * Same scope as the other reads (`filterOf`: filter and activity retention window).
 */
import type { ChangeBatch } from '../core/change-batch.js';
import { changeBatch } from './changes.js';
import { selectFormulaFields } from './fields.js';
import { readByIdKeyset } from './id-keyset.js';
import { Progress } from './progress.js';
import { filterOf } from './read.js';
import type { CaptureContext } from './types.js';
import { toCapturedRecord } from './values.js';

export async function* refreshFormulas(ctx: CaptureContext): AsyncGenerator<ChangeBatch, void, undefined> {
  const selection = selectFormulaFields(ctx.model, ctx.mapping);
  if (selection === null) {
    ctx.logger.debug({ object: ctx.model.name }, `${ctx.model.name} has no mapped formula fields`);
    return;
  }
  const progress = new Progress(
    ctx.logger.child({ object: ctx.model.name }),
    `formula refresh of ${ctx.model.name}`,
  );
  const pages = readByIdKeyset(ctx, {
    fields: selection.soqlFields,
    filter: filterOf(ctx),
    scanAll: false,
    afterId: null,
    what: 'formula refresh',
  });
  for await (const rows of pages) {
    const records = rows.map((row) => toCapturedRecord(row, selection));
    progress.add(records.length, 0);
    yield changeBatch(ctx, 'formula', records, [], null, true);
  }
  progress.done({ fields: selection.dataFields.map((f) => f.name) });
}
