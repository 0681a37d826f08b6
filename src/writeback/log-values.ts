/**
 * Trigger-log `values` (lower-case column → mirror value, as capture wrote them into jsonb) → the
 * field values Salesforce's JSON takes (API names in describe casing). Pure; no I/O.
 *
 * - Column = lower-case field name (Heroku Connect's naming); columns that are no field of the
 *   object (a column an application added to the mirror table) are not sent.
 * - `<lookup>__r__<extidfield>` (`accountid__r__ferry_id__c`) → `{ "Account": { "Ferry_Id__c": v } }`
 *   under the lookup's relationshipName: Salesforce resolves the parent by its external id, so a
 *   child can be inserted in the same plan as its parent. A null there sends nothing (the plain
 *   lookup column, if set, says which parent); a value replaces the plain lookup column's value.
 *   Ferry makes these columns for the configured external id (src/materialize/relationship-columns.ts),
 *   shortened with a hash past Postgres's 63 bytes; such a name cannot be split at `__r__`, so it is
 *   recognised by recomputing it for each lookup.
 * - Types: numbers as JSON numbers with every digit (a value of more than 15 significant digits, which
 *   a double would round, arrives here as its decimal text — log-reader.ts exactValues — and goes out
 *   as that text in the number token: ExactNumber), booleans, dates `YYYY-MM-DD`, datetimes ISO-8601 with `Z` (mirror
 *   `timestamp` columns hold UTC wall-clock time), times `HH:mm:ss.SSSZ`, null clears the field.
 * - Fields Salesforce would refuse to write are reported, not dropped: a non-null value of a
 *   non-createable field on insert, any value of a non-updateable field on update (Salesforce's
 *   code INVALID_FIELD_FOR_INSERT_UPDATE). On insert a null of such a field is only "not set"
 *   (capture logs every column of an inserted row), so it is skipped.
 */
import type { FieldModel, ObjectModel } from '../core/sobject-model.js';
import { SYSTEM_FIELDS } from '../core/type-map.js';
import { RELATIONSHIP_SEPARATOR, relationshipColumnName } from '../materialize/relationship-columns.js';
import { ExactNumber, significantDigitsOf } from '../salesforce/http/exact-json.js';
import type { WriteOp } from './write-plan.js';

/** Salesforce's status code for a field that may not be written in this operation. */
export const FIELD_NOT_WRITABLE = 'INVALID_FIELD_FOR_INSERT_UPDATE';

export interface FieldsResult {
  readonly fields: Record<string, unknown>;
  /** API names of fields the operation may not write (see above). */
  readonly notWritable: readonly string[];
}

/** A field's model by mirror column, and reference fields by their lower-case name. */
export interface ColumnIndex {
  readonly model: ObjectModel;
  readonly byColumn: ReadonlyMap<string, FieldModel>;
}

const indexes = new WeakMap<ObjectModel, ColumnIndex>();

export function columnIndex(model: ObjectModel): ColumnIndex {
  let index = indexes.get(model);
  if (!index) {
    const byColumn = new Map<string, FieldModel>();
    for (const f of model.fields) {
      const column = f.name.toLowerCase();
      if (!(column in SYSTEM_FIELDS)) byColumn.set(column, f);
    }
    index = { model, byColumn };
    indexes.set(model, index);
  }
  return index;
}

/** Where to find parents' models (by mirror table = lower-case object name) for field casing. */
export type ModelLookup = (objectName: string) => ObjectModel | undefined;

const shortened = new WeakMap<ObjectModel, Map<string, ReadonlyMap<string, FieldModel>>>();

/** Relationship columns of `externalIdField` whose names were shortened (fitName), by column. */
function shortenedColumns(model: ObjectModel, externalIdField: string): ReadonlyMap<string, FieldModel> {
  let byField = shortened.get(model);
  if (!byField) shortened.set(model, (byField = new Map<string, ReadonlyMap<string, FieldModel>>()));
  const key = externalIdField.toLowerCase();
  let out = byField.get(key);
  if (!out) {
    const map = new Map<string, FieldModel>();
    for (const f of model.fields) {
      if (f.type !== 'reference') continue;
      const column = relationshipColumnName(f.name, key);
      if (column !== `${f.name.toLowerCase()}${RELATIONSHIP_SEPARATOR}${key}`) map.set(column, f);
    }
    byField.set(key, (out = map));
  }
  return out;
}

/** The lookup and the parent's external-id column a relationship column names, or undefined. */
function relationshipOf(
  model: ObjectModel,
  byColumn: ReadonlyMap<string, FieldModel>,
  column: string,
  externalIdField: string | undefined,
): { lookup: FieldModel; extColumn: string } | undefined {
  if (externalIdField !== undefined) {
    const short = shortenedColumns(model, externalIdField).get(column);
    if (short) return { lookup: short, extColumn: externalIdField.toLowerCase() };
  }
  const sep = column.indexOf(RELATIONSHIP_SEPARATOR);
  if (sep <= 0) return undefined; // not a field of the object: a column of the application's own
  const lookup = byColumn.get(column.slice(0, sep));
  if (!lookup || lookup.type !== 'reference' || !lookup.relationshipName) return undefined;
  return { lookup, extColumn: column.slice(sep + RELATIONSHIP_SEPARATOR.length) };
}

/**
 * `values` of one log row (or several folded, last value per column winning) → Salesforce fields.
 * `op` decides which fields are writable (insert: createable; update: updateable). `externalIdField`
 * (the configured one, e.g. `Ferry_Id__c`) names the parents' external id of Ferry's own relationship
 * columns: shortened names are recognised, and its casing is used for parents `lookup` does not know.
 */
export function toSalesforceFields(
  model: ObjectModel,
  values: Readonly<Record<string, unknown>>,
  op: Exclude<WriteOp, 'delete'>,
  lookup: ModelLookup,
  externalIdField?: string,
): FieldsResult {
  const { byColumn } = columnIndex(model);
  const fields: Record<string, unknown> = {};
  const notWritable: string[] = [];
  const relationships: Array<[FieldModel, string, unknown]> = [];
  for (const [column, value] of Object.entries(values)) {
    const field = byColumn.get(column);
    if (field) {
      if (op === 'insert' ? !field.createable : !field.updateable) {
        if (op === 'update' || (value !== null && value !== undefined)) notWritable.push(field.name);
        continue;
      }
      // An insert leaves unset fields out rather than sending null: Salesforce applies its defaults
      // (OwnerId...), and a resend that lands on the record as an upsert cannot clear required fields.
      if (op === 'insert' && (value === null || value === undefined)) continue;
      fields[field.name] = toSalesforceValue(field, value);
      continue;
    }
    const rel = relationshipOf(model, byColumn, column, externalIdField);
    if (rel) relationships.push([rel.lookup, rel.extColumn, value]);
  }
  for (const [lookupField, extColumn, value] of relationships) {
    if (value === null || value === undefined || value === '') continue;
    if (op === 'insert' ? !lookupField.createable : !lookupField.updateable) {
      notWritable.push(lookupField.name);
      continue;
    }
    const parent = lookupField.referenceTo[0];
    const parentModel = parent === undefined ? undefined : lookup(parent);
    const extField =
      parentModel?.fields.find((f) => f.name.toLowerCase() === extColumn)?.name ??
      (externalIdField?.toLowerCase() === extColumn ? externalIdField : extColumn);
    // The relationship replaces the plain lookup value: Salesforce refuses both in one record.
    delete fields[lookupField.name];
    fields[lookupField.relationshipName!] = { [extField]: externalIdText(value) };
  }
  return { fields, notWritable };
}

/** External ids are text in Salesforce; capture may hand over a number for a numeric column. */
function externalIdText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value);
}

const DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** One mirror value (as capture put it in jsonb) → Salesforce's JSON for the field's type. */
export function toSalesforceValue(field: FieldModel, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'boolean':
      return typeof value === 'string' ? value === 'true' || value === 't' : Boolean(value);
    case 'int':
    case 'long':
    case 'double':
    case 'currency':
    case 'percent':
      return toJsonNumber(value);
    case 'date':
      return typeof value === 'string' ? value.slice(0, 10) : value;
    case 'datetime':
      return typeof value === 'string' ? isoUtc(value) : value;
    case 'time': {
      if (typeof value !== 'string') return value;
      const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?/.exec(value);
      if (!m) return value;
      const ms = (m[4] ?? '').padEnd(3, '0').slice(0, 3);
      return `${m[1]}:${m[2]}:${m[3] ?? '00'}.${ms}Z`;
    }
    default:
      return value;
  }
}

/** Digits a double holds exactly: up to this many, a number may travel as a JS number. */
const DOUBLE_DIGITS = 15;

/**
 * A number column's value → a JSON number. Numbers of up to 15 significant digits are JS numbers
 * (exact in a double); longer ones come as decimal text and stay text inside an ExactNumber, written
 * as the number token with every digit. Any other numeric text (`+5`, ` 7 `) is converted as before.
 */
function toJsonNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (ExactNumber.isToken(text)) {
    return significantDigitsOf(text) > DOUBLE_DIGITS ? new ExactNumber(text) : Number(text);
  }
  return text !== '' && Number.isFinite(Number(text)) ? Number(text) : value;
}

/** A `timestamp` (UTC wall-clock, no zone) or zoned ISO text → `YYYY-MM-DDTHH:mm:ss.SSSZ`. */
export function isoUtc(text: string): string {
  const m = DATETIME.exec(text.trim());
  if (!m) return text;
  const zone = m[3] ?? 'Z';
  const ms = Date.parse(`${m[1]}T${m[2]}${zone === 'Z' ? 'Z' : zone}`);
  return Number.isNaN(ms) ? text : new Date(ms).toISOString();
}

/** Folds `values` of several log rows of one record: last value per column wins. */
export function foldValues(
  rows: readonly (Readonly<Record<string, unknown>> | null)[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const values of rows) if (values) Object.assign(out, values);
  return out;
}
