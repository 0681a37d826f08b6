/**
 * Bulk API 2.0 query CSV cells for one row (salesforce-wire.md §3.2, §6.3): text in select order;
 * null → '', datetimes in their canonical `...SSSZ` form, booleans `true`/`false`, numbers via
 * String(); a parent path gives the parent's field, '' when there is no parent. Quoting is the
 * writer's job. One closure per column, chosen by type when the query is compiled.
 */
import type { FieldDef, Row, Value } from '../schema/types.js';
import type { Accessor } from './access.js';
import { fieldKind } from './field-kind.js';
import type { EvalContext } from './types.js';

export type CsvRenderer = (row: Row, ctx: EvalContext) => string[];
type Cell = (row: Row, ctx: EvalContext) => string;

export function compileCsvRenderer(columns: ReadonlyArray<{ field: FieldDef; get: Accessor }>): CsvRenderer {
  const cells: Cell[] = columns.map(({ field, get }) => cell(field, get));
  const n = cells.length;
  if (n === 1) {
    const c0 = cells[0]!;
    return (row, ctx) => [c0(row, ctx)];
  }
  return (row, ctx) => {
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = cells[i]!(row, ctx);
    return out;
  };
}

function cell(field: FieldDef, get: Accessor): Cell {
  switch (fieldKind(field)) {
    case 'boolean':
      return (row, ctx) => {
        const v = get(row, ctx);
        return v === true ? 'true' : v === false ? 'false' : text(v);
      };
    case 'number':
      return (row, ctx) => {
        const v = get(row, ctx);
        return typeof v === 'number' ? String(v) : text(v);
      };
    case 'compound':
      return (row, ctx) => {
        const v = get(row, ctx);
        return v === null ? '' : JSON.stringify(v);
      };
    default:
      return (row, ctx) => {
        const v = get(row, ctx);
        return typeof v === 'string' ? v : text(v);
      };
  }
}

function text(v: Value): string {
  if (v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
