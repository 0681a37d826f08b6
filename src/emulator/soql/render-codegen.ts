/**
 * Generated renderers for the hot paths: one Bulk CSV line or one REST record object per row, as a
 * single function whose source reads each plain field by its literal name (`row["Name"]`). V8 then
 * gives every read its own inline cache, and a page of same-shaped rows renders several times
 * faster than through per-field closures. Columns that need more than a stored value (parent paths,
 * formulas, compound fields) call their compiled accessor instead. Field names are identifiers
 * (the schema guarantees it) and are embedded JSON-quoted; constant text is passed in an array,
 * never spliced into the source.
 */
import type { ObjectDef, Row, Value } from '../schema/types.js';
import { compileAccessor } from './access.js';
import type { ResolvedPath } from './resolve.js';
import type { EvalContext } from './types.js';

type Line = (row: Row, ctx: EvalContext) => string;
const IDENT = /^[A-Za-z][A-Za-z0-9_]*$/;

/** True when a column is a stored field of the queried object itself. */
function plain(path: ResolvedPath): boolean {
  const f = path.column.field;
  return (
    path.column.relationships.length === 0 && !f.calculated && f.components === null && IDENT.test(f.name)
  );
}

function valueExpr(path: ResolvedPath, k: number): string {
  return plain(path) ? `row[${JSON.stringify(path.column.field.name)}]` : `a[${k}](row, ctx)`;
}

/** One CSV line, every cell quoted (quotes doubled), null as an empty quoted cell. No line ending. */
export function compileCsvLine(paths: readonly ResolvedPath[], delimiter: string): Line {
  const accessors = paths.map((p) => compileAccessor(p));
  const between = JSON.stringify(`"${delimiter}"`);
  const cells = paths
    .map((p, k) => `${QUOTE_FREE.has(p.column.field.type) ? 'bare' : 'cell'}(${valueExpr(p, k)})`)
    .join(` + ${between} + `);
  const source = `return function csvLine(row, ctx) { return '"' + ${cells || "''"} + '"'; };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('a', 'cell', 'bare', source) as (
    a: typeof accessors,
    cell: typeof csvCell,
    bare: typeof bareCell,
  ) => Line;
  return make(accessors, csvCell, bareCell);
}

/** Types whose canonical text can never contain a double quote: their cells skip the scan. */
const QUOTE_FREE = new Set([
  'id',
  'reference',
  'boolean',
  'int',
  'long',
  'double',
  'currency',
  'percent',
  'date',
  'datetime',
  'time',
]);

function bareCell(v: Value | undefined): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v === null || v === undefined ? '' : csvCell(v);
}

function csvCell(v: Value | undefined): string {
  if (typeof v === 'string') return v.indexOf('"') === -1 ? v : v.replaceAll('"', '""');
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v).replaceAll('"', '""');
  return String(v);
}

/**
 * One REST record as an object literal built by generated code (plain columns only; undefined
 * otherwise). Same keys, order and values as the closure renderer; same-shaped objects let a page
 * go through V8's native JSON.stringify fast path.
 */
export function compileJsonObject(
  object: ObjectDef,
  paths: readonly ResolvedPath[],
): JsonObjectLine | undefined {
  if (!paths.every(plain)) return undefined;
  const props = paths
    .map((p) => {
      const f = p.column.field;
      const read = `row[${JSON.stringify(f.name)}]`;
      return `${JSON.stringify(f.name)}: ${f.type === 'datetime' ? `dt(${read})` : `nul(${read})`}`;
    })
    .join(', ');
  const source = `return function jsonObject(row, ctx, base) { return { attributes: { type: t, url: base + t + '/' + idOf(row) }${props ? `, ${props}` : ''} }; };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('t', 'idOf', 'dt', 'nul', source) as (
    t: string,
    id: typeof idOf,
    dt: typeof restDateTime,
    nul: typeof orNull,
  ) => JsonObjectLine;
  return make(object.name, idOf, restDateTime, orNull);
}

type JsonObjectLine = (row: Row, ctx: EvalContext, base: string) => Record<string, unknown>;

function orNull(v: Value | undefined): Value {
  return v === undefined ? null : v;
}

let lastDateTime = '';
let lastRest = '';

/** `...SSSZ` → `...SSS+0000`. Neighbouring rows often share a timestamp, so the last one is kept. */
function restDateTime(v: Value | undefined): Value {
  if (typeof v !== 'string' || !v.endsWith('Z')) return orNull(v);
  if (v !== lastDateTime) {
    lastDateTime = v;
    lastRest = `${v.slice(0, -1)}+0000`;
  }
  return lastRest;
}

function idOf(row: Row): string {
  const id = row.Id;
  return typeof id === 'string' ? id : '';
}
