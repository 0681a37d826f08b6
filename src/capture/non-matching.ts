/**
 * The poll's third read with `archiveNonMatching`: records changed in the poll's window that do NOT
 * match the filter (nor, with `retention`, the window: `scope` is what the mirror keeps). The main
 * poll query carries the filter, so it can never see a record edited out of it; this Id-only query
 * finds them, and they leave the mirror (history keeps their versions).
 *
 *   SELECT Id, SystemModstamp FROM X
 *   WHERE SystemModstamp >= :since AND NOT (scope) AND IsDeleted = false ORDER BY Id
 *
 * Same window as the poll (cursor − overlap), so a late commit is caught the same way. Most rows it
 * returns were never mirrored (records created outside the filter): applying them costs a no-op
 * DELETE. Only Ids are read, in full 2,000-row REST pages whatever the batch size. When the first
 * page's totalSize says the rest reaches the bulk threshold, one Bulk queryAll job reads the rest
 * (`AND Id >` the last Id of that page). queryAll with `IsDeleted = false`: deleted rows are the
 * delete path's business, and archived activities (which plain query hides) still count.
 */
import type { ArchivedRecord } from '../core/change-batch.js';
import { soql, type SoqlFragment } from '../salesforce/soql.js';
import { bulkRows, modeFor } from './read.js';
import { keepScopeOf } from './scope.js';
import { REST_PAGE_MAX } from './settings.js';
import type { CaptureContext } from './types.js';
import { normalizeDatetime, type RawRow } from './values.js';

function archivedOf(row: RawRow): ArchivedRecord {
  return { sfid: String(row['Id']), systemModstamp: normalizeDatetime(String(row['SystemModstamp'])) };
}

/** Batches (≤ batchSize) of records changed since `since` that are outside the mapping's scope. */
export async function* nonMatchingSince(
  ctx: CaptureContext,
  since: Date,
  batchSize: number,
  now: Date = new Date(),
): AsyncGenerator<ArchivedRecord[], void, undefined> {
  const scope = keepScopeOf(ctx, now);
  if (scope === null) return;
  const conditions = (after: string | null): SoqlFragment[] => [
    soql`SystemModstamp >= ${since}`,
    soql.not(scope),
    soql`IsDeleted = false`,
    ...(after === null ? [] : [soql`Id > ${soql.id(after)}`]),
  ];
  const query = (after: string | null) => {
    let q = soql.select(['Id', 'SystemModstamp']).from(ctx.model.name);
    for (const c of conditions(after)) q = q.where(c);
    return q.orderBy('Id');
  };

  let pending: ArchivedRecord[] = [];
  const take = function* (rows: Iterable<ArchivedRecord>): Generator<ArchivedRecord[], void, undefined> {
    for (const r of rows) {
      pending.push(r);
      if (pending.length >= batchSize) {
        yield pending;
        pending = [];
      }
    }
  };

  // One query followed page by page (queryMore): REST pages hold 2,000 rows, and the first page's
  // totalSize tells the whole size, so no COUNT and no trailing empty page is ever needed.
  const pages = ctx.client.queryAll(query(null), { batchSize: REST_PAGE_MAX, signal: ctx.signal }).pages();
  let after: string | null = null;
  let first = true;
  for await (const page of pages) {
    ctx.signal?.throwIfAborted();
    yield* take(page.records.map(archivedOf));
    const last = page.records.at(-1);
    if (last !== undefined) after = String(last['Id']);
    const rest = page.totalSize - page.records.length;
    if (first && !page.done && after !== null && modeFor(ctx, rest) === 'bulk') {
      // A big backlog (e.g. after a long stop): the rest, after the Ids read, as one Bulk job.
      ctx.logger.info(
        { object: ctx.model.name, remaining: rest },
        `poll of ${ctx.model.name}: about ${rest} more changed records outside the filter, reading their Ids with Bulk API 2.0`,
      );
      const rows = await bulkRows(ctx, query(after), true);
      if (rows !== null) {
        for await (const row of rows) yield* take([archivedOf(row)]);
        break;
      }
    }
    first = false;
  }
  if (pending.length > 0) yield pending;
}
