/**
 * Filter values checked against the field they are compared with and brought to the field's
 * canonical value form (ids to 18 characters, datetimes to UTC `...SSSZ`), with Salesforce's errors
 * for literals of the wrong type.
 */
import { normalizeId } from '../../core/sfid.js';
import type { FieldDef } from '../schema/types.js';
import type { Literal, RelativeDate } from './ast.js';
import { filterTypeName, type FieldKind } from './field-kind.js';
import { illegalEscape } from './lexer.js';
import { queryError } from './query-error.js';

export type Operand =
  | { readonly kind: 'null' }
  | { readonly kind: 'value'; readonly value: string | number | boolean }
  | { readonly kind: 'range'; readonly literal: RelativeDate };

const NULL: Operand = { kind: 'null' };

/** For `=`, `<`..., IN, INCLUDES (not LIKE, which reads its pattern itself). */
export function operandFor(soql: string, field: FieldDef, kind: FieldKind, literal: Literal): Operand {
  if (literal.kind === 'null') return NULL;
  if (literal.kind === 'string' && literal.likeOnlyAt !== null) {
    throw illegalEscape(soql, literal.pos, literal.likeOnlyAt);
  }
  switch (kind) {
    case 'text':
    case 'multi':
      if (literal.kind === 'string') return { kind: 'value', value: literal.value };
      break;
    case 'id':
      if (literal.kind === 'string') {
        if (literal.value === '') return NULL;
        const id = normalizeId(literal.value);
        if (id === undefined) {
          throw queryError(
            'INVALID_QUERY_FILTER_OPERATOR',
            soql,
            literal.pos,
            `invalid ID field: ${literal.value}`,
          );
        }
        return { kind: 'value', value: id };
      }
      break;
    case 'number':
      if (literal.kind === 'number') return { kind: 'value', value: literal.value };
      break;
    case 'boolean':
      if (literal.kind === 'boolean') return { kind: 'value', value: literal.value };
      break;
    case 'date':
      if (literal.kind === 'date') return { kind: 'value', value: literal.value };
      if (literal.kind === 'relativeDate') return { kind: 'range', literal };
      break;
    case 'datetime':
      if (literal.kind === 'datetime') return { kind: 'value', value: literal.value };
      if (literal.kind === 'relativeDate') return { kind: 'range', literal };
      break;
    case 'time':
      if (literal.kind === 'time') return { kind: 'value', value: literal.value };
      break;
    case 'compound':
    case 'binary':
      break;
  }
  throw wrongType(soql, field, kind, literal.pos);
}

export function wrongType(soql: string, field: FieldDef, kind: FieldKind, pos: number): Error {
  const quoted = kind === 'text' || kind === 'multi' || kind === 'id';
  return queryError(
    'INVALID_FIELD',
    soql,
    pos,
    `value of filter criterion for field '${field.name}' must be of type ${filterTypeName(field)} and should ${
      quoted ? '' : 'not '
    }be enclosed in quotes`,
  );
}
