/**
 * Formula operators with their static typing:
 * - `+ -` on numbers, date ± days, datetime ± days (fractional), date − date and datetime − datetime
 *   (days); `+` also concatenates text; `* / ^` on numbers. Null in, null out; x/0 is null.
 * - `&` concatenates text (blank as '').
 * - comparisons need operands of one type; `=`/`!=` treat two blanks as equal, text is case-sensitive.
 * - `&& || !` on booleans (null counts as false).
 */
import type { BinaryOp } from './ast.js';
import { FormulaProblem } from './formula-error.js';
import {
  DAY_MS,
  dateToDay,
  dayToDateString,
  expectType,
  msToDateTime,
  typeLabel,
  unify,
  type Eval,
  type FType,
  type FValue,
  type Typed,
} from './typed.js';

type Num = (a: number, b: number) => number;

export function compileUnary(op: '-' | '+' | '!', a: Typed, pos: number): Typed {
  const ev = a.ev;
  if (op === '!') {
    expectType(a, ['boolean'], "operator '!'");
    return { type: 'boolean', pos, ev: (r, c) => ev(r, c) !== true };
  }
  expectType(a, ['number'], `operator '${op}'`);
  if (op === '+') return { type: 'number', pos, ev };
  return {
    type: 'number',
    pos,
    ev: (r, c) => {
      const v = ev(r, c);
      return typeof v === 'number' ? -v : null;
    },
  };
}

export function compileBinary(op: BinaryOp, left: Typed, right: Typed, pos: number): Typed {
  const where = `operator '${op}'`;
  const L = left.ev;
  const R = right.ev;
  switch (op) {
    case '&&':
    case '||': {
      expectType(left, ['boolean'], where);
      expectType(right, ['boolean'], where);
      return op === '&&'
        ? { type: 'boolean', pos, ev: (r, c) => L(r, c) === true && R(r, c) === true }
        : { type: 'boolean', pos, ev: (r, c) => L(r, c) === true || R(r, c) === true };
    }
    case '&':
      expectType(left, ['text'], where);
      expectType(right, ['text'], where);
      return { type: 'text', pos, ev: (r, c) => blankToNull(text(L(r, c)) + text(R(r, c))) };
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return comparison(op, left, right, pos, where);
    case '*':
      return numbers(left, right, pos, where, (a, b) => a * b);
    case '/':
      return numbers(left, right, pos, where, (a, b) => a / b);
    case '^':
      return numbers(left, right, pos, where, (a, b) => a ** b);
    case '+':
    case '-':
      return additive(op, left, right, pos, where);
  }
}

function text(v: FValue): string {
  return typeof v === 'string' ? v : '';
}

function blankToNull(s: string): string | null {
  return s === '' ? null : s;
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

function numbers(left: Typed, right: Typed, pos: number, where: string, fn: Num): Typed {
  expectType(left, ['number'], where);
  expectType(right, ['number'], where);
  const L = left.ev;
  const R = right.ev;
  return {
    type: 'number',
    pos,
    ev: (r, c) => {
      const a = L(r, c);
      const b = R(r, c);
      return typeof a === 'number' && typeof b === 'number' ? finite(fn(a, b)) : null;
    },
  };
}

/** Both operands non-null, else null. */
function both(L: Eval, R: Eval, fn: (a: never, b: never) => FValue): Eval {
  return (r, c) => {
    const a = L(r, c);
    const b = R(r, c);
    return a === null || b === null ? null : fn(a as never, b as never);
  };
}

function additive(op: '+' | '-', left: Typed, right: Typed, pos: number, where: string): Typed {
  // A NULL literal takes the type of the other side.
  const lt: FType = left.type === 'null' ? (right.type === 'null' ? 'number' : right.type) : left.type;
  const rt: FType = right.type === 'null' ? lt : right.type;
  const L = left.ev;
  const R = right.ev;
  const sign = op === '+' ? 1 : -1;
  const key = `${lt}${op}${rt}`;
  switch (key) {
    case 'number+number':
    case 'number-number':
      return numbers(left, right, pos, where, op === '+' ? (a, b) => a + b : (a, b) => a - b);
    case 'text+text':
      return { type: 'text', pos, ev: (r, c) => blankToNull(text(L(r, c)) + text(R(r, c))) };
    case 'date+number':
    case 'date-number':
      return {
        type: 'date',
        pos,
        ev: both(L, R, (d: string, n: number) => dayToDateString(dateToDay(d) + sign * Math.trunc(n))),
      };
    case 'number+date':
      return {
        type: 'date',
        pos,
        ev: both(L, R, (n: number, d: string) => dayToDateString(dateToDay(d) + Math.trunc(n))),
      };
    case 'datetime+number':
    case 'datetime-number':
      return {
        type: 'datetime',
        pos,
        ev: both(L, R, (t: string, n: number) => msToDateTime(Date.parse(t) + sign * n * DAY_MS)),
      };
    case 'number+datetime':
      return {
        type: 'datetime',
        pos,
        ev: both(L, R, (n: number, t: string) => msToDateTime(Date.parse(t) + n * DAY_MS)),
      };
    case 'date-date':
      return { type: 'number', pos, ev: both(L, R, (a: string, b: string) => dateToDay(a) - dateToDay(b)) };
    case 'datetime-datetime':
      return {
        type: 'number',
        pos,
        ev: both(L, R, (a: string, b: string) => (Date.parse(a) - Date.parse(b)) / DAY_MS),
      };
  }
  throw new FormulaProblem(
    `Incorrect parameter type for ${where}. Expected Number, Date, DateTime${op === '+' ? ', Text' : ''}, received ${typeLabel(
      left.type === 'null' || lt !== 'number' ? rt : lt,
    )}`,
    lt === 'number' || lt === 'date' || lt === 'datetime' || (op === '+' && lt === 'text')
      ? right.pos
      : left.pos,
  );
}

function comparison(
  op: '=' | '!=' | '<' | '<=' | '>' | '>=',
  left: Typed,
  right: Typed,
  pos: number,
  where: string,
): Typed {
  const type = unify([left, right], where);
  const L = left.ev;
  const R = right.ev;
  if (op === '=') return { type: 'boolean', pos, ev: (r, c) => L(r, c) === R(r, c) };
  if (op === '!=') return { type: 'boolean', pos, ev: (r, c) => L(r, c) !== R(r, c) };
  if (type === 'boolean') {
    throw new FormulaProblem(
      `Incorrect parameter type for ${where}. Expected Number, Text, Date, DateTime, Time, received Boolean`,
      pos,
    );
  }
  type V = number | string;
  const test: (a: V, b: V) => boolean =
    op === '<'
      ? (a, b) => a < b
      : op === '<='
        ? (a, b) => a <= b
        : op === '>'
          ? (a, b) => a > b
          : (a, b) => a >= b;
  return {
    type: 'boolean',
    pos,
    ev: (r, c) => {
      const a = L(r, c);
      const b = R(r, c);
      return a !== null && b !== null && test(a as V, b as V);
    },
  };
}
