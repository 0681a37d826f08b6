/**
 * ORDER BY → comparator. Salesforce defaults: ASC puts nulls first, DESC puts them last. Text sorts
 * ignoring case; ids, dates, datetimes and times in their canonical (byte) order; numbers numerically.
 */
import type { Row, Value } from '../schema/types.js';
import { compileAccessor, type Accessor } from './access.js';
import type { OrderItem } from './ast.js';
import { compareExact, compareIgnoreCase } from './collate.js';
import { fieldKind, type FieldKind } from './field-kind.js';
import { queryError } from './query-error.js';
import type { NameResolver } from './resolve.js';
import type { EvalContext } from './types.js';

export type Comparator = (a: Row, b: Row, ctx: EvalContext) => number;

interface Key {
  readonly get: Accessor;
  readonly cmp: (a: Value, b: Value) => number;
  /** -1 for DESC, 1 for ASC. */
  readonly sign: number;
  /** Nulls sort before values (NULLS FIRST); not flipped by DESC. */
  readonly nullFirst: boolean;
}

/** null when the store's natural order (by Id, ascending) already satisfies the ORDER BY. */
export function compileOrderBy(
  items: readonly OrderItem[],
  soql: string,
  names: NameResolver,
): Comparator | null {
  if (items.length === 0) return null;
  const keys: Key[] = items.map((item) => {
    const path = names.resolve(item.field);
    const field = path.column.field;
    const kind = fieldKind(field);
    if (!field.sortable || kind === 'compound' || kind === 'binary') {
      throw queryError(
        'INVALID_FIELD',
        soql,
        item.field.pos,
        `field '${field.name}' can not be sorted in a query call`,
      );
    }
    return {
      get: compileAccessor(path),
      cmp: valueComparator(kind),
      sign: item.descending ? -1 : 1,
      nullFirst: item.nullsFirst ?? !item.descending,
    };
  });
  const first = items[0]!;
  const firstPath = names.resolve(first.field);
  if (
    items.length === 1 &&
    !first.descending &&
    firstPath.column.relationships.length === 0 &&
    firstPath.column.field.type === 'id'
  ) {
    return null;
  }
  if (keys.length === 1) {
    const { get, cmp, sign, nullFirst } = keys[0]!;
    return (a, b, ctx) => {
      const x = get(a, ctx);
      const y = get(b, ctx);
      if (x === null || y === null) return nullOrder(x, y, nullFirst);
      return sign * cmp(x, y);
    };
  }
  return (a, b, ctx) => {
    for (const { get, cmp, sign, nullFirst } of keys) {
      const x = get(a, ctx);
      const y = get(b, ctx);
      const c = x === null || y === null ? nullOrder(x, y, nullFirst) : sign * cmp(x, y);
      if (c !== 0) return c;
    }
    return 0;
  };
}

function nullOrder(x: Value, y: Value, nullFirst: boolean): number {
  if (x === y) return 0;
  return (x === null) === nullFirst ? -1 : 1;
}

function valueComparator(kind: FieldKind): (a: Value, b: Value) => number {
  switch (kind) {
    case 'text':
    case 'multi':
      return (a, b) => compareIgnoreCase(a as string, b as string);
    case 'number':
      return (a, b) => (a as number) - (b as number);
    case 'boolean':
      return (a, b) => Number(a) - Number(b);
    default:
      return (a, b) => compareExact(a as string, b as string);
  }
}
