/**
 * Salesforce values → Ferry's FieldValue, by describe type. REST JSON (typed values, datetimes as
 * `...sss+0000`) and Bulk 2.0 CSV (text cells, empty = null) normalize to the same thing, so a record
 * read either way yields the same CapturedRecord:
 *
 * numbers (int, long, double, currency, percent) → number (exact decimal text beyond 15 significant
 * digits) · boolean → true/false · datetime →
 * `YYYY-MM-DDTHH:mm:ss.sssZ` · date → `YYYY-MM-DD` · time kept as sent · everything else → string ·
 * empty string → null (Salesforce stores empty strings as null; CSV cannot tell them apart).
 */
import type { CapturedRecord, FieldValue } from '../core/change-batch.js';
import type { FieldModel } from '../core/sobject-model.js';
import { shapeBuilder, type ShapeBuilder } from '../core/record-shape.js';
import { RecordError } from '../errors/index.js';
import type { FieldSelection } from './fields.js';

const NUMBER_TYPES = new Set(['int', 'long', 'double', 'currency', 'percent']);
const DATE = /^(\d{4}-\d{2}-\d{2})/;
// `+0000` (REST) → `+00:00`, which every ISO parser accepts.
const COMPACT_OFFSET = /([+-]\d{2})(\d{2})$/;

/** A raw row: REST record (JSON values) or Bulk CSV row (text or null). */
export type RawRow = Readonly<Record<string, unknown>>;

class BadValue extends Error {}

// Already Ferry's form (Bulk 2.0 CSV sends datetimes this way): kept without a Date round trip.
const CANONICAL_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** `2024-05-01T10:00:00.000+0000` / `...Z` / `...+01:00` → `2024-05-01T09:00:00.000Z`. */
export function normalizeDatetime(value: string): string {
  if (CANONICAL_DATETIME.test(value)) return value;
  const ms = Date.parse(value.replace(COMPACT_OFFSET, '$1:$2'));
  if (Number.isNaN(ms)) throw new BadValue(`not a datetime: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

// A plain decimal (no exponent): sign, integer digits, fraction digits.
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** `+007.50` → `7.5`; null for anything that is not a plain decimal (exponent forms). */
function canonicalDecimal(text: string): string | null {
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const int = (m[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const body = frac === '' ? int : `${int}.${frac}`;
  return m[1] === '-' && body.replace(/[0.]/g, '') !== '' ? `-${body}` : body;
}

/**
 * A number, or — when a JS number would change it (more than 15 significant digits, as Salesforce's
 * 18-digit numbers can have) — its exact decimal text. REST and Bulk give the same result for the
 * same value: REST's long numbers arrive as strings too (src/salesforce/http/exact-json.ts).
 */
function toNumber(value: unknown): number | string {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (Number.isFinite(n)) {
      // At most 15 characters hold at most 15 digits, which a double keeps exactly: the common case
      // skips the canonical-text comparison.
      if (value.length <= 15) return n;
      const exact = canonicalDecimal(value.trim());
      return exact !== null && exact !== String(n) ? exact : n;
    }
  }
  throw new BadValue(`not a number: ${JSON.stringify(value)}`);
}

function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new BadValue(`not a boolean: ${JSON.stringify(value)}`);
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

type Convert = (value: unknown) => FieldValue;

function converterOf(field: FieldModel): Convert {
  if (NUMBER_TYPES.has(field.type)) return toNumber;
  switch (field.type) {
    case 'boolean':
      return toBoolean;
    case 'datetime':
      return (value) => normalizeDatetime(toText(value));
    case 'date':
      return (value) => {
        const m = DATE.exec(toText(value));
        if (!m?.[1]) throw new BadValue(`not a date: ${JSON.stringify(value)}`);
        return m[1];
      };
    default:
      return toText;
  }
}

/** One value of `field` as Ferry stores it. Throws RecordError for a value that does not fit. */
export function normalizeValue(field: FieldModel, value: unknown, sfid = '?'): FieldValue {
  return convertValue(field, converterOf(field), value, sfid);
}

function convertValue(field: FieldModel, convert: Convert, value: unknown, sfid: string): FieldValue {
  if (value === null || value === undefined || value === '') return null;
  try {
    return convert(value);
  } catch (err) {
    if (!(err instanceof BadValue)) throw err;
    throw new RecordError(`${field.name} of record ${sfid} is ${err.message} (type ${field.type})`, {
      code: 'FIELD_VALUE_INVALID',
      fields: [field.name],
      cause: err,
    });
  }
}

interface Compiled {
  /** Per data field, chosen once rather than by a type switch per value. */
  readonly converters: readonly Convert[];
  /** The fields object, built with one hidden class (src/core/record-shape.ts). */
  readonly build: ShapeBuilder<FieldValue>;
}
const compiled = new WeakMap<FieldSelection, Compiled>();

function compiledFor(selection: FieldSelection): Compiled {
  let c = compiled.get(selection);
  if (c === undefined) {
    c = {
      converters: selection.dataFields.map(converterOf),
      build: shapeBuilder<FieldValue>(selection.dataFields.map((f) => f.name)),
    };
    compiled.set(selection, c);
  }
  return c;
}

/** A raw row as a CapturedRecord carrying the selection's data fields. */
export function toCapturedRecord(row: RawRow, selection: FieldSelection): CapturedRecord {
  const sfid = row['Id'];
  const stamp = row['SystemModstamp'];
  if (typeof sfid !== 'string' || sfid === '' || typeof stamp !== 'string' || stamp === '') {
    throw new RecordError(`a ${selection.object} row has no Id or SystemModstamp`, {
      code: 'ROW_INVALID',
      fields: ['Id', 'SystemModstamp'],
    });
  }
  const { converters, build } = compiledFor(selection);
  const dataFields = selection.dataFields;
  const values = new Array<FieldValue>(dataFields.length);
  for (let i = 0; i < dataFields.length; i++) {
    const f = dataFields[i] as FieldModel;
    values[i] = convertValue(f, converters[i] as Convert, row[f.name], sfid);
  }
  const fields = build(values);
  const deleted = row['IsDeleted'];
  let systemModstamp: string;
  try {
    systemModstamp = normalizeDatetime(stamp);
  } catch (err) {
    throw new RecordError(`SystemModstamp of ${selection.object} ${sfid} is not a datetime: ${stamp}`, {
      code: 'FIELD_VALUE_INVALID',
      fields: ['SystemModstamp'],
      cause: err,
    });
  }
  return {
    sfid,
    systemModstamp,
    isDeleted: deleted === true || deleted === 'true',
    fields,
  };
}
