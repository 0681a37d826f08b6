/**
 * Salesforce's rules for a call that writes several records: results in request order; without
 * allOrNone each record stands alone; with allOrNone one failure rolls the whole call back and every
 * other record reports ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
import { normalizeId } from '../../core/sfid.js';
import type { Row } from '../schema/types.js';
import type { RecordTable } from './record-table.js';
import { RecordRejected } from './save-error.js';
import type { RecordInput, SaveResult, WriteOptions } from './types.js';

const ROLLED_BACK = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

export interface BatchContext {
  format: 'json' | 'text';
  /** Unique values claimed by earlier records of this call. */
  batchUnique: Map<string, Map<string, number>>;
  batchIndex: number;
}

export interface Prepared {
  table: RecordTable;
  row: Row;
  /** Upsert only. */
  created: boolean | undefined;
}

/** Prepares (validates) each record, then stores it: at once, or all together with allOrNone. */
export function writeBatch(
  records: readonly RecordInput[],
  options: WriteOptions,
  prepare: (input: RecordInput, index: number, batch: BatchContext) => Prepared,
): SaveResult[] {
  const format = options.format ?? 'json';
  const batchUnique = new Map<string, Map<string, number>>();
  const prepared: Array<Prepared | RecordRejected> = records.map((input, i) => {
    try {
      const p = prepare(input, i, { format, batchUnique, batchIndex: i });
      if (!options.allOrNone) p.table.put(p.row);
      return p;
    } catch (err) {
      if (err instanceof RecordRejected) return err;
      throw err;
    }
  });
  const failed = prepared.some((p) => p instanceof RecordRejected);
  if (options.allOrNone && !failed)
    for (const p of prepared) if (!(p instanceof RecordRejected)) p.table.put(p.row);
  return prepared.map((p) => {
    if (p instanceof RecordRejected) return { id: null, success: false, errors: p.errors };
    if (options.allOrNone && failed) return { id: null, success: false, errors: [ROLLED_BACK] };
    const result: SaveResult = { id: p.row.Id as string, success: true, errors: [] };
    if (p.created !== undefined) result.created = p.created;
    return result;
  });
}

/** The same for calls naming records by id (delete, undelete): `prepare` validates and returns the commit. */
export function idBatch(
  ids: readonly string[],
  options: WriteOptions,
  prepare: (id: string) => () => void,
): SaveResult[] {
  const prepared = ids.map((id) => {
    try {
      return { id: normalizeId(id) ?? id, commit: prepare(id) };
    } catch (err) {
      if (err instanceof RecordRejected) return { id, error: err };
      throw err;
    }
  });
  const failed = prepared.some((p) => 'error' in p);
  return prepared.map((p) => {
    if ('error' in p) return { id: p.id, success: false, errors: p.error.errors };
    if (options.allOrNone && failed) return { id: p.id, success: false, errors: [ROLLED_BACK] };
    p.commit();
    return { id: p.id, success: true, errors: [] };
  });
}
