/**
 * Turns a client's value for one field into the emulator's canonical form, or rejects it with
 * the status code and message Salesforce uses. Strings are trimmed and '' becomes null, as in
 * Salesforce; `text` inputs (CSV, SOAP) are parsed by field type.
 */
import { normalizeId } from '../../core/sfid.js';
import type { FieldDef, Value } from '../schema/types.js';
import { reject } from './save-error.js';
import type { InputFormat } from './types.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?Z?$/;

function notOfType(field: FieldDef, raw: unknown): never {
  reject('INVALID_TYPE_ON_FIELD_IN_RECORD', `${field.label}: value not of required type: ${String(raw)}`, [
    field.name,
  ]);
}

/** Returns the canonical value; `undefined` means "leave the field unchanged" (empty CSV cell). */
export function coerceValue(field: FieldDef, raw: unknown, format: InputFormat): Value | undefined {
  if (raw === undefined) return undefined;
  if (format === 'text') {
    if (raw === '') return undefined;
    if (raw === '#N/A') return null;
  }
  if (raw === null) return null;
  switch (field.type) {
    case 'boolean':
      return coerceBoolean(field, raw);
    case 'int':
    case 'long':
    case 'double':
    case 'currency':
    case 'percent':
      return coerceNumber(field, raw);
    case 'date':
      return coerceDate(field, raw);
    case 'datetime':
      return coerceDateTime(field, raw);
    case 'time':
      return coerceTime(field, raw);
    case 'id':
    case 'reference':
      return coerceReference(field, raw);
    default:
      return coerceString(field, raw);
  }
}

function coerceString(field: FieldDef, raw: unknown): Value {
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean')
    notOfType(field, JSON.stringify(raw));
  let s = String(raw).trim();
  if (s === '') return null;
  if (field.type === 'multipicklist') {
    s = s
      .split(';')
      .map((v) => v.trim())
      .filter((v) => v !== '')
      .join(';');
  }
  if (field.length > 0 && s.length > field.length) {
    reject(
      'STRING_TOO_LONG',
      `${field.label}: data value too large: ${s.slice(0, 80)} (max length=${field.length})`,
      [field.name],
    );
  }
  if (field.type === 'email' && !EMAIL.test(s)) {
    reject('INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${s}`, [field.name]);
  }
  if ((field.type === 'picklist' || field.type === 'multipicklist') && field.restrictedPicklist) {
    const allowed = new Set(field.picklistValues);
    for (const v of field.type === 'multipicklist' ? s.split(';') : [s]) {
      if (!allowed.has(v)) {
        reject(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${field.label}: bad value for restricted picklist field: ${v}`,
          [field.name],
        );
      }
    }
  }
  return s;
}

function coerceBoolean(field: FieldDef, raw: unknown): Value {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const s = raw.trim().toLowerCase();
    if (s === 'true' || s === '1' || s === 'yes') return true;
    if (s === 'false' || s === '0' || s === 'no' || s === '') return false;
  }
  if (typeof raw === 'number' && (raw === 0 || raw === 1)) return raw === 1;
  notOfType(field, raw);
}

function coerceNumber(field: FieldDef, raw: unknown): Value {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && raw.trim() !== '' && !Number.isNaN(Number(raw.trim())))
    n = Number(raw.trim());
  else notOfType(field, raw);
  if (!Number.isFinite(n)) notOfType(field, raw);
  if ((field.type === 'int' || field.type === 'long') && !Number.isInteger(n)) notOfType(field, raw);
  const intDigits =
    field.type === 'int' || field.type === 'long' ? field.digits : field.precision - field.scale;
  if (intDigits > 0 && Math.abs(Math.trunc(n)) >= 10 ** intDigits) {
    reject('NUMBER_OUTSIDE_VALID_RANGE', `${field.label}: number outside valid range: ${String(raw)}`, [
      field.name,
    ]);
  }
  // Salesforce rounds to the field's scale on save.
  if (field.type !== 'int' && field.type !== 'long' && field.scale >= 0 && field.precision > 0) {
    const f = 10 ** field.scale;
    n = Math.round(n * f) / f;
  }
  return n;
}

function coerceDate(field: FieldDef, raw: unknown): Value {
  if (typeof raw !== 'string') notOfType(field, raw);
  const s = raw.trim();
  const m = DATE.exec(s) ?? DATE.exec(s.slice(0, 10));
  if (!m || (s.length > 10 && !DATETIME.test(s))) notOfType(field, raw);
  const d = new Date(`${m[0]}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== m[0]) notOfType(field, raw);
  return m[0];
}

function coerceDateTime(field: FieldDef, raw: unknown): Value {
  if (typeof raw !== 'string') notOfType(field, raw);
  const s = raw.trim();
  const m = DATETIME.exec(s);
  if (!m) {
    if (DATE.test(s)) return new Date(`${s}T00:00:00Z`).toISOString();
    notOfType(field, raw);
  }
  let zone = m[6] ?? 'Z';
  if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = (m[5] ?? '0').padEnd(3, '0').slice(0, 3);
  const d = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}.${ms}${zone}`);
  if (Number.isNaN(d.getTime())) notOfType(field, raw);
  return d.toISOString();
}

function coerceTime(field: FieldDef, raw: unknown): Value {
  if (typeof raw !== 'string') notOfType(field, raw);
  const m = TIME.exec(raw.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) notOfType(field, raw);
  return `${m[1]}:${m[2]}:${m[3] ?? '00'}.${(m[4] ?? '0').padEnd(3, '0')}Z`;
}

function coerceReference(field: FieldDef, raw: unknown): Value {
  if (typeof raw !== 'string') notOfType(field, raw);
  const s = raw.trim();
  if (s === '') return null;
  const id = normalizeId(s);
  if (!id) reject('MALFORMED_ID', `${field.label}: id value of incorrect type: ${s}`, [field.name]);
  return id;
}
