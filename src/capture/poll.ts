/**
 * One incremental cycle. Deletes first: getDeleted for [cursor − overlap, now] (tombstones, cursor
 * left as it is, so a crash repeats them). Then the changed rows by `(SystemModstamp, Id)` keyset,
 * via queryAll so deleted rows arrive with IsDeleted = true (tombstones):
 *
 *   first page  WHERE SystemModstamp >= :cursor − overlap [AND (filter)] ORDER BY SystemModstamp, Id LIMIT n
 *   next pages  WHERE (SystemModstamp > :ts OR (SystemModstamp = :ts AND Id > :id)) [AND (filter)] ...
 *
 * Each batch's cursor is the `(SystemModstamp, Id)` of its last row, so the cursor never passes a row
 * not yet read; the overlap re-reads rows that became visible late (long transactions). The first
 * page is read without LIMIT: when its totalSize says the rest reaches the bulk threshold, the rest is
 * read in one Bulk 2.0 queryAll job (REST again where Bulk refuses).
 *
 * With a filter and `archiveNonMatching` (merge mode), a third, Id-only read finds the records of
 * the same window that no longer match (non-matching.ts); they leave the mirror. The filter carries
 * the activity `retention` window too (scope.ts).
 */
import type { ChangeBatch, Cursor } from '../core/change-batch.js';
import { deletedSince } from './deleted.js';
import { soql, type SoqlFragment } from '../salesforce/soql.js';
import { changeBatch, toChanges } from './changes.js';
import { selectFields, type FieldSelection } from './fields.js';
import { Progress } from './progress.js';
import { bulkRows, filterOf, firstPage, modeFor, restRows } from './read.js';
import { sizesOf, type CaptureSizes } from './settings.js';
import type { CaptureContext } from './types.js';
import { archiveBatch } from './archive-batch.js';
import { nonMatchingSince } from './non-matching.js';
import { pollsForArchived } from './scope.js';
import { normalizeDatetime, type RawRow } from './values.js';

export async function* poll(
  ctx: CaptureContext,
  cursor: Cursor,
): AsyncGenerator<ChangeBatch, void, undefined> {
  const object = ctx.model.name;
  const sizes = sizesOf(ctx);
  const selection = selectFields(ctx.model, ctx.mapping);
  const since =
    cursor.systemModstamp === null ? null : new Date(Date.parse(cursor.systemModstamp) - ctx.overlapMs);
  const progress = new Progress(ctx.logger.child({ object }), `poll of ${object}`);

  if (since !== null) {
    for await (const tombstones of deletedSince(ctx, since, sizes.batchSize)) {
      progress.add(0, tombstones.length);
      yield changeBatch(ctx, 'poll', [], tombstones, null);
    }
  }

  for await (const rows of changedRows(ctx, selection, since, sizes)) {
    const { records, tombstones, last } = toChanges(rows, selection);
    progress.add(records.length, tombstones.length);
    const next: Cursor | null = last ? { systemModstamp: last.systemModstamp, id: last.sfid } : null;
    yield changeBatch(ctx, 'poll', records, tombstones, next);
  }

  // After the changes, so that a record edited out of the filter after the changes query read it
  // is still taken out. A poll from no cursor reads everything: the reconciliation covers that case.
  let archived = 0;
  if (since !== null && pollsForArchived(ctx)) {
    for await (const batch of nonMatchingSince(ctx, since, sizes.batchSize)) {
      archived += batch.length;
      yield archiveBatch(ctx, 'poll', batch);
    }
  }
  progress.done({ since: since?.toISOString() ?? null, ...(archived > 0 ? { archived } : {}) });
}

/** Rows changed since `since` (all rows when null), in `(SystemModstamp, Id)` order, in batches. */
async function* changedRows(
  ctx: CaptureContext,
  selection: FieldSelection,
  since: Date | null,
  sizes: CaptureSizes,
): AsyncGenerator<RawRow[], void, undefined> {
  const filter = filterOf(ctx);
  const conditions = (after: { ts: string; id: string } | null): SoqlFragment[] => {
    const window =
      after !== null
        ? [
            soql`(SystemModstamp > ${new Date(after.ts)} OR (SystemModstamp = ${new Date(after.ts)} AND Id > ${soql.id(after.id)}))`,
          ]
        : since !== null
          ? [soql`SystemModstamp >= ${since}`]
          : [];
    return [...window, ...(filter === null ? [] : [filter])];
  };
  const query = (after: { ts: string; id: string } | null) => {
    let q = soql.select(selection.soqlFields).from(ctx.model.name);
    for (const c of conditions(after)) q = q.where(c);
    return q.orderBy('SystemModstamp').orderBy('Id');
  };

  const lastOf = (rows: readonly RawRow[]): { ts: string; id: string } => {
    const last = rows[rows.length - 1]!;
    return { ts: normalizeDatetime(String(last['SystemModstamp'])), id: String(last['Id']) };
  };

  // The first page has no LIMIT: its totalSize says how many changes the window holds (no COUNT call).
  const first = await firstPage(ctx, query(null), true, sizes.restHint);
  if (first.rows.length === 0) return;
  let after = lastOf(first.rows);
  for (let i = 0; i < first.rows.length; i += sizes.batchSize) yield first.rows.slice(i, i + sizes.batchSize);
  if (first.done) return;
  const rest = first.totalSize - first.rows.length;
  if (modeFor(ctx, rest) === 'bulk') {
    ctx.logger.info(
      { object: ctx.model.name, remaining: rest },
      `poll of ${ctx.model.name}: about ${rest} more changed records, reading them with Bulk API 2.0`,
    );
    const rows = await bulkRows(ctx, query(after), true);
    if (rows !== null) {
      yield* inBatches(rows, sizes.batchSize);
      return;
    }
  }
  for (;;) {
    ctx.signal?.throwIfAborted();
    const rows = await restRows(ctx, query(after).limit(sizes.restPage), true, sizes.restHint);
    if (rows.length === 0) return;
    after = lastOf(rows);
    yield rows;
    if (rows.length < sizes.restPage) return;
  }
}

async function* inBatches(
  rows: AsyncIterable<RawRow>,
  size: number,
): AsyncGenerator<RawRow[], void, undefined> {
  let batch: RawRow[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
