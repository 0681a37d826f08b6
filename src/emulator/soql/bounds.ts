/**
 * Lower bounds the store can seek to before evaluating WHERE: the tightest of the top-level AND
 * conjuncts `Id > x` / `Id >= x` (ids normalised to 18 characters) and `SystemModstamp > t` / `>= t`
 * (canonical UTC). They stay part of `where`; using them is only an optimisation.
 */
import { normalizeId } from '../../core/sfid.js';
import type { Condition } from './ast.js';
import type { NameResolver } from './resolve.js';
import type { LowerBound } from './types.js';

export interface LowerBounds {
  readonly idLowerBound: LowerBound | null;
  readonly systemModstampLowerBound: LowerBound | null;
}

/** `where` must already have compiled (names and literals are known to be valid). */
export function lowerBounds(where: Condition | null, names: NameResolver): LowerBounds {
  let id: LowerBound | null = null;
  let stamp: LowerBound | null = null;
  for (const c of conjuncts(where)) {
    if (c.kind !== 'compare' || (c.op !== '>' && c.op !== '>=')) continue;
    const { column } = names.resolve(c.field);
    if (column.relationships.length > 0) continue;
    const inclusive = c.op === '>=';
    if (column.field.type === 'id' && c.value.kind === 'string') {
      const value = normalizeId(c.value.value);
      if (value !== undefined) id = tighter(id, { value, inclusive });
    } else if (column.field.name === 'SystemModstamp' && c.value.kind === 'datetime') {
      stamp = tighter(stamp, { value: c.value.value, inclusive });
    }
  }
  return { idLowerBound: id, systemModstampLowerBound: stamp };
}

function conjuncts(c: Condition | null): Condition[] {
  if (c === null) return [];
  if (c.kind === 'and') return c.items.flatMap(conjuncts);
  return [c];
}

function tighter(a: LowerBound | null, b: LowerBound): LowerBound {
  if (a === null || b.value > a.value) return b;
  if (b.value === a.value && !b.inclusive) return b;
  return a;
}
