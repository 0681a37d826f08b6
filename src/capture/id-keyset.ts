/**
 * Reads an object in Id order, page by page (`Id > :last [AND filter] ORDER BY Id LIMIT n`), never
 * holding more than one batch: REST pages of ≤ 2,000 rows, or Bulk 2.0 jobs of `bulkChunk` rows
 * whose CSV is streamed and cut into batches of `bulkBatchSize`. The first page is read with REST
 * and no LIMIT: Bulk is chosen when its totalSize says what is left reaches the bulk threshold; where Bulk refuses, REST reads the rest. Used by the initial load, the
 * formula refresh and the Id reconciliation.
 */
import { InvariantError } from '../errors/index.js';
import { soql, type SoqlFragment } from '../salesforce/soql.js';
import { bulkRows, firstPage, modeFor, restRows, type ReadMode } from './read.js';
import { REST_PAGE_MAX, sizesOf } from './settings.js';
import type { CaptureContext } from './types.js';
import type { RawRow } from './values.js';

export interface IdKeysetRead {
  readonly fields: readonly string[];
  /** Extra condition (the mapping's filter), or null. */
  readonly filter: SoqlFragment | null;
  /** queryAll: include deleted (recycle-bin) rows. */
  readonly scanAll: boolean;
  readonly afterId: string | null;
  /** For log lines: `initial load`, `formula refresh`, ... */
  readonly what: string;
  /** Rows per yielded array when the caller does not pass them on as one batch (default: batchSize). */
  readonly rowsPerYield?: number;
}

function idOf(row: RawRow, object: string): string {
  const id = row['Id'];
  if (typeof id !== 'string' || id === '') throw new InvariantError(`a ${object} row has no Id`);
  return id;
}

/** Batches of rows (each ≤ batchSize, in ascending Id order). */
export async function* readByIdKeyset(
  ctx: CaptureContext,
  read: IdKeysetRead,
): AsyncGenerator<RawRow[], void, undefined> {
  const base = sizesOf(ctx);
  const perYield = read.rowsPerYield ?? base.batchSize;
  const bulkPerYield = read.rowsPerYield ?? base.bulkBatchSize;
  const restPage = Math.min(perYield, REST_PAGE_MAX);
  const sizes = { ...base, batchSize: perYield, restPage, restHint: Math.max(200, restPage) };
  const object = ctx.model.name;
  const conditionsAfter = (after: string | null): SoqlFragment[] => [
    ...(after === null ? [] : [soql`Id > ${soql.id(after)}`]),
    ...(read.filter === null ? [] : [read.filter]),
  ];
  const query = (after: string | null, limit: number | null) => {
    let q = soql.select(read.fields).from(object);
    for (const c of conditionsAfter(after)) q = q.where(c);
    q = q.orderBy('Id');
    return limit === null ? q : q.limit(limit);
  };
  const checkOrder = (rows: readonly RawRow[], after: string | null): string | null => {
    for (const row of rows) {
      const id = idOf(row, object);
      if (after !== null && id <= after) {
        throw new InvariantError(`${read.what} of ${object}: rows out of Id order (${id} after ${after})`);
      }
      after = id;
    }
    return after;
  };

  // The first page sizes the read (its totalSize) and is used as read: no COUNT call (§7 API economy).
  const first = await firstPage(ctx, query(read.afterId, null), read.scanAll, sizes.restHint);
  const remaining = first.totalSize - first.rows.length;
  let mode: ReadMode = modeFor(ctx, remaining);
  ctx.logger.info(
    { object, estimate: first.totalSize, mode, afterId: read.afterId, bulkThreshold: ctx.bulkThreshold },
    `${read.what} of ${object}: about ${first.totalSize} records, reading ${first.done ? 'one page with REST' : `the rest with ${mode === 'bulk' ? 'Bulk API 2.0' : 'REST'}`}`,
  );
  let after = checkOrder(first.rows, read.afterId);
  for (let i = 0; i < first.rows.length; i += perYield) yield first.rows.slice(i, i + perYield);
  if (first.done || first.rows.length === 0) return;

  for (;;) {
    ctx.signal?.throwIfAborted();
    if (mode === 'bulk') {
      const rows = await bulkRows(ctx, query(after, sizes.bulkChunk), read.scanAll);
      if (rows === null) {
        mode = 'rest';
        continue;
      }
      let inChunk = 0;
      let batch: RawRow[] = [];
      for await (const row of rows) {
        const id = idOf(row, object);
        if (after !== null && id <= after) {
          throw new InvariantError(
            `${read.what} of ${object}: Bulk rows out of Id order (${id} after ${after})`,
          );
        }
        after = id;
        batch.push(row);
        inChunk++;
        if (batch.length >= bulkPerYield) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
      if (inChunk < sizes.bulkChunk) return;
    } else {
      const rows = await restRows(ctx, query(after, sizes.restPage), read.scanAll, sizes.restHint);
      if (rows.length === 0) return;
      after = checkOrder(rows, after);
      yield rows;
      if (rows.length < sizes.restPage) return;
    }
  }
}
