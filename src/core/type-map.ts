import type { FieldValue } from './change-batch.js';
import type { FieldModel, ObjectModel } from './sobject-model.js';
import { RecordError } from '../errors/index.js';

/**
 * Salesforce describe types → Postgres column types of mirror tables (DESIGN.md "Postgres layout"),
 * and captured JSON values → values for COPY / query parameters. Pure; no I/O.
 *
 * id/reference varchar(18) · string-like (string, email, phone, url, encryptedstring, combobox)
 * varchar(length) · textarea text · picklist varchar(255) · multipicklist text · boolean · date ·
 * datetime timestamp (UTC) · time · double/currency/percent numeric · int integer · long bigint ·
 * address/location: no column of their own (their components are fields of their own) · base64:
 * skipped (blobs are not mirrored) · unknown types (anyType...): text.
 */

/** Fields that map to Heroku Connect's system columns rather than a column of their own. */
export const SYSTEM_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  id: 'sfid',
  systemmodstamp: 'systemmodstamp',
  isdeleted: 'isdeleted',
});

const VARCHAR_TYPES = new Set(['string', 'email', 'phone', 'url', 'encryptedstring', 'combobox']);
const NUMERIC_TYPES = new Set(['double', 'currency', 'percent']);
const SKIPPED_TYPES = new Set(['base64', 'address', 'location']);

/** The Postgres type of a field's column, or null when the field gets no column (compound, base64). */
export function columnTypeOf(field: FieldModel): string | null {
  const type = field.type;
  if (SKIPPED_TYPES.has(type)) return null;
  if (type === 'id' || type === 'reference') return 'varchar(18)';
  if (VARCHAR_TYPES.has(type)) return field.length > 0 ? `varchar(${field.length})` : 'text';
  if (NUMERIC_TYPES.has(type)) return 'numeric';
  switch (type) {
    case 'textarea':
    case 'multipicklist':
      return 'text';
    case 'picklist':
      return 'varchar(255)';
    case 'boolean':
      return 'boolean';
    case 'int':
      return 'integer';
    case 'long':
      return 'bigint';
    case 'date':
      return 'date';
    case 'datetime':
      return 'timestamp';
    case 'time':
      return 'time';
    default:
      return 'text';
  }
}

/** A mirrored field and its column. */
export interface MirrorColumn {
  readonly field: FieldModel;
  /** Lower-case field name: Heroku Connect's column naming. */
  readonly column: string;
  readonly type: string;
}

/**
 * The data columns of an object's mirror table, in describe order: every field with a column type,
 * except Id, SystemModstamp and IsDeleted, which are the system columns sfid, systemmodstamp and
 * isdeleted.
 */
export function mirrorColumns(model: ObjectModel): readonly MirrorColumn[] {
  const columns: MirrorColumn[] = [];
  for (const field of model.fields) {
    const column = field.name.toLowerCase();
    if (column in SYSTEM_FIELDS) continue;
    const type = columnTypeOf(field);
    if (type === null) continue;
    columns.push({ field, column, type });
  }
  return columns;
}

/** A value ready for COPY text or a query parameter. */
export type SqlValue = string | number | boolean | null;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)Z?$/;
// A zone is required: without one, Date.parse would read the host's local time.
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Converts a captured value of `field` (JSON, as capture normalized it) to the value its column
 * stores. Missing (undefined) and null are SQL NULL. A value that does not fit the type is a
 * RecordError naming the object, field and record.
 */
export function toColumnValue(
  field: FieldModel,
  value: FieldValue | undefined,
  where: { object: string; sfid: string },
): SqlValue {
  if (value === undefined || value === null) return null;
  const bad = (expected: string): RecordError =>
    new RecordError(
      `${where.object}.${field.name} of record ${where.sfid} is ${JSON.stringify(value)}, not ${expected}`,
      { code: 'FIELD_VALUE_INVALID', fields: [field.name] },
    );
  if (typeof value === 'object') throw bad(`a ${field.type} value`);
  const pgType = columnTypeOf(field);
  switch (pgType) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw bad('a boolean');
    case 'numeric':
    case 'integer':
    case 'bigint':
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) throw bad('a finite number');
        return value;
      }
      if (typeof value === 'string' && NUMBER.test(value)) return value;
      throw bad('a number');
    case 'date':
      if (typeof value === 'string' && DATE.test(value)) return value;
      throw bad('a date (YYYY-MM-DD)');
    case 'timestamp':
      return typeof value === 'string' ? utcTimestamp(value, bad) : fail(bad('an ISO-8601 datetime'));
    case 'time': {
      const match = typeof value === 'string' ? TIME.exec(value) : null;
      if (match?.[1]) return match[1];
      throw bad('a time (HH:mm:ss.sssZ)');
    }
    default:
      return typeof value === 'string' ? value : String(value);
  }
}

/** A `timestamp without time zone` literal holding the UTC wall-clock time of an ISO-8601 datetime. */
export function utcTimestamp(iso: string, bad?: (expected: string) => Error): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || !ISO_DATETIME.test(iso)) {
    throw bad ? bad('an ISO-8601 datetime') : new RangeError(`not an ISO-8601 datetime: ${iso}`);
  }
  // Date keeps milliseconds, which is all Salesforce datetimes carry.
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function fail(err: Error): never {
  throw err;
}
