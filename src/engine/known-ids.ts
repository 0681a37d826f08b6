import type { Pool } from 'pg';
import { qualify } from '../store/index.js';

const PAGE = 10_000;

/**
 * The sfids Ferry holds for an object, ascending (byte order, as Salesforce orders Ids), paged by
 * keyset so memory stays flat: live rows of the merge mirror table, or — for a delta mapping — the
 * records whose newest stored version is not a deletion.
 */
export async function* knownIds(
  pool: Pool,
  object: string,
  source: { schema: string; table: string } | null,
): AsyncGenerator<string> {
  let after = '';
  for (;;) {
    const result = source
      ? await pool.query<{ sfid: string }>(
          `SELECT sfid FROM ${qualify(source.schema, source.table)}
           WHERE isdeleted IS NOT TRUE AND sfid COLLATE "C" > $1 ORDER BY sfid COLLATE "C" LIMIT ${PAGE}`,
          [after],
        )
      : await pool.query<{ sfid: string; op: string }>(
          `SELECT DISTINCT ON (sfid COLLATE "C") sfid, op FROM ferry.record_versions
           WHERE object = $2 AND sfid COLLATE "C" > $1 ORDER BY sfid COLLATE "C", id DESC LIMIT ${PAGE}`,
          [after, object],
        );
    for (const row of result.rows) if (!('op' in row) || row.op === 'upsert') yield row.sfid;
    const last = result.rows.at(-1);
    if (!last || result.rows.length < PAGE) return;
    after = last.sfid;
  }
}
