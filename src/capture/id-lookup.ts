/**
 * Which of a few given ids the org still has (recycle bin included): `SELECT Id FROM X WHERE Id IN
 * (...)` through queryAll, in chunks. The Id reconciliation of a scoped mirror (a filter with
 * `archiveNonMatching`, or a retention window) reads only the ids in scope; the few known ids it
 * did not see are looked up here to tell "out of scope" (archive) from "gone" (tombstone).
 */
import { isValidId } from '../core/sfid.js';
import { soql } from '../salesforce/soql.js';
import { restRows } from './read.js';
import type { CaptureContext } from './types.js';

/**
 * Ids per lookup. A REST query travels in the URL, and Salesforce caps URI plus headers at 16,384
 * bytes (414 URI Too Long beyond): 400 quoted, URL-encoded ids take about 11 KB, leaving room for
 * the path and the Authorization header.
 */
export const ID_LOOKUP_CHUNK = 400;

/**
 * The subset of `ids` (≤ ID_LOOKUP_CHUNK of them) the org has, deleted-but-recoverable included.
 * An id that is not well-formed (bad checksum) cannot exist in Salesforce: it is absent, unasked.
 */
export async function existingIds(ctx: CaptureContext, ids: readonly string[]): Promise<Set<string>> {
  const valid = ids.filter(isValidId);
  if (valid.length === 0) return new Set();
  const query = soql
    .select(['Id'])
    .from(ctx.model.name)
    .where(
      soql.in(
        'Id',
        valid.map((id) => soql.id(id)),
      ),
    );
  const rows = await restRows(ctx, query, true, 2_000);
  return new Set(rows.map((r) => String(r['Id'])));
}
