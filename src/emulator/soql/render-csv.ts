/**
 * Bulk API 2.0 query CSV cells for one row (salesforce-wire.md §3.2, §6.3): text in select order;
 * null → '', datetimes in their canonical `...SSSZ` form, booleans `true`/`false`, numbers via
 * String(); a parent path gives the parent's field, '' when there is no parent. Quoting is the
 * writer's job. One closure per column, chosen by type when the query is compiled; the row's array
 * is built as a literal of the exact size for up to 8 columns.
 */
import type { FieldDef, ObjectDef, Row, Value } from '../schema/types.js';
import type { Accessor } from './access.js';
import { fieldKind } from './field-kind.js';
import type { EvalContext } from './types.js';

export type CsvRenderer = (row: Row, ctx: EvalContext) => string[];
type Cell = (row: Row, ctx: EvalContext) => string;

export interface CsvColumn {
  readonly field: FieldDef;
  /** Set for a field of the queried object itself: read with one ctx.value call, no path walk. */
  readonly owner: ObjectDef | null;
  readonly get: Accessor;
}

export function compileCsvRenderer(columns: readonly CsvColumn[]): CsvRenderer {
  const cells: Cell[] = columns.map(cell);
  const [a, b, c, d, e, f, g, h] = cells;
  switch (cells.length) {
    case 1:
      return (r, x) => [a!(r, x)];
    case 2:
      return (r, x) => [a!(r, x), b!(r, x)];
    case 3:
      return (r, x) => [a!(r, x), b!(r, x), c!(r, x)];
    case 4:
      return (r, x) => [a!(r, x), b!(r, x), c!(r, x), d!(r, x)];
    case 5:
      return (r, x) => [a!(r, x), b!(r, x), c!(r, x), d!(r, x), e!(r, x)];
    case 6:
      return (r, x) => [a!(r, x), b!(r, x), c!(r, x), d!(r, x), e!(r, x), f!(r, x)];
    case 7:
      return (r, x) => [a!(r, x), b!(r, x), c!(r, x), d!(r, x), e!(r, x), f!(r, x), g!(r, x)];
    case 8:
      return (r, x) => [a!(r, x), b!(r, x), c!(r, x), d!(r, x), e!(r, x), f!(r, x), g!(r, x), h!(r, x)];
  }
  const n = cells.length;
  return (row, ctx) => {
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = cells[i]!(row, ctx);
    return out;
  };
}

function cell({ field, owner, get }: CsvColumn): Cell {
  const format = formatter(field);
  if (owner !== null) return (row, ctx) => format(ctx.value(owner, row, field));
  return (row, ctx) => format(get(row, ctx));
}

function formatter(field: FieldDef): (v: Value) => string {
  switch (fieldKind(field)) {
    case 'boolean':
      return (v) => (v === true ? 'true' : v === false ? 'false' : text(v));
    case 'number':
      return (v) => (typeof v === 'number' ? String(v) : text(v));
    case 'compound':
      return (v) => (v === null ? '' : JSON.stringify(v));
    default:
      return (v) => (typeof v === 'string' ? v : text(v));
  }
}

function text(v: Value): string {
  if (v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
