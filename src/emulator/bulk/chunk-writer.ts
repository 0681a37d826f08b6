/**
 * One chunk of CSV rows (≤200, Salesforce's unit of work inside a Bulk batch) sent to the org, shared
 * by Bulk 2.0 ingest and Bulk 1.0 batches. Values go as text: the org coerces them by field type,
 * '' leaves a field unchanged and `#N/A` nulls it.
 */
import {
  OrgError,
  type InputFormat,
  type OrgApi,
  type RecordInput,
  type SaveError,
  type SaveResult,
} from '../org/types.js';

export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

export const INGEST_OPERATIONS: readonly IngestOperation[] = [
  'insert',
  'update',
  'upsert',
  'delete',
  'hardDelete',
];

export function isIngestOperation(value: unknown): value is IngestOperation {
  return typeof value === 'string' && (INGEST_OPERATIONS as readonly string[]).includes(value);
}

/** Salesforce works through ingest data 200 records at a time; other requests run in between. */
export const CHUNK_RECORDS = 200;

export interface WriteTarget {
  readonly object: string;
  readonly operation: IngestOperation;
  readonly externalIdFieldName: string | null;
}

/** One result per row, in row order; CSV cells go to the org as text. */
export function writeChunk(
  org: OrgApi,
  target: WriteTarget,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): SaveResult[] {
  return writeRecords(org, target, rowsToRecords(header, rows), 'text');
}

/** One result per record, in order (Bulk 1.0 JSON batches send typed values: `format: 'json'`). */
export function writeRecords(
  org: OrgApi,
  target: WriteTarget,
  records: readonly RecordInput[],
  format: InputFormat,
): SaveResult[] {
  try {
    return send(org, target, records, format);
  } catch (error) {
    // A refusal of the whole call (say, an object that cannot be deleted) is each row's failure
    // in Bulk terms: the job goes on and reports it per row.
    if (!(error instanceof OrgError)) throw error;
    const failure: SaveError = { statusCode: error.errorCode, message: error.message, fields: error.fields };
    return records.map(() => ({ id: null, success: false, errors: [failure] }));
  }
}

function send(
  org: OrgApi,
  target: WriteTarget,
  records: readonly RecordInput[],
  format: InputFormat,
): SaveResult[] {
  switch (target.operation) {
    case 'delete':
      return org.delete(records.map(idOf), { format });
    case 'hardDelete':
      return org.hardDelete(records.map(idOf));
    case 'insert':
      return org.create(target.object, records, { format });
    case 'update':
      return org.update(target.object, records, { format });
    case 'upsert':
      return org.upsert(target.object, target.externalIdFieldName ?? 'Id', records, { format });
  }
}

/** Delete jobs name records by their Id column (any casing); a missing one is the org's MALFORMED_ID. */
function idOf(record: RecordInput): string {
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() === 'id') return typeof value === 'string' ? value : '';
  }
  return '';
}

export function rowsToRecords(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): Record<string, string>[] {
  return rows.map((row) => {
    const record: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) record[header[i] ?? ''] = row[i] ?? '';
    return record;
  });
}

/**
 * The error cell of Bulk result files: `STATUSCODE:message:field1,field2 --`, e.g.
 * `REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --`. Several errors are
 * written one after another.
 */
export function formatSaveErrors(errors: readonly SaveError[]): string {
  return errors.map((e) => `${e.statusCode}:${e.message}:${e.fields.join(',')} --`).join(' ');
}
