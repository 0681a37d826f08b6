/**
 * Seed records generated on demand from their position, so an org of a million Accounts costs no
 * memory until a record is changed (changed records move into the record table's overlay).
 */
import type { Row, Value } from '../schema/types.js';

export type FieldFn = (i: number) => Value;

export interface BaseData {
  /** Records 1..count. */
  readonly count: number;
  /** Record i with lazily computed fields (cheap to create; renderers read fields by literal name). */
  row(i: number): Row;
  /** SystemModstamp of record i; non-decreasing in i, so polls can binary-search their start. */
  modstamp(i: number): string;
  /** Record counters whose `field` points at parent counter `parent` (contiguous by construction). */
  childRange?(field: string, parent: number): readonly [from: number, to: number] | undefined;
  /** Counter of the record whose unique field equals value (exact), if the generator can invert it. */
  findUnique?(field: string, value: string): number | undefined;
}

/** Marks a lazy row so the table can find its position without parsing its id. */
export const POSITION = '$position';

/**
 * Builds a row class whose fields are prototype getters: reading `row.Name` computes it from the
 * position. Cheap to create; a filter touching two fields computes two values.
 */
export function lazyRowFactory(fields: Readonly<Record<string, FieldFn>>): (i: number) => Row {
  class LazyRow {
    [POSITION]: number;
    constructor(i: number) {
      this[POSITION] = i;
    }
  }
  for (const [name, fn] of Object.entries(fields)) {
    Object.defineProperty(LazyRow.prototype, name, {
      enumerable: true,
      get(this: LazyRow) {
        return fn(this[POSITION]);
      },
    });
  }
  return (i) => new LazyRow(i) as unknown as Row;
}

/** Copies a lazy row's fields into a plain object (before it is changed). */
export function materialize(row: Row, fieldNames: readonly string[]): Row {
  const out: Row = {};
  for (const name of fieldNames) {
    const v = row[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Deterministic 32-bit hash of (i, salt): the generator's only source of variety. */
export function mix(i: number, salt: number): number {
  let h = Math.imul(i ^ Math.imul(salt, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function pick<T>(list: readonly T[], i: number, salt: number): T {
  return list[mix(i, salt) % list.length]!;
}
