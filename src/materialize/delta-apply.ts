import type { ClientBase } from 'pg';
import type { ChangeBatch } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import { canonicalJson } from '../history/content-hash.js';
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

/**
 * Delta mode (Estuary's "delta updates"): each captured version becomes one row of
 * `<schema>.<table>_changes` — `change_id bigserial`, `sfid`, `systemmodstamp`, `isdeleted`,
 * `_op` ('upsert' | 'delete'), `_captured_at` (UTC), `_run_id`, then the field columns. Nothing is
 * updated in place; readers reduce by `sfid` (latest `change_id` wins).
 *
 * A version identical to the one before it (the record's latest change row, or the previous version
 * in the batch) is not appended again, so overlap re-reads do not grow the table. Returns the count
 * appended.
 */
export async function appendDeltaBatch(
  client: ClientBase,
  batch: ChangeBatch,
  model: ObjectModel,
  schema: string,
  table: string,
): Promise<number> {
  const columns = columnsOf(model);
  const rows: unknown[][] = [];
  const previous = new Map<string, string>();
  const push = (sfid: string, values: unknown[]): void => {
    const key = canonicalJson(values);
    if (previous.get(sfid) === key) return;
    previous.set(sfid, key);
    rows.push([rows.length, sfid, ...values]);
  };
  for (const r of batch.records) {
    push(r.sfid, [
      modstamp(r.systemModstamp),
      r.isDeleted,
      r.isDeleted ? 'delete' : 'upsert',
      batch.runId,
      ...recordValues(model, columns, r),
    ]);
  }
  for (const t of batch.tombstones) {
    push(t.sfid, [modstamp(t.deletedAt), true, 'delete', batch.runId, ...columns.map(() => null)]);
  }
  if (rows.length === 0) return 0;

  const system = ['sfid', 'systemmodstamp', 'isdeleted', '_op', '_run_id'];
  await stageRows(client, { schema, table }, system, columns, rows);
  const all = [...system, ...columns.map((c) => c.column)].map(quoteIdent);
  // Compared with the latest change row: content only (not _run_id, which differs on every poll).
  const content = ['systemmodstamp', 'isdeleted', '_op', ...columns.map((c) => c.column)].map(quoteIdent);
  const target = qualify(schema, table);
  const result = await client.query(
    `WITH staged AS (
       SELECT s.*, row_number() OVER (PARTITION BY s.sfid ORDER BY s.${ORD_COLUMN}) AS nth FROM ${STAGE_TABLE} s
     )
     INSERT INTO ${target} (${all.join(', ')})
     SELECT ${all.map((c) => `s.${c}`).join(', ')}
     FROM staged s
     WHERE s.nth > 1 OR NOT EXISTS (
       SELECT 1 FROM (
         SELECT * FROM ${target} c WHERE c.sfid = s.sfid ORDER BY c.change_id DESC LIMIT 1
       ) latest
       WHERE (${content.map((c) => `latest.${c}`).join(', ')}) IS NOT DISTINCT FROM (${content.map((c) => `s.${c}`).join(', ')})
     )
     ORDER BY s.${ORD_COLUMN}`,
  );
  await dropStage(client);
  return result.rowCount ?? 0;
}
