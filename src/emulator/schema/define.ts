/**
 * Builders that turn short object/field specs into complete definitions: every describe property
 * gets Salesforce's value for that kind of field, so specs only state what differs.
 */
import type { FieldDef, FieldType, ObjectDef, Value } from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type FieldSpec = Partial<Mutable<Omit<FieldDef, 'name' | 'type'>>> & { name: string; type: FieldType };

const STRINGISH = new Set<FieldType>([
  'string',
  'textarea',
  'email',
  'phone',
  'url',
  'picklist',
  'multipicklist',
  'combobox',
  'encryptedstring',
]);
const DEFAULT_LENGTH: Partial<Record<FieldType, number>> = {
  string: 255,
  textarea: 32768,
  email: 80,
  phone: 40,
  url: 255,
  picklist: 255,
  multipicklist: 4099,
  combobox: 255,
  encryptedstring: 175,
  id: 18,
  reference: 18,
};

function labelOf(name: string): string {
  return name
    .replace(/__c$/, '')
    .replace(/Id$/, ' ID')
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim();
}

export function defineField(spec: FieldSpec): FieldDef {
  const { type } = spec;
  const calculated = spec.calculated ?? spec.formula != null;
  const system = spec.createable === false && spec.updateable === false;
  const compound = type === 'address' || type === 'location';
  const custom = spec.custom ?? spec.name.endsWith('__c');
  const writable = !calculated && !compound && !(spec.autoNumber ?? false) && type !== 'id';
  const defaultValue: Value = spec.defaultValue ?? null;
  return {
    name: spec.name,
    label: spec.label ?? labelOf(spec.name),
    type,
    length: spec.length ?? DEFAULT_LENGTH[type] ?? 0,
    precision:
      spec.precision ?? (type === 'currency' ? 18 : type === 'double' || type === 'percent' ? 18 : 0),
    scale: spec.scale ?? (type === 'currency' ? 2 : type === 'double' || type === 'percent' ? 2 : 0),
    digits: spec.digits ?? (type === 'int' ? 9 : type === 'long' ? 18 : 0),
    // Booleans are never nillable in Salesforce; calculated fields always are.
    nillable: spec.nillable ?? (type === 'boolean' ? false : true),
    createable: spec.createable ?? writable,
    updateable: spec.updateable ?? writable,
    defaultedOnCreate: spec.defaultedOnCreate ?? (type === 'boolean' || defaultValue !== null || system),
    externalId: spec.externalId ?? false,
    idLookup: spec.idLookup ?? (type === 'id' || (spec.externalId ?? false)),
    unique: spec.unique ?? false,
    caseSensitive: spec.caseSensitive ?? false,
    calculated,
    formula: spec.formula ?? null,
    autoNumber: spec.autoNumber ?? false,
    referenceTo: spec.referenceTo ?? [],
    relationshipName: spec.relationshipName ?? null,
    cascadeDelete: spec.cascadeDelete ?? false,
    picklistValues: spec.picklistValues ?? [],
    restrictedPicklist: spec.restrictedPicklist ?? false,
    defaultValue,
    custom,
    nameField: spec.nameField ?? false,
    compoundFieldName: spec.compoundFieldName ?? null,
    components: spec.components ?? null,
    filterable: spec.filterable ?? (type !== 'textarea' && !compound),
    sortable: spec.sortable ?? (type !== 'textarea' && type !== 'multipicklist' && !compound),
    groupable:
      spec.groupable ??
      ((STRINGISH.has(type) ||
        type === 'boolean' ||
        type === 'date' ||
        type === 'reference' ||
        type === 'id') &&
        type !== 'textarea'),
  };
}

export interface ObjectSpec {
  name: string;
  keyPrefix: string;
  label?: string;
  labelPlural?: string;
  custom?: boolean;
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
  bulkQueryable?: boolean;
  /** Owned objects get OwnerId → User. */
  owned?: boolean;
  fields: readonly FieldSpec[];
}

const AUDIT: readonly FieldSpec[] = [
  { name: 'IsDeleted', type: 'boolean', createable: false, updateable: false, label: 'Deleted' },
  { name: 'CreatedDate', type: 'datetime', createable: false, updateable: false, nillable: false },
  {
    name: 'CreatedById',
    type: 'reference',
    referenceTo: ['User'],
    relationshipName: 'CreatedBy',
    createable: false,
    updateable: false,
    nillable: false,
  },
  { name: 'LastModifiedDate', type: 'datetime', createable: false, updateable: false, nillable: false },
  {
    name: 'LastModifiedById',
    type: 'reference',
    referenceTo: ['User'],
    relationshipName: 'LastModifiedBy',
    createable: false,
    updateable: false,
    nillable: false,
  },
  { name: 'SystemModstamp', type: 'datetime', createable: false, updateable: false, nillable: false },
];

/** Street/city/... components, the compound field that groups them, and optional geolocation. */
export function addressFields(prefix: string): FieldSpec[] {
  const parts = ['Street', 'City', 'State', 'PostalCode', 'Country', 'Latitude', 'Longitude'] as const;
  const compound = `${prefix}Address`;
  const specs: FieldSpec[] = parts.map((p) =>
    p === 'Latitude' || p === 'Longitude'
      ? { name: `${prefix}${p}`, type: 'double', precision: 18, scale: 15, compoundFieldName: compound }
      : {
          name: `${prefix}${p}`,
          type: p === 'Street' ? 'textarea' : 'string',
          length: p === 'Street' ? 255 : p === 'PostalCode' ? 20 : 80,
          compoundFieldName: compound,
        },
  );
  const components: Record<string, string> = {};
  for (const p of parts) components[p[0]!.toLowerCase() + p.slice(1)] = `${prefix}${p}`;
  specs.push({ name: compound, type: 'address', components, createable: false, updateable: false });
  return specs;
}

export function defineObject(spec: ObjectSpec): ObjectDef {
  const specs: FieldSpec[] = [
    { name: 'Id', type: 'id', nillable: false, createable: false, updateable: false, idLookup: true },
  ];
  if (spec.owned)
    specs.push({
      name: 'OwnerId',
      type: 'reference',
      referenceTo: ['User'],
      relationshipName: 'Owner',
      defaultedOnCreate: true,
      nillable: false,
    });
  specs.push(...spec.fields, ...AUDIT);
  const fields = specs.map(defineField);
  return buildObject(spec, fields);
}

/** (Re)builds an object's lookup indexes; used when a field is added or a formula changes. */
export function buildObject(spec: Omit<ObjectSpec, 'fields'>, fields: readonly FieldDef[]): ObjectDef {
  const custom = spec.custom ?? spec.name.endsWith('__c');
  const fieldIndex = new Map<string, FieldDef>();
  const relationshipIndex = new Map<string, FieldDef>();
  for (const f of fields) {
    fieldIndex.set(f.name.toLowerCase(), f);
    if (f.relationshipName) relationshipIndex.set(f.relationshipName.toLowerCase(), f);
  }
  const label = spec.label ?? labelOf(spec.name);
  return {
    name: spec.name,
    label,
    labelPlural: spec.labelPlural ?? `${label}s`,
    keyPrefix: spec.keyPrefix,
    custom,
    createable: spec.createable ?? true,
    updateable: spec.updateable ?? true,
    deletable: spec.deletable ?? true,
    queryable: true,
    replicateable: true,
    undeletable: spec.deletable ?? true,
    bulkQueryable: spec.bulkQueryable ?? true,
    fields,
    fieldIndex,
    relationshipIndex,
  };
}
