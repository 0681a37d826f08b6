/**
 * Which fields a capture reads: the mapping's fields (all, or its list) minus compound
 * (address/location) and base64 fields, always plus Id, SystemModstamp and IsDeleted. A compound
 * field is read through its components, which describe lists as fields of their own.
 */
import type { FieldModel, ObjectModel } from '../core/sobject-model.js';
import type { ObjectMapping } from '../config/object-mapping.js';

/** Read by every capture query; they become `sfid`, `systemModstamp` and `isDeleted`, not `fields`. */
export const SYSTEM_FIELD_NAMES = ['Id', 'SystemModstamp', 'IsDeleted'] as const;

const SYSTEM = new Set(SYSTEM_FIELD_NAMES.map((n) => n.toLowerCase()));
const UNREADABLE_TYPES = new Set(['address', 'location', 'base64']);

export interface FieldSelection {
  /** Object API name (describe casing). */
  readonly object: string;
  /** Data fields carried in `CapturedRecord.fields` (describe casing, describe order). */
  readonly dataFields: readonly FieldModel[];
  /** The SELECT list: Id, SystemModstamp, IsDeleted, then the data fields. */
  readonly soqlFields: readonly string[];
  /** Names the mapping lists that the describe does not have (schema drift): skipped. */
  readonly missing: readonly string[];
}

function readable(f: FieldModel): boolean {
  return !UNREADABLE_TYPES.has(f.type) && !SYSTEM.has(f.name.toLowerCase());
}

function selection(model: ObjectModel, dataFields: readonly FieldModel[], missing: string[]): FieldSelection {
  return Object.freeze({
    object: model.name,
    dataFields: Object.freeze([...dataFields]),
    soqlFields: Object.freeze([...SYSTEM_FIELD_NAMES, ...dataFields.map((f) => f.name)]),
    missing: Object.freeze(missing),
  });
}

/** The fields a full read (initial load, poll) selects. */
export function selectFields(model: ObjectModel, mapping: ObjectMapping): FieldSelection {
  if (mapping.fields === 'all') return selection(model, model.fields.filter(readable), []);
  const wanted = new Set(mapping.fields.map((n) => n.toLowerCase()));
  const known = new Set(model.fields.map((f) => f.name.toLowerCase()));
  const missing = mapping.fields.filter((n) => !known.has(n.toLowerCase()));
  return selection(
    model,
    model.fields.filter((f) => wanted.has(f.name.toLowerCase()) && readable(f)),
    missing,
  );
}

/** The mapped formula (calculated) fields only, or null when there are none. */
export function selectFormulaFields(model: ObjectModel, mapping: ObjectMapping): FieldSelection | null {
  const all = selectFields(model, mapping);
  const formulas = all.dataFields.filter((f) => f.calculated);
  return formulas.length === 0 ? null : selection(model, formulas, [...all.missing]);
}

/** Just the Id (reconciliation). */
export function selectIdOnly(model: ObjectModel): FieldSelection {
  return Object.freeze({
    object: model.name,
    dataFields: Object.freeze([]),
    soqlFields: Object.freeze(['Id']),
    missing: Object.freeze([]),
  });
}
