/** Date formula functions: TODAY, NOW, DATE, YEAR, MONTH, DAY, WEEKDAY, DATEVALUE, DATETIMEVALUE, ADDMONTHS. */
import { epochDay } from '../date-literals.js';
import type { FunctionTable } from './function-spec.js';
import { DAY_MS, dateToDay, dayToDateString, expectType, type FValue } from './typed.js';

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})/;
const DATETIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z?$/;

/** A valid calendar date as `YYYY-MM-DD`, else null. */
function makeDate(y: number, m: number, d: number): string | null {
  if (![y, m, d].every(Number.isInteger) || m < 1 || m > 12 || d < 1) return null;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCMonth() !== m - 1) return null;
  t.setUTCFullYear(y);
  return t.toISOString().slice(0, 10);
}

function datePart(index: 0 | 1 | 2): FunctionTable[string] {
  return {
    min: 1,
    max: 1,
    compile: ([a], where, pos) => {
      expectType(a!, ['date'], where);
      const ev = a!.ev;
      const [from, to] = index === 0 ? [0, 4] : index === 1 ? [5, 7] : [8, 10];
      return {
        type: 'number',
        pos,
        ev: (r, c) => {
          const v = ev(r, c);
          return typeof v === 'string' ? Number(v.slice(from, to)) : null;
        },
      };
    },
  };
}

/** Salesforce ADDMONTHS: the last day of a month stays the last day; overflow clamps to month end. */
function addMonths(date: string, months: number): string | null {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7)) - 1;
  const d = Number(date.slice(8, 10));
  const lastOf = (yy: number, mm: number): number => new Date(Date.UTC(yy, mm + 1, 0)).getUTCDate();
  const target = new Date(Date.UTC(y, m + Math.trunc(months), 1));
  const ty = target.getUTCFullYear();
  const tm = target.getUTCMonth();
  const day = d === lastOf(y, m) ? lastOf(ty, tm) : Math.min(d, lastOf(ty, tm));
  return makeDate(ty, tm + 1, day);
}

export const DATE_FUNCTIONS: FunctionTable = {
  TODAY: {
    min: 0,
    max: 0,
    compile: (_a, _w, pos) => ({
      type: 'date',
      pos,
      ev: (_r, c) => dayToDateString(epochDay(c.now().getTime())),
    }),
  },
  NOW: {
    min: 0,
    max: 0,
    compile: (_a, _w, pos) => ({ type: 'datetime', pos, ev: (_r, c) => c.now().toISOString() }),
  },
  DATE: {
    min: 3,
    max: 3,
    compile: (args, where, pos) => {
      for (const a of args) expectType(a, ['number'], where);
      const evs = args.map((a) => a.ev);
      const Y = evs[0]!;
      const M = evs[1]!;
      const D = evs[2]!;
      return {
        type: 'date',
        pos,
        ev: (r, c) => {
          const y = Y(r, c);
          const m = M(r, c);
          const d = D(r, c);
          return typeof y === 'number' && typeof m === 'number' && typeof d === 'number'
            ? makeDate(y, m, d)
            : null;
        },
      };
    },
  },
  YEAR: datePart(0),
  MONTH: datePart(1),
  DAY: datePart(2),
  WEEKDAY: {
    min: 1,
    max: 1,
    compile: ([a], where, pos) => {
      expectType(a!, ['date'], where);
      const ev = a!.ev;
      return {
        type: 'number',
        pos,
        ev: (r, c) => {
          const v = ev(r, c);
          return typeof v === 'string' ? new Date(dateToDay(v) * DAY_MS).getUTCDay() + 1 : null;
        },
      };
    },
  },
  DATEVALUE: {
    min: 1,
    max: 1,
    compile: ([a], where, pos) => {
      expectType(a!, ['datetime', 'date', 'text'], where);
      const ev = a!.ev;
      return {
        type: 'date',
        pos,
        ev: (r, c) => {
          const v: FValue = ev(r, c);
          if (typeof v !== 'string') return null;
          const m = DATE_TEXT.exec(v);
          return m ? makeDate(Number(m[1]), Number(m[2]), Number(m[3])) : null;
        },
      };
    },
  },
  DATETIMEVALUE: {
    min: 1,
    max: 1,
    compile: ([a], where, pos) => {
      expectType(a!, ['datetime', 'date', 'text'], where);
      const type = a!.type;
      const ev = a!.ev;
      return {
        type: 'datetime',
        pos,
        ev: (r, c) => {
          const v: FValue = ev(r, c);
          if (typeof v !== 'string') return null;
          if (type === 'datetime') return v;
          if (type === 'date') return `${v}T00:00:00.000Z`;
          const m = DATETIME_TEXT.exec(v.trim()) ?? DATE_TEXT.exec(v.trim());
          if (!m) return null;
          const date = makeDate(Number(m[1]), Number(m[2]), Number(m[3]));
          if (date === null) return null;
          const [hh, mi, ss] = [m[4] ?? '00', m[5] ?? '00', m[6] ?? '00'];
          if (Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) return null;
          return `${date}T${hh}:${mi}:${ss}.000Z`;
        },
      };
    },
  },
  ADDMONTHS: {
    min: 2,
    max: 2,
    compile: ([d, n], where, pos) => {
      expectType(d!, ['date', 'datetime'], where);
      expectType(n!, ['number'], where);
      const type = d!.type === 'datetime' ? 'datetime' : 'date';
      const D = d!.ev;
      const N = n!.ev;
      return {
        type,
        pos,
        ev: (r, c) => {
          const v = D(r, c);
          const k = N(r, c);
          if (typeof v !== 'string' || typeof k !== 'number') return null;
          const date = addMonths(v.slice(0, 10), k);
          if (date === null) return null;
          return type === 'datetime' ? date + v.slice(10) : date;
        },
      };
    },
  },
};
