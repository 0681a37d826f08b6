import type { ClientBase } from 'pg';
import type { ChangeBatch } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import { qualify, quoteIdent } from '../store/index.js';
import {
  ORD_COLUMN,
  STAGE_TABLE,
  columnsOf,
  dropStage,
  modstamp,
  recordValues,
  stageRows,
} from './staged-rows.js';

export interface MergeResult {
  /** Mirror rows inserted or changed. Unchanged re-reads count (and write) nothing. */
  readonly upserted: number;
  /** Mirror rows newly marked isdeleted by tombstones. */
  readonly deleted: number;
}

/**
 * Merge mode: the batch's records are COPYed into a staging table, then ONE
 * `INSERT ... ON CONFLICT (sfid) DO UPDATE ... WHERE (columns) IS DISTINCT FROM (excluded columns)`
 * upserts the last version of each record. A row whose content is unchanged is not touched at all (no
 * new tuple), and a version older than the row's systemmodstamp never overwrites it. Tombstones then
 * mark existing rows `isdeleted = true`, unless the row was modified after the deletion (undelete).
 * Columns of fields absent from every record of the batch are not written.
 */
export async function mergeBatch(
  client: ClientBase,
  batch: ChangeBatch,
  model: ObjectModel,
  schema: string,
  table: string,
): Promise<MergeResult> {
  const target = qualify(schema, table);
  // A column no record of the batch carries (e.g. a formula refresh reads Id + formulas only) is
  // left as it is rather than overwritten with NULL.
  const present = new Set(batch.records.flatMap((r) => Object.keys(r.fields).map((k) => k.toLowerCase())));
  const columns = columnsOf(model).filter((c) => present.has(c.column));
  let upserted = 0;
  if (batch.records.length > 0) {
    const rows = batch.records.map((r, ord) => [
      ord,
      r.sfid,
      modstamp(r.systemModstamp),
      r.isDeleted,
      ...recordValues(model, columns, r),
    ]);
    await stageRows(client, { schema, table }, ['sfid', 'systemmodstamp', 'isdeleted'], columns, rows);
    const data = ['systemmodstamp', 'isdeleted', ...columns.map((c) => c.column)].map(quoteIdent);
    const result = await client.query(
      `INSERT INTO ${target} AS t (sfid, ${data.join(', ')}, _hc_lastop, _hc_err)
       SELECT DISTINCT ON (s.sfid) s.sfid, ${data.map((c) => `s.${c}`).join(', ')}, 'SYNCED', NULL
       FROM ${STAGE_TABLE} s
       ORDER BY s.sfid, s.systemmodstamp DESC NULLS LAST, s.${ORD_COLUMN} DESC
       ON CONFLICT (sfid) DO UPDATE SET
         ${data.map((c) => `${c} = EXCLUDED.${c}`).join(',\n         ')},
         _hc_lastop = 'SYNCED', _hc_err = NULL
       WHERE (${data.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${data.map((c) => `EXCLUDED.${c}`).join(', ')})
         AND (t.systemmodstamp IS NULL OR EXCLUDED.systemmodstamp IS NULL OR EXCLUDED.systemmodstamp >= t.systemmodstamp)`,
    );
    upserted = result.rowCount ?? 0;
    await dropStage(client);
  }
  let deleted = 0;
  if (batch.tombstones.length > 0) {
    const result = await client.query(
      `UPDATE ${target} AS t SET isdeleted = true, _hc_lastop = 'SYNCED', _hc_err = NULL
       FROM unnest($1::varchar[], $2::timestamp[]) AS d(sfid, deleted_at)
       WHERE t.sfid = d.sfid AND t.isdeleted IS DISTINCT FROM true
         AND (d.deleted_at IS NULL OR t.systemmodstamp IS NULL OR t.systemmodstamp <= d.deleted_at)`,
      [batch.tombstones.map((t) => t.sfid), batch.tombstones.map((t) => modstamp(t.deletedAt))],
    );
    deleted = result.rowCount ?? 0;
  }
  return { upserted, deleted };
}
