import type { ClientBase } from 'pg';
import type { ChangeBatch } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import { VERSION_STAGE_TABLE } from '../history/index.js';
import { qualify, quoteIdent } from '../store/index.js';
import { guardPendingWrites } from '../writeback/conflicts.js';
import { changedSinceReadSql } from './changed-since-read.js';
import { stagedColumns } from './staged-columns.js';

export interface MergeResult {
  /** Mirror rows inserted or changed. Unchanged re-reads count (and write) nothing. */
  readonly upserted: number;
  /** Mirror rows newly marked isdeleted by tombstones. */
  readonly deleted: number;
}

/**
 * Merge mode, from the staged batch (the caller staged it: src/history/version-stage.ts): ONE
 * `INSERT ... ON CONFLICT (sfid) DO UPDATE ... WHERE (columns) IS DISTINCT FROM (excluded columns)`
 * upserts the last version of each record. A row whose content is unchanged is not touched at all (no
 * new tuple), and a version older than the row's systemmodstamp never overwrites it, nor does one read
 * before the row's last change (batch.readSnapshot). Tombstones then
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
  let upserted = 0;
  if (batch.records.length > 0) {
    const staged = stagedColumns(model, batch);
    const data = ['systemmodstamp', 'isdeleted', ...staged.columns.map((c) => c.column)].map(quoteIdent);
    const values = [`s.systemmodstamp AT TIME ZONE 'UTC'`, `s.op = 'delete'`, ...staged.values];
    // Unsent local changes of read-write tables win over the versions read (conflicts.ts).
    const readSnapshot = batch.readSnapshot;
    const guard = await guardPendingWrites(client, {
      schema,
      table,
      columns: staged.columns.map((c) => c.column),
      values: staged.values,
      fromRecord: staged.fromRecord,
      ...(readSnapshot !== undefined ? { readSnapshot } : {}),
    });
    // A row changed since the read began may be newer than the version read (changed-since-read.ts).
    const unchangedSinceRead =
      readSnapshot === undefined
        ? ''
        : `\n         AND NOT ${changedSinceReadSql('t.xmin', '$1::txid_snapshot')}`;
    const result = await client.query(
      `INSERT INTO ${target} AS t (sfid, ${data.join(', ')}, _hc_lastop, _hc_err)
       SELECT DISTINCT ON (s.sfid) s.sfid, ${values.join(', ')}, 'SYNCED', NULL
       FROM ${VERSION_STAGE_TABLE} s${staged.fromRecord('s')}
       WHERE NOT s.tombstone${guard ? ` AND ${guard.keep('s')}` : ''}
       ORDER BY s.sfid, s.systemmodstamp DESC NULLS LAST, s.ord DESC
       ON CONFLICT (sfid) DO UPDATE SET
         ${data.map((c) => `${c} = EXCLUDED.${c}`).join(',\n         ')},
         _hc_lastop = 'SYNCED', _hc_err = NULL
       WHERE (${data.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${data.map((c) => `EXCLUDED.${c}`).join(', ')})
         AND (t.systemmodstamp IS NULL OR EXCLUDED.systemmodstamp IS NULL OR EXCLUDED.systemmodstamp >= t.systemmodstamp)${unchangedSinceRead}`,
      readSnapshot === undefined ? [] : [readSnapshot],
    );
    upserted = result.rowCount ?? 0;
    await guard?.restore(client);
  }
  let deleted = 0;
  if (batch.tombstones.length > 0) {
    const result = await client.query(
      `UPDATE ${target} AS t SET isdeleted = true, _hc_lastop = 'SYNCED', _hc_err = NULL
       FROM ${VERSION_STAGE_TABLE} d
       WHERE d.tombstone AND t.sfid = d.sfid AND t.isdeleted IS DISTINCT FROM true
         AND (d.systemmodstamp IS NULL OR t.systemmodstamp IS NULL
              OR t.systemmodstamp <= d.systemmodstamp AT TIME ZONE 'UTC')`,
    );
    deleted = result.rowCount ?? 0;
  }
  return { upserted, deleted };
}
