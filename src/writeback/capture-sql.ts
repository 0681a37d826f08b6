import { quoteIdent } from '../store/index.js';

/**
 * Pieces of SQL text shared by the generated capture functions (capture-function.ts) and their
 * UPDATE captures (update-capture.ts).
 */

/** A column of the mirror table, as pg_attribute has it (attnum order). */
export interface MirrorColumn {
  readonly name: string;
  /** `atttypid::regtype` (no typmod), e.g. `character varying`, `numeric`. */
  readonly type: string;
}

/**
 * Types whose `=` is the equality the log means (and that have one: `json`, `xml`, `point`... do
 * not). Any other column is compared as jsonb, as the generic capture does.
 */
export const COMPARABLE_TYPES = new Set([
  'bigint',
  'boolean',
  'bytea',
  'character',
  'character varying',
  'date',
  'double precision',
  'integer',
  'interval',
  'jsonb',
  'numeric',
  'real',
  'smallint',
  'text',
  'time with time zone',
  'time without time zone',
  'timestamp with time zone',
  'timestamp without time zone',
  'uuid',
]);

/**
 * A string literal for generated code. Names are not values a query could take as parameters here:
 * they are part of a function's text. The E'' form reads the same whatever standard_conforming_strings
 * says in the session that compiles the function.
 */
export function literal(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

export const EMPTY = `'{}'::jsonb`;

/** `a || b || ...` as a balanced tree: a left-deep chain of hundreds of columns nests too deep. */
export function concat(parts: readonly string[]): string {
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0]!;
  const half = Math.ceil(parts.length / 2);
  return `(${concat(parts.slice(0, half))} || ${concat(parts.slice(half))})`;
}

/** The value of `column` of row `alias`, in a form `IS DISTINCT FROM` can compare. */
export function comparable(alias: string, c: MirrorColumn): string {
  const ref = `${alias}.${quoteIdent(c.name)}`;
  return COMPARABLE_TYPES.has(c.type) ? ref : `to_jsonb(${ref})`;
}
