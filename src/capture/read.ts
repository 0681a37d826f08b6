/**
 * The two ways capture reads rows: REST query/queryAll (one keyset page per call, ≤ 2,000 rows) and
 * Bulk 2.0 query/queryAll (one job per chunk, CSV streamed), plus the `SELECT COUNT()` estimate that
 * chooses between them. Bulk refuses some objects and queries (compound fields, unsupported objects):
 * job creation then answers 400 and the caller falls back to REST.
 */
import { isFerryError } from '../errors/index.js';
import { soql, SoqlFragment, type SoqlQuery } from '../salesforce/soql.js';
import { readScopeOf } from './scope.js';
import type { RawRow } from './values.js';
import type { CaptureContext } from './types.js';

export type ReadMode = 'rest' | 'bulk';

/**
 * The condition every read of the object carries: the mapping's filter (parenthesized, trusted SOQL
 * the user wrote) AND, for activities with `retention`, `CreatedDate >= now − retention` (see
 * scope.ts). Evaluated once per read so that all pages of one read share the same window.
 */
export function filterOf(ctx: CaptureContext, now: Date = new Date()): SoqlFragment | null {
  return readScopeOf(ctx, now);
}

/** `SELECT COUNT() FROM <object> WHERE ...`: one call; queryAll so deleted rows count too. */
export async function countRows(
  ctx: CaptureContext,
  conditions: readonly SoqlFragment[],
  scanAll: boolean,
): Promise<number> {
  let q = soql.select([SoqlFragment.unsafeRaw('COUNT()')]).from(ctx.model.name);
  for (const c of conditions) q = q.where(c);
  const options = { signal: ctx.signal };
  const stream = scanAll ? ctx.client.queryAll(q, options) : ctx.client.query(q, options);
  for await (const page of stream.pages()) return page.totalSize;
  return 0;
}

/** Mode for an estimated row count. */
export function modeFor(ctx: CaptureContext, estimate: number): ReadMode {
  return estimate >= ctx.bulkThreshold ? 'bulk' : 'rest';
}

/** Every row of one REST query (normally one page: callers put a LIMIT ≤ 2,000 on it). */
export async function restRows(
  ctx: CaptureContext,
  query: SoqlQuery,
  scanAll: boolean,
  batchSizeHint: number,
): Promise<RawRow[]> {
  const options = { batchSize: batchSizeHint, signal: ctx.signal };
  const stream = scanAll ? ctx.client.queryAll(query, options) : ctx.client.query(query, options);
  const rows: RawRow[] = [];
  for await (const page of stream.pages()) rows.push(...page.records);
  return rows;
}

/**
 * Creates a Bulk query job and returns its rows (streamed), or null when Bulk refuses the query
 * (400 at job creation): the caller reads with REST instead, and the refusal is logged once.
 */
export async function bulkRows(
  ctx: CaptureContext,
  query: SoqlQuery,
  scanAll: boolean,
): Promise<AsyncIterable<RawRow> | null> {
  try {
    const job = await ctx.client.bulkQuery(query, { scanAll, signal: ctx.signal });
    return job.records();
  } catch (err) {
    if (isFerryError(err) && err.status === 400) {
      ctx.logger.warn(
        { object: ctx.model.name, code: err.code, reason: err.message },
        `Bulk API 2.0 refuses the query on ${ctx.model.name}; reading with REST instead`,
      );
      return null;
    }
    throw err;
  }
}
