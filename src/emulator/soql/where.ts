/**
 * WHERE conditions → one predicate closure, built once per query. Per row the common paths
 * (equality, ranges, IN on ids/numbers/dates) allocate nothing.
 *
 * Salesforce semantics: two-valued logic where a null field is just a value: `f != 'x'` and
 * `f NOT IN (...)` match nulls, `<`/`>`/LIKE/INCLUDES never do, EXCLUDES does. Text compares ignore
 * case (except Id and reference fields, compared on their canonical 18-character form). Relative
 * dates are evaluated against `ctx.now()` (UTC days).
 */
import type { FieldDef, Row, Value } from '../schema/types.js';
import { compileAccessor, type Accessor } from './access.js';
import type { CompareOp, Condition, FieldRef, Literal, RelativeDate } from './ast.js';
import { compareExact, compareIgnoreCase, equalsIgnoreCase } from './collate.js';
import { dayToDate, dayToDateTime, epochDay, relativeDateRange } from './date-literals.js';
import { fieldKind, type FieldKind } from './field-kind.js';
import { compileLike } from './like.js';
import { operandFor, wrongType } from './operand.js';
import { queryError } from './query-error.js';
import type { NameResolver } from './resolve.js';
import type { EvalContext } from './types.js';

export type Predicate = (row: Row, ctx: EvalContext) => boolean;

type Scalar = string | number | boolean;

interface Target {
  readonly field: FieldDef;
  readonly kind: FieldKind;
  readonly get: Accessor;
}

export function compileWhere(condition: Condition, soql: string, names: NameResolver): Predicate {
  return new WhereCompiler(soql, names).compile(condition);
}

class WhereCompiler {
  constructor(
    private readonly soql: string,
    private readonly names: NameResolver,
  ) {}

  compile(c: Condition): Predicate {
    switch (c.kind) {
      case 'and':
        return all(c.items.map((i) => this.compile(i)));
      case 'or':
        return any(c.items.map((i) => this.compile(i)));
      case 'not': {
        const inner = this.compile(c.item);
        return (row, ctx) => !inner(row, ctx);
      }
      case 'compare':
        return this.compare(this.target(c.field), c.op, c.value);
      case 'in': {
        const p = this.inList(this.target(c.field), c.values);
        return c.negated ? (row, ctx) => !p(row, ctx) : p;
      }
      case 'like':
        return this.like(this.target(c.field), c.pattern);
      case 'includes': {
        const p = this.includes(this.target(c.field), c.values);
        return c.negated ? (row, ctx) => !p(row, ctx) : p;
      }
    }
  }

  private target(ref: FieldRef): Target {
    const path = this.names.resolve(ref);
    const field = path.column.field;
    const kind = fieldKind(field);
    if (!field.filterable || kind === 'compound' || kind === 'binary') {
      throw queryError(
        'INVALID_FIELD',
        this.soql,
        ref.pos,
        `field '${field.name}' can not be filtered in query call`,
      );
    }
    return { field, kind, get: compileAccessor(path) };
  }

  private badOperator(t: Target, pos: number, operator: string): Error {
    return queryError(
      'INVALID_QUERY_FILTER_OPERATOR',
      this.soql,
      pos,
      `invalid operator ${operator} on field '${t.field.name}' of type ${t.field.type}`,
    );
  }

  private compare(t: Target, op: CompareOp, literal: Literal): Predicate {
    const operand = operandFor(this.soql, t.field, t.kind, literal);
    const get = t.get;
    if (operand.kind === 'null') {
      if (op === '=') return (row, ctx) => get(row, ctx) === null;
      if (op === '!=') return (row, ctx) => get(row, ctx) !== null;
      throw queryError(
        'INVALID_QUERY_FILTER_OPERATOR',
        this.soql,
        literal.pos,
        `invalid operator ${op} with null`,
      );
    }
    if (operand.kind === 'range') return rangePredicate(get, t.kind === 'date', op, operand.literal);
    const value = operand.value;
    switch (t.kind) {
      case 'text':
        return textCompare(get, op, value as string);
      case 'multi':
        if (op !== '=' && op !== '!=') throw this.badOperator(t, literal.pos, op);
        return multiEquals(get, op, value as string);
      case 'boolean':
        if (op !== '=' && op !== '!=') throw this.badOperator(t, literal.pos, op);
        return op === '=' ? (row, ctx) => get(row, ctx) === value : (row, ctx) => get(row, ctx) !== value;
      default:
        return ordered(get, op, value as string | number);
    }
  }

  private inList(t: Target, literals: readonly Literal[]): Predicate {
    const operands = literals.map((l) => operandFor(this.soql, t.field, t.kind, l));
    if (t.kind === 'boolean' || t.kind === 'multi' || operands.some((o) => o.kind === 'range')) {
      return any(literals.map((l) => this.compare(t, '=', l)));
    }
    const matchNull = operands.some((o) => o.kind === 'null');
    const values: Scalar[] = [];
    for (const o of operands) if (o.kind === 'value') values.push(o.value);
    const get = t.get;
    if (t.kind === 'text') {
      const tests = values.map((v) => equalsIgnoreCase(v as string));
      if (tests.length > 16) {
        const set = new Set(values.map((v) => (v as string).toLowerCase()));
        return (row, ctx) => {
          const v = get(row, ctx);
          return v === null ? matchNull : set.has((v as string).toLowerCase());
        };
      }
      return (row, ctx) => {
        const v = get(row, ctx);
        if (v === null) return matchNull;
        for (const test of tests) if (test(v as string)) return true;
        return false;
      };
    }
    const set = new Set<Scalar>(values);
    return (row, ctx) => {
      const v = get(row, ctx);
      return v === null ? matchNull : set.has(v as Scalar);
    };
  }

  private like(t: Target, pattern: Literal): Predicate {
    if (t.kind !== 'text' && t.kind !== 'id') throw this.badOperator(t, pattern.pos, 'LIKE');
    if (pattern.kind !== 'string') throw wrongType(this.soql, t.field, 'text', pattern.pos);
    const matches = compileLike(pattern.raw);
    const get = t.get;
    return (row, ctx) => {
      const v = get(row, ctx);
      return typeof v === 'string' && matches(v);
    };
  }

  private includes(t: Target, literals: readonly Literal[]): Predicate {
    if (t.kind !== 'multi') {
      throw queryError(
        'INVALID_QUERY_FILTER_OPERATOR',
        this.soql,
        literals[0]?.pos ?? 0,
        'includes or excludes operator only valid on multipicklist field',
      );
    }
    // Each literal is a set of values that must all be selected ('a;b'); any literal may match.
    const wanted: string[][] = [];
    for (const l of literals) {
      const operand = operandFor(this.soql, t.field, t.kind, l);
      if (operand.kind !== 'value') throw wrongType(this.soql, t.field, 'multi', l.pos);
      wanted.push(splitMulti(operand.value as string));
    }
    const get = t.get;
    return (row, ctx) => {
      const v = get(row, ctx);
      if (typeof v !== 'string') return false;
      const have = splitMulti(v);
      return wanted.some((w) => w.every((x) => have.includes(x)));
    };
  }
}

function all(ps: Predicate[]): Predicate {
  if (ps.length === 1) return ps[0]!;
  if (ps.length === 2) {
    const [a, b] = ps as [Predicate, Predicate];
    return (row, ctx) => a(row, ctx) && b(row, ctx);
  }
  return (row, ctx) => {
    for (const p of ps) if (!p(row, ctx)) return false;
    return true;
  };
}

function any(ps: Predicate[]): Predicate {
  if (ps.length === 1) return ps[0]!;
  if (ps.length === 2) {
    const [a, b] = ps as [Predicate, Predicate];
    return (row, ctx) => a(row, ctx) || b(row, ctx);
  }
  return (row, ctx) => {
    for (const p of ps) if (p(row, ctx)) return true;
    return false;
  };
}

/** Numbers, ids, dates, datetimes, times: canonical forms order correctly with `<`. */
function ordered(get: Accessor, op: CompareOp, lit: string | number): Predicate {
  type V = string | number;
  switch (op) {
    case '=':
      return (row, ctx) => get(row, ctx) === lit;
    case '!=':
      return (row, ctx) => get(row, ctx) !== lit;
    case '<':
      return (row, ctx) => {
        const v = get(row, ctx);
        return v !== null && (v as V) < lit;
      };
    case '<=':
      return (row, ctx) => {
        const v = get(row, ctx);
        return v !== null && (v as V) <= lit;
      };
    case '>':
      return (row, ctx) => {
        const v = get(row, ctx);
        return v !== null && (v as V) > lit;
      };
    case '>=':
      return (row, ctx) => {
        const v = get(row, ctx);
        return v !== null && (v as V) >= lit;
      };
  }
}

function textCompare(get: Accessor, op: CompareOp, lit: string): Predicate {
  if (op === '=' || op === '!=') {
    const eq = equalsIgnoreCase(lit);
    return op === '='
      ? (row, ctx) => {
          const v = get(row, ctx);
          return typeof v === 'string' && eq(v);
        }
      : (row, ctx) => {
          const v = get(row, ctx);
          return typeof v !== 'string' || !eq(v);
        };
  }
  const accept = signTest(op);
  return (row, ctx) => {
    const v = get(row, ctx);
    return typeof v === 'string' && accept(compareIgnoreCase(v, lit));
  };
}

function signTest(op: '<' | '<=' | '>' | '>='): (c: number) => boolean {
  switch (op) {
    case '<':
      return (c) => c < 0;
    case '<=':
      return (c) => c <= 0;
    case '>':
      return (c) => c > 0;
    case '>=':
      return (c) => c >= 0;
  }
}

/** Multipicklist `=`: the same set of values, in any order, ignoring case. */
function multiEquals(get: Accessor, op: '=' | '!=', lit: string): Predicate {
  const want = splitMulti(lit).sort(compareExact).join(';');
  const eq = (v: Value): boolean =>
    typeof v === 'string' && splitMulti(v).sort(compareExact).join(';') === want;
  return op === '=' ? (row, ctx) => eq(get(row, ctx)) : (row, ctx) => !eq(get(row, ctx));
}

function splitMulti(s: string): string[] {
  const out: string[] = [];
  for (const part of s.split(';')) {
    const v = part.trim().toLowerCase();
    if (v !== '' && !out.includes(v)) out.push(v);
  }
  return out;
}

/**
 * A relative date literal against a date or datetime field: `=` within the range, `>` after its end,
 * `<` before its start. The range is recomputed only when the day of `ctx.now()` changes.
 */
function rangePredicate(get: Accessor, isDate: boolean, op: CompareOp, literal: RelativeDate): Predicate {
  const render = isDate ? dayToDate : dayToDateTime;
  let day = Number.NaN;
  let lo = '';
  let hi = '';
  const refresh = (ctx: EvalContext): void => {
    const today = epochDay(ctx.now().getTime());
    if (today === day) return;
    const r = relativeDateRange(literal.name, literal.n, today);
    lo = render(r.start);
    hi = render(r.end);
    day = today;
  };
  const test = ((): ((v: string) => boolean) => {
    switch (op) {
      case '=':
        return (v) => v >= lo && v < hi;
      case '!=':
        return (v) => v < lo || v >= hi;
      case '<':
        return (v) => v < lo;
      case '<=':
        return (v) => v < hi;
      case '>':
        return (v) => v >= hi;
      case '>=':
        return (v) => v >= lo;
    }
  })();
  const matchNull = op === '!=';
  return (row, ctx) => {
    const v = get(row, ctx);
    if (typeof v !== 'string') return matchNull;
    refresh(ctx);
    return test(v);
  };
}
