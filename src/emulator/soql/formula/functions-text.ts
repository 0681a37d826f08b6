/** Text formula functions: UPPER, LOWER, TRIM, LEN, LEFT, RIGHT, MID, CONTAINS, BEGINS, SUBSTITUTE, FIND, TEXT, VALUE. */
import type { FunctionSpec, FunctionTable } from './function-spec.js';
import { expectType, type FType, type FValue } from './typed.js';

function textToText(fn: (s: string) => string): FunctionSpec {
  return {
    min: 1,
    max: 1,
    compile: ([a], where, pos) => {
      expectType(a!, ['text'], where);
      const ev = a!.ev;
      return {
        type: 'text',
        pos,
        ev: (r, c) => {
          const v = ev(r, c);
          return typeof v === 'string' ? blankToNull(fn(v)) : null;
        },
      };
    },
  };
}

function blankToNull(s: string): string | null {
  return s === '' ? null : s;
}

function int(v: FValue): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : null;
}

/** TEXT(): numbers plainly, dates `YYYY-MM-DD`, datetimes `YYYY-MM-DD HH:mm:ssZ` (GMT), as Salesforce. */
function textOf(type: FType, v: FValue): string | null {
  if (v === null) return null;
  switch (type) {
    case 'datetime':
      return `${(v as string).slice(0, 10)} ${(v as string).slice(11, 19)}Z`;
    case 'number':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      return blankToNull(String(v));
  }
}

export const TEXT_FUNCTIONS: FunctionTable = {
  UPPER: textToText((s) => s.toUpperCase()),
  LOWER: textToText((s) => s.toLowerCase()),
  TRIM: textToText((s) => s.trim()),
  LEN: {
    min: 1,
    max: 1,
    compile: ([a], where, pos) => {
      expectType(a!, ['text'], where);
      const ev = a!.ev;
      return { type: 'number', pos, ev: (r, c) => ((ev(r, c) as string | null) ?? '').length };
    },
  },
  LEFT: {
    min: 2,
    max: 2,
    compile: ([s, n], where, pos) => {
      expectType(s!, ['text'], where);
      expectType(n!, ['number'], where);
      const S = s!.ev;
      const N = n!.ev;
      return {
        type: 'text',
        pos,
        ev: (r, c) => {
          const v = S(r, c);
          const k = int(N(r, c));
          return typeof v === 'string' && k !== null ? blankToNull(v.slice(0, Math.max(0, k))) : null;
        },
      };
    },
  },
  RIGHT: {
    min: 2,
    max: 2,
    compile: ([s, n], where, pos) => {
      expectType(s!, ['text'], where);
      expectType(n!, ['number'], where);
      const S = s!.ev;
      const N = n!.ev;
      return {
        type: 'text',
        pos,
        ev: (r, c) => {
          const v = S(r, c);
          const k = int(N(r, c));
          return typeof v === 'string' && k !== null && k > 0 ? blankToNull(v.slice(-k)) : null;
        },
      };
    },
  },
  MID: {
    min: 3,
    max: 3,
    compile: ([s, start, n], where, pos) => {
      expectType(s!, ['text'], where);
      expectType(start!, ['number'], where);
      expectType(n!, ['number'], where);
      const S = s!.ev;
      const B = start!.ev;
      const N = n!.ev;
      return {
        type: 'text',
        pos,
        ev: (r, c) => {
          const v = S(r, c);
          const b = int(B(r, c));
          const k = int(N(r, c));
          if (typeof v !== 'string' || b === null || k === null) return null;
          const from = Math.max(0, b - 1);
          return blankToNull(v.slice(from, from + Math.max(0, k)));
        },
      };
    },
  },
  CONTAINS: {
    min: 2,
    max: 2,
    compile: ([s, part], where, pos) => {
      expectType(s!, ['text'], where);
      expectType(part!, ['text'], where);
      const S = s!.ev;
      const P = part!.ev;
      return {
        type: 'boolean',
        pos,
        ev: (r, c) => ((S(r, c) as string | null) ?? '').includes((P(r, c) as string | null) ?? ''),
      };
    },
  },
  BEGINS: {
    min: 2,
    max: 2,
    compile: ([s, part], where, pos) => {
      expectType(s!, ['text'], where);
      expectType(part!, ['text'], where);
      const S = s!.ev;
      const P = part!.ev;
      return {
        type: 'boolean',
        pos,
        ev: (r, c) => ((S(r, c) as string | null) ?? '').startsWith((P(r, c) as string | null) ?? ''),
      };
    },
  },
  SUBSTITUTE: {
    min: 3,
    max: 3,
    compile: ([s, from, to], where, pos) => {
      for (const a of [s!, from!, to!]) expectType(a, ['text'], where);
      const S = s!.ev;
      const F = from!.ev;
      const T = to!.ev;
      return {
        type: 'text',
        pos,
        ev: (r, c) => {
          const v = S(r, c);
          const old = F(r, c);
          if (typeof v !== 'string') return null;
          if (typeof old !== 'string' || old === '') return v;
          return blankToNull(v.split(old).join((T(r, c) as string | null) ?? ''));
        },
      };
    },
  },
  FIND: {
    min: 2,
    max: 3,
    compile: ([search, s, start], where, pos) => {
      expectType(search!, ['text'], where);
      expectType(s!, ['text'], where);
      if (start) expectType(start, ['number'], where);
      const Q = search!.ev;
      const S = s!.ev;
      const B = start?.ev;
      return {
        type: 'number',
        pos,
        ev: (r, c) => {
          const q = Q(r, c);
          const v = S(r, c);
          if (typeof q !== 'string' || typeof v !== 'string') return 0;
          const from = B ? (int(B(r, c)) ?? 1) - 1 : 0;
          if (from < 0) return 0;
          return v.indexOf(q, from) + 1;
        },
      };
    },
  },
  TEXT: {
    min: 1,
    max: 1,
    compile: ([a], _where, pos) => {
      const type = a!.type;
      const ev = a!.ev;
      return { type: 'text', pos, ev: (r, c) => textOf(type, ev(r, c)) };
    },
  },
  VALUE: {
    min: 1,
    max: 1,
    compile: ([a], where, pos) => {
      expectType(a!, ['text'], where);
      const ev = a!.ev;
      return {
        type: 'number',
        pos,
        ev: (r, c) => {
          const v = ev(r, c);
          if (typeof v !== 'string' || v.trim() === '') return null;
          const n = Number(v.trim());
          return Number.isFinite(n) ? n : null;
        },
      };
    },
  },
};
