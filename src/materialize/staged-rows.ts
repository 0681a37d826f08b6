import type { ClientBase } from 'pg';
import type { CapturedRecord } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import {
  mirrorColumns,
  toColumnValue,
  utcTimestamp,
  type MirrorColumn,
  type SqlValue,
} from '../core/type-map.js';
import { copyRows, qualify, quoteIdent } from '../store/index.js';

/**
 * The staging step shared by merge and delta mode: a temporary table shaped like the target (types
 * copied from it with CREATE TABLE AS ... WITH NO DATA, so COPY converts exactly as the target would)
 * plus an ordinal, filled with COPY. Dropped before it is made again, so each call starts empty.
 */
export const STAGE = '_ferry_mirror_stage';
export const ORD = '_ferry_ord';
/** Quoted, for SQL text. */
export const STAGE_TABLE = qualify('pg_temp', STAGE);
export const ORD_COLUMN = quoteIdent(ORD);

export async function stageRows(
  client: ClientBase,
  target: { schema: string; table: string },
  systemColumns: readonly string[],
  dataColumns: readonly MirrorColumn[],
  rows: Iterable<readonly unknown[]>,
): Promise<number> {
  const columns = [...systemColumns, ...dataColumns.map((c) => c.column)];
  await client.query(`DROP TABLE IF EXISTS ${STAGE_TABLE}`);
  await client.query(
    `CREATE TEMPORARY TABLE ${quoteIdent(STAGE)} AS SELECT 0::integer AS ${quoteIdent(ORD)}, ${columns.map(quoteIdent).join(', ')}
     FROM ${qualify(target.schema, target.table)} WITH NO DATA`,
  );
  return copyRows(client, STAGE, [ORD, ...columns], rows);
}

export async function dropStage(client: ClientBase): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${STAGE_TABLE}`);
}

/** The column values of one captured record, in `columns` order. */
export function recordValues(
  model: ObjectModel,
  columns: readonly MirrorColumn[],
  record: CapturedRecord,
): SqlValue[] {
  const where = { object: model.name, sfid: record.sfid };
  const byLowerName = lowerCaseKeys(record.fields);
  return columns.map((c) => toColumnValue(c.field, byLowerName.get(c.column), where));
}

function lowerCaseKeys<T>(fields: Readonly<Record<string, T>>): Map<string, T> {
  const map = new Map<string, T>();
  for (const [k, v] of Object.entries(fields)) map.set(k.toLowerCase(), v);
  return map;
}

export function modstamp(iso: string | null): string | null {
  return iso === null ? null : utcTimestamp(iso);
}

export function columnsOf(model: ObjectModel): readonly MirrorColumn[] {
  return mirrorColumns(model);
}
