/**
 * Reads an object in Id order, page by page (`Id > :last [AND filter] ORDER BY Id LIMIT n`), never
 * holding more than one batch: REST pages of ≤ 2,000 rows, or Bulk 2.0 jobs of `bulkChunk` rows
 * whose CSV is streamed and cut into batches of `bulkBatchSize`. Bulk is chosen when `SELECT COUNT()` of what is left
 * reaches the bulk threshold; where Bulk refuses, REST reads the rest. Used by the initial load, the
 * formula refresh and the Id reconciliation.
 */
import { InvariantError } from '../errors/index.js';
import { soql, type SoqlFragment } from '../salesforce/soql.js';
import { bulkRows, countRows, modeFor, restRows, type ReadMode } from './read.js';
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
  const query = (after: string | null, limit: number) => {
    let q = soql.select(read.fields).from(object);
    for (const c of conditionsAfter(after)) q = q.where(c);
    return q.orderBy('Id').limit(limit);
  };

  const estimate = await countRows(ctx, conditionsAfter(read.afterId), read.scanAll);
  let mode: ReadMode = modeFor(ctx, estimate);
  ctx.logger.info(
    { object, estimate, mode, afterId: read.afterId, bulkThreshold: ctx.bulkThreshold },
    `${read.what} of ${object}: about ${estimate} records, reading with ${mode === 'bulk' ? 'Bulk API 2.0' : 'REST'}`,
  );

  let after = read.afterId;
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
      for (const row of rows) {
        const id = idOf(row, object);
        if (after !== null && id <= after) {
          throw new InvariantError(`${read.what} of ${object}: rows out of Id order (${id} after ${after})`);
        }
        after = id;
      }
      yield rows;
      if (rows.length < sizes.restPage) return;
    }
  }
}
