/**
 * Generated renderers for the hot paths: one Bulk CSV line or one REST JSON record per row, as a
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
type JsonLine = (row: Row, ctx: EvalContext, base: string) => string;
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
  const cells = paths.map((p, k) => `cell(${valueExpr(p, k)})`).join(` + ${between} + `);
  const source = `return function csvLine(row, ctx) { return '"' + ${cells || "''"} + '"'; };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('a', 'cell', source) as (a: typeof accessors, cell: typeof csvCell) => Line;
  return make(accessors, csvCell);
}

function csvCell(v: Value | undefined): string {
  if (typeof v === 'string') return v.indexOf('"') === -1 ? v : v.replaceAll('"', '""');
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v).replaceAll('"', '""');
  return String(v);
}

/**
 * One REST record as JSON text, when every column is a top-level stored field (the shape of sync
 * queries); undefined otherwise, and the closure renderer handles it.
 */
export function compileJsonLine(object: ObjectDef, paths: readonly ResolvedPath[]): JsonLine | undefined {
  if (!paths.every(plain)) return undefined;
  const text: string[] = [
    `{"attributes":{"type":${JSON.stringify(object.name)},"url":"`,
    `${object.name}/`,
    '"}',
  ];
  let body = 'k[0] + base + k[1] + idOf(row) + k[2]';
  paths.forEach((p) => {
    const f = p.column.field;
    text.push(`,${JSON.stringify(f.name)}:`);
    const read = `row[${JSON.stringify(f.name)}]`;
    body += ` + k[${text.length - 1}] + ${f.type === 'datetime' ? `jdt(${read})` : `js(${read})`}`;
  });
  const source = `return function jsonLine(row, ctx, base) { return ${body} + '}'; };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('k', 'js', 'jdt', 'idOf', source) as (
    k: string[],
    js: typeof jsonValue,
    jdt: typeof jsonDateTime,
    id: typeof idOf,
  ) => JsonLine;
  return make(text, jsonValue, jsonDateTime, idOf);
}

function idOf(row: Row): string {
  const id = row.Id;
  return typeof id === 'string' ? id : '';
}

function jsonValue(v: Value | undefined): string {
  if (typeof v === 'string') return jsonString(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

/** REST renders datetimes as `...SSS+0000`. */
function jsonDateTime(v: Value | undefined): string {
  return typeof v === 'string' && v.endsWith('Z') ? `"${v.slice(0, -1)}+0000"` : jsonValue(v);
}

/**
 * JSON string literal. Most values need no escaping, and a scan is far cheaper than a
 * JSON.stringify call per value; anything with quotes, backslashes, control characters or
 * surrogates goes to JSON.stringify.
 */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}
