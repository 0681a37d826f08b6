/**
 * `GET /query?q=...&columns=true` (undocumented; `sf data query` calls it to lay out its table,
 * §2.4): one entry per select item, relationship paths folded into their relationship column
 * with `joinColumns`.
 */
import type { FieldDef, FieldType } from '../schema/types.js';
import type { CompiledQuery } from '../soql/types.js';

export interface ColumnMetadata {
  aggregate: boolean;
  apexType: string | null;
  booleanType: boolean;
  columnName: string;
  custom: boolean;
  displayName: string;
  foreignKeyName: string | null;
  insertable: boolean;
  joinColumns: ColumnMetadata[];
  numberType: boolean;
  textType: boolean;
  updatable: boolean;
}

const APEX_TYPES: Record<FieldType, string> = {
  id: 'Id',
  reference: 'Id',
  string: 'String',
  textarea: 'String',
  picklist: 'String',
  multipicklist: 'String',
  combobox: 'String',
  email: 'String',
  phone: 'String',
  url: 'String',
  encryptedstring: 'String',
  boolean: 'Boolean',
  int: 'Integer',
  long: 'Long',
  double: 'Double',
  currency: 'Decimal',
  percent: 'Double',
  date: 'Date',
  datetime: 'Datetime',
  time: 'Time',
  base64: 'Blob',
  address: 'Address',
  location: 'Location',
};

const NUMBER_TYPES = new Set<FieldType>(['int', 'long', 'double', 'currency', 'percent']);

function leaf(f: FieldDef): ColumnMetadata {
  const apexType = APEX_TYPES[f.type];
  return {
    aggregate: false,
    apexType,
    booleanType: f.type === 'boolean',
    columnName: f.name,
    custom: f.custom,
    displayName: f.name,
    foreignKeyName: null,
    insertable: f.createable,
    joinColumns: [],
    numberType: NUMBER_TYPES.has(f.type),
    textType: apexType === 'String',
    updatable: f.updateable,
  };
}

function relationshipColumn(ref: FieldDef): ColumnMetadata {
  const name = ref.relationshipName ?? ref.name;
  return {
    aggregate: false,
    apexType: null,
    booleanType: false,
    columnName: name,
    custom: ref.custom,
    displayName: name,
    foreignKeyName: ref.name,
    insertable: false,
    joinColumns: [],
    numberType: false,
    textType: false,
    updatable: false,
  };
}

export function columnMetadata(query: CompiledQuery): ColumnMetadata[] {
  const top: ColumnMetadata[] = [];
  for (const column of query.columns) {
    let level = top;
    for (const ref of column.relationships) {
      const name = ref.relationshipName ?? ref.name;
      let rel = level.find((c) => c.columnName === name && c.foreignKeyName === ref.name);
      if (!rel) {
        rel = relationshipColumn(ref);
        level.push(rel);
      }
      level = rel.joinColumns;
    }
    level.push(leaf(column.field));
  }
  return top;
}
