/**
 * Rows of a finished ingest job's result files. Salesforce does not keep upload order in them, so
 * each row carries the original columns: callers match results to their input by an external id
 * (Ferry's writer always sends one) or by Id for update/delete.
 */
import type { CsvRecord, SaveError } from '../types.js';

export interface IngestSuccess {
  /** `sf__Id`. */
  readonly id: string;
  /** `sf__Created`: inserted (true) or updated/deleted (false). */
  readonly created: boolean;
  /** The uploaded columns as sent (cells are raw text; `#N/A` stays `#N/A`). */
  readonly record: CsvRecord;
}

export interface IngestFailure {
  /** `sf__Id`; null for a failed insert. */
  readonly id: string | null;
  readonly error: SaveError;
  readonly record: CsvRecord;
}

/**
 * `sf__Error` text: `STATUS_CODE:message:field1,field2 --` (fields may be empty: `CODE:message:--`).
 * The message may itself contain colons, so the code is the first segment and the fields the last.
 */
export function parseBulkError(text: string): SaveError {
  const m = /^([A-Za-z][A-Za-z0-9_]*):([\s\S]*?):([^:]*?)\s*--\s*$/.exec(text);
  if (m) {
    const fields = (m[3] ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '');
    return { statusCode: m[1] ?? 'UNKNOWN_EXCEPTION', message: (m[2] ?? '').trim(), fields };
  }
  const code = /^([A-Z][A-Z0-9_]+):\s*([\s\S]*)$/.exec(text);
  if (code)
    return { statusCode: code[1] ?? 'UNKNOWN_EXCEPTION', message: (code[2] ?? '').trim(), fields: [] };
  return { statusCode: 'UNKNOWN_EXCEPTION', message: text, fields: [] };
}

function withoutSf(row: CsvRecord): CsvRecord {
  const out: CsvRecord = {};
  for (const [k, v] of Object.entries(row)) if (!k.startsWith('sf__')) out[k] = v;
  return out;
}

export function toSuccess(row: CsvRecord): IngestSuccess {
  return { id: row.sf__Id ?? '', created: row.sf__Created === 'true', record: withoutSf(row) };
}

export function toFailure(row: CsvRecord): IngestFailure {
  const id = row.sf__Id;
  return {
    id: id === undefined || id === null || id === '' ? null : id,
    error: parseBulkError(row.sf__Error ?? ''),
    record: withoutSf(row),
  };
}
