import type { ClientBase } from 'pg';
import type { ChangeBatch } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import { VERSION_STAGE_TABLE } from '../history/index.js';
import { qualify, quoteIdent } from '../store/index.js';
import { stagedColumns } from './staged-columns.js';

/**
 * Delta mode (Estuary's "delta updates"): each captured version becomes one row of
 * `<schema>.<table>_changes` — `change_id bigserial`, `sfid`, `systemmodstamp`, `isdeleted`,
 * `_op` ('upsert' | 'delete'), `_captured_at` (UTC), `_run_id`, then the field columns. Nothing is
 * updated in place; readers reduce by `sfid` (latest `change_id` wins).
 *
 * A version identical to the one before it (the record's latest change row, or the previous version
 * in the batch) is not appended again, so overlap re-reads do not grow the table. Reads the staged
 * batch (src/history/version-stage.ts). Returns the count appended.
 */
export async function appendDeltaBatch(
  client: ClientBase,
  batch: ChangeBatch,
  model: ObjectModel,
  schema: string,
  table: string,
): Promise<number> {
  if (batch.records.length === 0 && batch.tombstones.length === 0) return 0;
  const staged = stagedColumns(model, 'all');
  const dataColumns = staged.columns.map((c) => quoteIdent(c.column));
  // A tombstone carries no fields: its columns are NULL (the jsonb is `{}`).
  const content = [...['systemmodstamp', 'isdeleted', '_op'].map(quoteIdent), ...dataColumns];
  const all = ['sfid', ...content, '_run_id'];
  const target = qualify(schema, table);
  const result = await client.query(
    `WITH typed AS (
       SELECT s.ord, s.sfid, s.systemmodstamp AT TIME ZONE 'UTC' AS systemmodstamp,
              s.op = 'delete' AS isdeleted, s.op AS _op, $1::text AS _run_id
              ${staged.values.map((v, i) => `, ${v} AS ${dataColumns[i] ?? ''}`).join('')}
       FROM ${VERSION_STAGE_TABLE} s${staged.fromRecord('s')}
     ), sequenced AS (
       SELECT t.*, row_number() OVER w AS nth,
              lag(ROW(${content.map((c) => `t.${c}`).join(', ')})) OVER w AS previous
       FROM typed t
       WINDOW w AS (PARTITION BY t.sfid ORDER BY t.ord)
     )
     INSERT INTO ${target} (${all.join(', ')})
     SELECT ${all.map((c) => `s.${c}`).join(', ')}
     FROM sequenced s
     WHERE CASE WHEN s.nth > 1
       THEN s.previous IS DISTINCT FROM ROW(${content.map((c) => `s.${c}`).join(', ')})
       ELSE NOT EXISTS (
         SELECT 1 FROM (
           SELECT * FROM ${target} c WHERE c.sfid = s.sfid ORDER BY c.change_id DESC LIMIT 1
         ) latest
         WHERE (${content.map((c) => `latest.${c}`).join(', ')}) IS NOT DISTINCT FROM (${content.map((c) => `s.${c}`).join(', ')})
       ) END
     ORDER BY s.ord`,
    [batch.runId],
  );
  return result.rowCount ?? 0;
}
