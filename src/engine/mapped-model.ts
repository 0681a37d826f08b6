import type { ObjectMapping } from '../config/object-mapping.js';
import type { ObjectModel } from '../core/sobject-model.js';

/** Fields every mirror carries whatever the mapping lists. */
const SYSTEM_FIELDS = new Set(['id', 'systemmodstamp', 'isdeleted']);

/**
 * The object as the mapping sees it: `fields: all` keeps every described field (so fields added in
 * the org later are followed), a list keeps those fields plus Id, SystemModstamp and IsDeleted.
 * Compound fields (address, location) are dropped — their components are fields of their own — and
 * base64 fields, which capture does not read.
 */
export function mappedModel(model: ObjectModel, mapping: ObjectMapping): ObjectModel {
  const wanted = mapping.fields === 'all' ? undefined : new Set(mapping.fields.map((f) => f.toLowerCase()));
  const fields = model.fields.filter((f) => {
    if (f.type === 'address' || f.type === 'location' || f.type === 'base64') return false;
    const key = f.name.toLowerCase();
    return wanted === undefined || SYSTEM_FIELDS.has(key) || wanted.has(key);
  });
  return Object.freeze({ ...model, fields: Object.freeze(fields) });
}

/** Whether the mapped model has formula (calculated) fields that a formula refresh would re-read. */
export function hasFormulaFields(model: ObjectModel): boolean {
  return model.fields.some((f) => f.calculated);
}
