/**
 * SOQL built from parts, never by string surgery. Values become literals through one encoder
 * (strings quoted and escaped per SOQL's escape table, dates as unquoted ISO literals, arrays as IN
 * lists); identifiers are checked against a strict pattern. Anything interpolated that is not a
 * value is a `SoqlFragment`, which only this module (or `unsafeRaw`, for trusted constants) makes.
 *
 *   soql.select(['Id', 'Name']).from('Account').where(soql`Id > ${lastId}`).orderBy('Id').limit(2000)
 *   soql`SELECT Id FROM ${soql.ident(type)} WHERE SystemModstamp >= ${since}`
 */
import { isValidId } from '../core/sfid.js';
import { ConfigError, InvariantError } from '../errors/index.js';

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A piece of SOQL text that is safe to splice: produced by the encoder, never from raw input. */
export class SoqlFragment {
  readonly #text: string;

  /** Use `soql`, `soql.ident`, … ; the constructor is only for this module. */
  private constructor(text: string) {
    this.#text = text;
  }

  /** @internal */
  static of(text: string): SoqlFragment {
    return new SoqlFragment(text);
  }

  /**
   * Text taken verbatim. Only for constants in Ferry's own source (e.g. `COUNT()`), never for
   * anything derived from configuration, records or user input.
   */
  static unsafeRaw(text: string): SoqlFragment {
    return new SoqlFragment(text);
  }

  toSoql(): string {
    return this.#text;
  }

  toString(): string {
    return this.#text;
  }
}

/** What a `${…}` in the `soql` tag (or a condition helper) may hold. */
export type SoqlValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | SoqlFragment
  | readonly (string | number | bigint | boolean | Date | SoqlFragment)[];

/** Anything the client accepts as a query. */
export type SoqlLike = string | { toSoql(): string };

export function soqlText(query: SoqlLike): string {
  return typeof query === 'string' ? query : query.toSoql();
}

/** Escapes the body of a quoted SOQL string (without the quotes). */
export function escapeSoqlString(value: string): string {
  let out = '';
  for (const ch of value) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\f':
        out += '\\f';
        break;
      default: {
        const code = ch.codePointAt(0) ?? 0;
        // Other control characters: SOQL's `\b` is documented as both "bell" and "backspace", so
        // use the unambiguous `\uXXXX` form for every remaining C0 control and DEL.
        out += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
      }
    }
  }
  return out;
}

/** Escapes `%` and `_` as well, for the literal part of a LIKE pattern. */
export function escapeSoqlLike(value: string): string {
  return escapeSoqlString(value).replace(/[%_]/g, (c) => `\\${c}`);
}

/** A validated field / object / relationship-path name. Throws ConfigError otherwise. */
export function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new ConfigError(`not a valid Salesforce field or object name: ${JSON.stringify(name)}`, {
      code: 'INVALID_IDENTIFIER',
      hint: 'use API names such as Account, Name, Custom__c or Account.Owner.Name',
    });
  }
  return name;
}

/** `2024-05-01T00:00:00.000Z` — SOQL dateTime literals are unquoted. */
export function datetimeLiteral(value: Date): string {
  if (Number.isNaN(value.getTime())) throw new InvariantError('SOQL datetime literal from an invalid Date');
  return value.toISOString();
}

/** `2024-05-01` (a date field literal); a Date contributes its UTC calendar day. */
export function dateLiteral(value: Date | string): string {
  if (typeof value === 'string') {
    const m = DATE_ONLY.exec(value);
    const check = m ? new Date(`${value}T00:00:00.000Z`) : undefined;
    if (!check || Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== value) {
      throw new InvariantError(`SOQL date literal must be YYYY-MM-DD, got ${JSON.stringify(value)}`);
    }
    return value;
  }
  return datetimeLiteral(value).slice(0, 10);
}

/** One value as a SOQL literal. */
export function literal(value: SoqlValue): string {
  if (value instanceof SoqlFragment) return value.toSoql();
  if (value === null) return 'null';
  if (value instanceof Date) return datetimeLiteral(value);
  if (Array.isArray(value)) {
    const items = value as readonly SoqlValue[];
    if (items.length === 0) {
      throw new InvariantError('SOQL IN list is empty; skip the query or the condition instead');
    }
    return `(${items.map((v) => literal(v)).join(', ')})`;
  }
  switch (typeof value) {
    case 'string':
      return `'${escapeSoqlString(value)}'`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value))
        throw new InvariantError(`SOQL number literal must be finite, got ${value}`);
      // Plain decimal notation: SOQL does not take exponents like 1e+21.
      return Math.abs(value) >= 1e21 || (value !== 0 && Math.abs(value) < 1e-6)
        ? toPlainDecimal(value)
        : String(value);
    default:
      throw new InvariantError(`cannot use a ${typeof value} as a SOQL value`);
  }
}

function toPlainDecimal(value: number): string {
  // toFixed handles tiny magnitudes; for huge ones BigInt gives exact integer digits.
  if (Math.abs(value) >= 1e21) return BigInt(value).toString();
  return value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** Tagged template: text parts are kept, each `${value}` is encoded by `literal`. */
function tag(strings: TemplateStringsArray, ...values: SoqlValue[]): SoqlFragment {
  let text = strings[0] ?? '';
  values.forEach((v, i) => {
    text += literal(v) + (strings[i + 1] ?? '');
  });
  return SoqlFragment.of(text);
}

export type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE';

function compare(field: string, op: Comparison, value: SoqlValue): SoqlFragment {
  return SoqlFragment.of(`${identifier(field)} ${op} ${literal(value)}`);
}

function join(op: 'AND' | 'OR', conds: readonly SoqlFragment[]): SoqlFragment {
  if (conds.length === 0) throw new InvariantError(`SOQL ${op} of no conditions`);
  if (conds.length === 1 && conds[0]) return conds[0];
  return SoqlFragment.of(conds.map((c) => `(${c.toSoql()})`).join(` ${op} `));
}

export type Direction = 'ASC' | 'DESC';

interface OrderItem {
  field: string;
  direction: Direction;
  nulls: 'FIRST' | 'LAST' | undefined;
}

interface QueryParts {
  fields: readonly string[];
  object: string | undefined;
  conditions: readonly SoqlFragment[];
  order: readonly OrderItem[];
  limit: number | undefined;
  offset: number | undefined;
}

/** An immutable SELECT; every method returns a new builder. */
export class SoqlQuery {
  readonly #parts: QueryParts;

  constructor(parts: QueryParts) {
    this.#parts = parts;
  }

  from(object: string): SoqlQuery {
    return new SoqlQuery({ ...this.#parts, object: identifier(object) });
  }

  /** Adds a condition; several `where` calls are ANDed. */
  where(condition: SoqlFragment): SoqlQuery;
  where(strings: TemplateStringsArray, ...values: SoqlValue[]): SoqlQuery;
  where(first: SoqlFragment | TemplateStringsArray, ...values: SoqlValue[]): SoqlQuery {
    const cond = first instanceof SoqlFragment ? first : tag(first, ...values);
    return new SoqlQuery({ ...this.#parts, conditions: [...this.#parts.conditions, cond] });
  }

  orderBy(field: string, direction: Direction = 'ASC', nulls?: 'FIRST' | 'LAST'): SoqlQuery {
    const item: OrderItem = { field: identifier(field), direction, nulls };
    return new SoqlQuery({ ...this.#parts, order: [...this.#parts.order, item] });
  }

  limit(n: number): SoqlQuery {
    return new SoqlQuery({ ...this.#parts, limit: nonNegativeInt(n, 'LIMIT') });
  }

  offset(n: number): SoqlQuery {
    return new SoqlQuery({ ...this.#parts, offset: nonNegativeInt(n, 'OFFSET') });
  }

  toSoql(): string {
    const p = this.#parts;
    if (p.object === undefined) throw new InvariantError('SOQL query has no FROM object');
    let q = `SELECT ${p.fields.join(', ')} FROM ${p.object}`;
    if (p.conditions.length > 0) q += ` WHERE ${join('AND', p.conditions).toSoql()}`;
    if (p.order.length > 0) {
      const items = p.order.map((o) => `${o.field} ${o.direction}${o.nulls ? ` NULLS ${o.nulls}` : ''}`);
      q += ` ORDER BY ${items.join(', ')}`;
    }
    if (p.limit !== undefined) q += ` LIMIT ${p.limit}`;
    if (p.offset !== undefined) q += ` OFFSET ${p.offset}`;
    return q;
  }

  toString(): string {
    return this.toSoql();
  }
}

function nonNegativeInt(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvariantError(`SOQL ${what} must be a non-negative integer`);
  return n;
}

function select(fields: readonly (string | SoqlFragment)[]): SoqlQuery {
  if (fields.length === 0) throw new InvariantError('SOQL SELECT needs at least one field');
  const names = fields.map((f) => (f instanceof SoqlFragment ? f.toSoql() : identifier(f)));
  return new SoqlQuery({
    fields: names,
    object: undefined,
    conditions: [],
    order: [],
    limit: undefined,
    offset: undefined,
  });
}

/**
 * The `soql` tag plus builders and condition helpers. Field names passed to helpers are validated
 * identifiers; values are literals.
 */
export const soql = Object.assign(tag, {
  select,
  /** A validated identifier to splice into a template (`${soql.ident(objectName)}`). */
  ident: (name: string): SoqlFragment => SoqlFragment.of(identifier(name)),
  /** A date-field literal (`2024-05-01`). */
  date: (value: Date | string): SoqlFragment => SoqlFragment.of(dateLiteral(value)),
  /** A dateTime literal (same as interpolating a Date). */
  datetime: (value: Date): SoqlFragment => SoqlFragment.of(datetimeLiteral(value)),
  /** A quoted record id, checked to be a well-formed 15/18-character id. */
  id: (value: string): SoqlFragment => {
    if (!isValidId(value)) {
      throw new InvariantError(`not a Salesforce record id: ${JSON.stringify(value)}`);
    }
    return SoqlFragment.of(`'${value}'`);
  },
  /** LIKE patterns whose user-given part matches literally (`%` and `_` escaped). */
  like: {
    startsWith: (s: string): SoqlFragment => SoqlFragment.of(`'${escapeSoqlLike(s)}%'`),
    endsWith: (s: string): SoqlFragment => SoqlFragment.of(`'%${escapeSoqlLike(s)}'`),
    contains: (s: string): SoqlFragment => SoqlFragment.of(`'%${escapeSoqlLike(s)}%'`),
    exactly: (s: string): SoqlFragment => SoqlFragment.of(`'${escapeSoqlLike(s)}'`),
  },
  eq: (field: string, value: SoqlValue) => compare(field, '=', value),
  ne: (field: string, value: SoqlValue) => compare(field, '!=', value),
  lt: (field: string, value: SoqlValue) => compare(field, '<', value),
  lte: (field: string, value: SoqlValue) => compare(field, '<=', value),
  gt: (field: string, value: SoqlValue) => compare(field, '>', value),
  gte: (field: string, value: SoqlValue) => compare(field, '>=', value),
  in: (field: string, values: readonly (string | number | boolean | Date | SoqlFragment)[]) =>
    SoqlFragment.of(`${identifier(field)} IN ${literal(values)}`),
  notIn: (field: string, values: readonly (string | number | boolean | Date | SoqlFragment)[]) =>
    SoqlFragment.of(`${identifier(field)} NOT IN ${literal(values)}`),
  and: (...conds: SoqlFragment[]) => join('AND', conds),
  or: (...conds: SoqlFragment[]) => join('OR', conds),
  not: (cond: SoqlFragment) => SoqlFragment.of(`NOT (${cond.toSoql()})`),
});
