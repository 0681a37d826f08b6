/** How SOQL treats a field's values: which literals it accepts, how it compares, filters and sorts. */
import type { FieldDef, FieldType } from '../schema/types.js';

export type FieldKind =
  'id' | 'text' | 'multi' | 'number' | 'boolean' | 'date' | 'datetime' | 'time' | 'compound' | 'binary';

const KINDS: Readonly<Record<FieldType, FieldKind>> = {
  id: 'id',
  reference: 'id',
  string: 'text',
  textarea: 'text',
  picklist: 'text',
  combobox: 'text',
  email: 'text',
  phone: 'text',
  url: 'text',
  encryptedstring: 'text',
  multipicklist: 'multi',
  int: 'number',
  long: 'number',
  double: 'number',
  currency: 'number',
  percent: 'number',
  boolean: 'boolean',
  date: 'date',
  datetime: 'datetime',
  time: 'time',
  address: 'compound',
  location: 'compound',
  base64: 'binary',
};

export function fieldKind(field: FieldDef): FieldKind {
  return KINDS[field.type];
}

/** The type name Salesforce uses in "value of filter criterion ... must be of type X" messages. */
export function filterTypeName(field: FieldDef): string {
  switch (field.type) {
    case 'int':
      return 'int';
    case 'long':
      return 'long';
    case 'double':
    case 'currency':
    case 'percent':
      return 'double';
    case 'datetime':
      return 'dateTime';
    case 'id':
    case 'reference':
      return 'id';
    default:
      return KINDS[field.type] === 'text' || KINDS[field.type] === 'multi' ? 'string' : field.type;
  }
}
