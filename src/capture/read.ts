/**
 * The two ways capture reads rows: REST query/queryAll (one keyset page per call, ≤ 2,000 rows) and
 * Bulk 2.0 query/queryAll (one job per chunk, CSV streamed), plus the first page whose totalSize
 * chooses between them. Bulk refuses some objects and queries (compound fields, unsupported objects):
 * job creation then answers 400 and the caller falls back to REST.
 */
import { isFerryError } from '../errors/index.js';
import type { SoqlFragment, SoqlQuery } from '../salesforce/soql.js';
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

export interface FirstPage {
  readonly rows: RawRow[];
  /** Rows the whole query matches (Salesforce's totalSize). */
  readonly totalSize: number;
  /** Whether this page holds all of them. */
  readonly done: boolean;
}

/**
 * The first page of a query run without LIMIT: its rows, and its totalSize, which sizes the whole
 * read (REST or Bulk) without a separate `SELECT COUNT()` call — the page's rows are used, so sizing
 * costs nothing. The rest of that query is not fetched: callers go on by keyset, and Salesforce
 * frees the abandoned query cursor itself.
 */
export async function firstPage(
  ctx: CaptureContext,
  query: SoqlQuery,
  scanAll: boolean,
  batchSizeHint: number,
): Promise<FirstPage> {
  const options = { batchSize: batchSizeHint, signal: ctx.signal };
  const stream = scanAll ? ctx.client.queryAll(query, options) : ctx.client.query(query, options);
  for await (const page of stream.pages()) {
    return { rows: page.records, totalSize: page.totalSize, done: page.done };
  }
  return { rows: [], totalSize: 0, done: true };
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
