/** Logical formula functions: IF, AND, OR, NOT, CASE, ISBLANK, BLANKVALUE, ISPICKVAL, INCLUDES... */
import { FormulaProblem } from './formula-error.js';
import type { FunctionTable } from './function-spec.js';
import { expectType, isBlank, unify, type FValue, type Typed } from './typed.js';

const isBlankSpec = {
  min: 1,
  max: 1,
  compile: ([a]: readonly Typed[], _w: string, pos: number): Typed => {
    const ev = a!.ev;
    return { type: 'boolean', pos, ev: (r, c) => isBlank(ev(r, c)) };
  },
};

const blankValueSpec = {
  min: 2,
  max: 2,
  compile: ([a, b]: readonly Typed[], where: string, pos: number): Typed => {
    const type = unify([a!, b!], where);
    const x = a!.ev;
    const y = b!.ev;
    return {
      type,
      pos,
      ev: (r, c) => {
        const v = x(r, c);
        return isBlank(v) ? y(r, c) : v;
      },
    };
  },
};

export const LOGIC_FUNCTIONS: FunctionTable = {
  IF: {
    min: 3,
    max: 3,
    compile: ([cond, a, b], where, pos) => {
      expectType(cond!, ['boolean'], where);
      const type = unify([a!, b!], where);
      const test = cond!.ev;
      const yes = a!.ev;
      const no = b!.ev;
      return { type, pos, ev: (r, c) => (test(r, c) === true ? yes(r, c) : no(r, c)) };
    },
  },
  AND: {
    min: 1,
    max: Infinity,
    compile: (args, where, pos) => {
      for (const a of args) expectType(a, ['boolean'], where);
      const evs = args.map((a) => a.ev);
      return {
        type: 'boolean',
        pos,
        ev: (r, c) => {
          for (const ev of evs) if (ev(r, c) !== true) return false;
          return true;
        },
      };
    },
  },
  OR: {
    min: 1,
    max: Infinity,
    compile: (args, where, pos) => {
      for (const a of args) expectType(a, ['boolean'], where);
      const evs = args.map((a) => a.ev);
      return {
        type: 'boolean',
        pos,
        ev: (r, c) => {
          for (const ev of evs) if (ev(r, c) === true) return true;
          return false;
        },
      };
    },
  },
  NOT: {
    min: 1,
    max: 1,
    compile: ([a], where, pos) => {
      expectType(a!, ['boolean'], where);
      const ev = a!.ev;
      return { type: 'boolean', pos, ev: (r, c) => ev(r, c) !== true };
    },
  },
  ISBLANK: isBlankSpec,
  ISNULL: isBlankSpec,
  BLANKVALUE: blankValueSpec,
  NULLVALUE: blankValueSpec,
  CASE: {
    min: 4,
    max: Infinity,
    compile: (args, where, pos) => {
      if (args.length % 2 !== 0) {
        throw new FormulaProblem(
          `Incorrect number of parameters for ${where}. Expected ${args.length + 1}, received ${args.length}`,
          pos,
        );
      }
      const subject = args[0]!;
      const whens: Typed[] = [];
      const thens: Typed[] = [];
      for (let i = 1; i < args.length - 1; i += 2) {
        whens.push(args[i]!);
        thens.push(args[i + 1]!);
      }
      const otherwise = args[args.length - 1]!;
      unify([subject, ...whens], where);
      const type = unify([...thens, otherwise], where);
      const s = subject.ev;
      const ws = whens.map((w) => w.ev);
      const ts = thens.map((t) => t.ev);
      const e = otherwise.ev;
      return {
        type,
        pos,
        ev: (r, c) => {
          const v = s(r, c);
          for (let i = 0; i < ws.length; i++) if (ws[i]!(r, c) === v) return ts[i]!(r, c);
          return e(r, c);
        },
      };
    },
  },
  ISPICKVAL: {
    min: 2,
    max: 2,
    compile: ([field, lit], where, pos) => {
      expectType(field!, ['text'], where);
      expectType(lit!, ['text'], where);
      const f = field!.ev;
      const l = lit!.ev;
      return { type: 'boolean', pos, ev: (r, c) => (f(r, c) ?? '') === (l(r, c) ?? '') };
    },
  },
  INCLUDES: {
    min: 2,
    max: 2,
    compile: ([field, lit], where, pos) => {
      expectType(field!, ['text'], where);
      expectType(lit!, ['text'], where);
      const f = field!.ev;
      const l = lit!.ev;
      return {
        type: 'boolean',
        pos,
        ev: (r, c) => {
          const v: FValue = f(r, c);
          const want = l(r, c);
          return typeof v === 'string' && typeof want === 'string' && v.split(';').includes(want);
        },
      };
    },
  },
  ISNUMBER: {
    min: 1,
    max: 1,
    compile: ([a], where, pos) => {
      expectType(a!, ['text'], where);
      const ev = a!.ev;
      return {
        type: 'boolean',
        pos,
        ev: (r, c) => {
          const v = ev(r, c);
          return typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v));
        },
      };
    },
  },
};
