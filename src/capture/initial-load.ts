/**
 * Initial load: the whole object in Id order (queryAll, so deleted rows arrive as tombstones rather
 * than live rows), one ChangeBatch per page with cursor `{ systemModstamp: null, id: <last Id> }`,
 * resumable from any batch's Id. `filterOf` carries the mapping's filter and, for activities with
 * `retention`, the CreatedDate window (scope.ts).
 */
import type { ChangeBatch } from '../core/change-batch.js';
import { changeBatch, toChanges } from './changes.js';
import { selectFields } from './fields.js';
import { readByIdKeyset } from './id-keyset.js';
import { Progress } from './progress.js';
import { filterOf } from './read.js';
import type { CaptureContext, InitialLoadPosition } from './types.js';

export async function* initialLoad(
  ctx: CaptureContext,
  from: InitialLoadPosition,
): AsyncGenerator<ChangeBatch, void, undefined> {
  const selection = selectFields(ctx.model, ctx.mapping);
  if (selection.missing.length > 0) {
    ctx.logger.warn(
      { object: ctx.model.name, fields: selection.missing },
      `${ctx.model.name}: mapped fields missing from the describe are skipped`,
    );
  }
  const progress = new Progress(
    ctx.logger.child({ object: ctx.model.name }),
    `initial load of ${ctx.model.name}`,
  );
  const pages = readByIdKeyset(ctx, {
    fields: selection.soqlFields,
    filter: filterOf(ctx),
    scanAll: true,
    afterId: from.afterId,
    what: 'initial load',
  });
  for await (const rows of pages) {
    const { records, tombstones, last } = toChanges(rows, selection);
    progress.add(records.length, tombstones.length);
    yield changeBatch(ctx, 'initial', records, tombstones, { systemModstamp: null, id: last?.sfid ?? null });
  }
  progress.done();
}
