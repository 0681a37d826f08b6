/** Math formula functions: ROUND, FLOOR, CEILING, ABS, MOD, MAX, MIN, SQRT. Null in, null out. */
import type { FunctionSpec, FunctionTable } from './function-spec.js';
import { expectType, type FValue } from './typed.js';

/** Rounds half away from zero to `digits` decimals (negative digits round to tens, hundreds...). */
export function roundHalfAwayFromZero(n: number, digits: number): number {
  const sign = n < 0 ? -1 : 1;
  const shifted = Number(`${Math.abs(n)}e${digits}`);
  const rounded = Number(`${Math.round(shifted)}e${-digits}`);
  return Number.isFinite(rounded)
    ? sign * rounded
    : (sign * Math.round(Math.abs(n) * 10 ** digits)) / 10 ** digits;
}

function numeric(arity: number, fn: (...xs: number[]) => number | null): FunctionSpec {
  return {
    min: arity,
    max: arity,
    compile: (args, where, pos) => {
      for (const a of args) expectType(a, ['number'], where);
      const evs = args.map((a) => a.ev);
      return {
        type: 'number',
        pos,
        ev: (r, c) => {
          const xs: number[] = [];
          for (const ev of evs) {
            const v: FValue = ev(r, c);
            if (typeof v !== 'number') return null;
            xs.push(v);
          }
          const out = fn(...xs);
          return out === null || !Number.isFinite(out) ? null : out;
        },
      };
    },
  };
}

function extreme(pick: (a: number, b: number) => number): FunctionSpec {
  return {
    min: 1,
    max: Infinity,
    compile: (args, where, pos) => {
      for (const a of args) expectType(a, ['number'], where);
      const evs = args.map((a) => a.ev);
      return {
        type: 'number',
        pos,
        ev: (r, c) => {
          let best: number | null = null;
          for (const ev of evs) {
            const v = ev(r, c);
            if (typeof v !== 'number') return null;
            best = best === null ? v : pick(best, v);
          }
          return best;
        },
      };
    },
  };
}

export const MATH_FUNCTIONS: FunctionTable = {
  ROUND: numeric(2, (n, d) => roundHalfAwayFromZero(n, Math.trunc(d))),
  // Salesforce: FLOOR rounds towards zero for negatives, CEILING away from zero.
  FLOOR: numeric(1, (n) => Math.trunc(n)),
  CEILING: numeric(1, (n) => (n < 0 ? -Math.ceil(-n) : Math.ceil(n))),
  ABS: numeric(1, (n) => Math.abs(n)),
  MOD: numeric(2, (n, d) => (d === 0 ? null : n % d)),
  SQRT: numeric(1, (n) => (n < 0 ? null : Math.sqrt(n))),
  MAX: extreme(Math.max),
  MIN: extreme(Math.min),
};
