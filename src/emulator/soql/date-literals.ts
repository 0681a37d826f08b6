/**
 * SOQL relative date literals (`TODAY`, `LAST_N_DAYS:n`, `THIS_MONTH`...) as ranges of whole UTC days.
 * The emulator's org runs in UTC with a calendar fiscal year, so `*_FISCAL_*` equal the calendar forms,
 * and weeks start on Sunday (en_US). A range is [start, end) in days since 1970-01-01.
 */

export interface DayRange {
  readonly start: number;
  readonly end: number;
}

const DAY_MS = 86_400_000;

type Fixed = (today: number) => DayRange;
type WithN = (today: number, n: number) => DayRange;

const FIXED: ReadonlyMap<string, Fixed> = new Map<string, Fixed>([
  ['YESTERDAY', (t) => ({ start: t - 1, end: t })],
  ['TODAY', (t) => ({ start: t, end: t + 1 })],
  ['TOMORROW', (t) => ({ start: t + 1, end: t + 2 })],
  ['LAST_WEEK', (t) => weeks(t, -1, 1)],
  ['THIS_WEEK', (t) => weeks(t, 0, 1)],
  ['NEXT_WEEK', (t) => weeks(t, 1, 1)],
  ['LAST_MONTH', (t) => months(t, -1, 1)],
  ['THIS_MONTH', (t) => months(t, 0, 1)],
  ['NEXT_MONTH', (t) => months(t, 1, 1)],
  ['LAST_90_DAYS', (t) => ({ start: t - 90, end: t + 1 })],
  ['NEXT_90_DAYS', (t) => ({ start: t + 1, end: t + 91 })],
  ['LAST_QUARTER', (t) => quarters(t, -1, 1)],
  ['THIS_QUARTER', (t) => quarters(t, 0, 1)],
  ['NEXT_QUARTER', (t) => quarters(t, 1, 1)],
  ['LAST_YEAR', (t) => years(t, -1, 1)],
  ['THIS_YEAR', (t) => years(t, 0, 1)],
  ['NEXT_YEAR', (t) => years(t, 1, 1)],
  ['LAST_FISCAL_QUARTER', (t) => quarters(t, -1, 1)],
  ['THIS_FISCAL_QUARTER', (t) => quarters(t, 0, 1)],
  ['NEXT_FISCAL_QUARTER', (t) => quarters(t, 1, 1)],
  ['LAST_FISCAL_YEAR', (t) => years(t, -1, 1)],
  ['THIS_FISCAL_YEAR', (t) => years(t, 0, 1)],
  ['NEXT_FISCAL_YEAR', (t) => years(t, 1, 1)],
]);

const WITH_N: ReadonlyMap<string, WithN> = new Map<string, WithN>([
  ['LAST_N_DAYS', (t, n) => ({ start: t - n, end: t + 1 })],
  ['NEXT_N_DAYS', (t, n) => ({ start: t + 1, end: t + 1 + n })],
  ['N_DAYS_AGO', (t, n) => ({ start: t - n, end: t - n + 1 })],
  ['LAST_N_WEEKS', (t, n) => weeks(t, -n, n)],
  ['NEXT_N_WEEKS', (t, n) => weeks(t, 1, n)],
  ['N_WEEKS_AGO', (t, n) => weeks(t, -n, 1)],
  ['LAST_N_MONTHS', (t, n) => months(t, -n, n)],
  ['NEXT_N_MONTHS', (t, n) => months(t, 1, n)],
  ['N_MONTHS_AGO', (t, n) => months(t, -n, 1)],
  ['LAST_N_QUARTERS', (t, n) => quarters(t, -n, n)],
  ['NEXT_N_QUARTERS', (t, n) => quarters(t, 1, n)],
  ['N_QUARTERS_AGO', (t, n) => quarters(t, -n, 1)],
  ['LAST_N_YEARS', (t, n) => years(t, -n, n)],
  ['NEXT_N_YEARS', (t, n) => years(t, 1, n)],
  ['N_YEARS_AGO', (t, n) => years(t, -n, 1)],
  ['LAST_N_FISCAL_QUARTERS', (t, n) => quarters(t, -n, n)],
  ['NEXT_N_FISCAL_QUARTERS', (t, n) => quarters(t, 1, n)],
  ['N_FISCAL_QUARTERS_AGO', (t, n) => quarters(t, -n, 1)],
  ['LAST_N_FISCAL_YEARS', (t, n) => years(t, -n, n)],
  ['NEXT_N_FISCAL_YEARS', (t, n) => years(t, 1, n)],
  ['N_FISCAL_YEARS_AGO', (t, n) => years(t, -n, 1)],
]);

/** 'fixed' (`TODAY`), 'n' (`LAST_N_DAYS:n`) or undefined for a name (upper-case) that is no date literal. */
export function relativeDateKind(upper: string): 'fixed' | 'n' | undefined {
  if (FIXED.has(upper)) return 'fixed';
  if (WITH_N.has(upper)) return 'n';
  return undefined;
}

/** The range a literal covers on the given day (days since epoch, UTC). */
export function relativeDateRange(name: string, n: number | null, today: number): DayRange {
  const fixed = FIXED.get(name);
  if (fixed) return fixed(today);
  const withN = WITH_N.get(name);
  if (withN && n !== null) return withN(today, n);
  throw new RangeError(`not a relative date literal: ${name}${n === null ? '' : `:${n}`}`);
}

export function epochDay(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** `YYYY-MM-DD` of a day number. */
export function dayToDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Midnight UTC of a day number, in the canonical datetime form. */
export function dayToDateTime(day: number): string {
  return new Date(day * DAY_MS).toISOString();
}

function dayOf(year: number, month: number, date: number): number {
  return Date.UTC(year, month, date) / DAY_MS;
}

function parts(day: number): { year: number; month: number; weekday: number } {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth(), weekday: d.getUTCDay() };
}

/** `count` weeks starting `from` weeks after the current one (Sunday-based). */
function weeks(today: number, from: number, count: number): DayRange {
  const weekStart = today - parts(today).weekday;
  return { start: weekStart + 7 * from, end: weekStart + 7 * (from + count) };
}

function months(today: number, from: number, count: number): DayRange {
  const { year, month } = parts(today);
  return { start: dayOf(year, month + from, 1), end: dayOf(year, month + from + count, 1) };
}

function quarters(today: number, from: number, count: number): DayRange {
  const { year, month } = parts(today);
  const q = month - (month % 3);
  return { start: dayOf(year, q + 3 * from, 1), end: dayOf(year, q + 3 * (from + count), 1) };
}

function years(today: number, from: number, count: number): DayRange {
  const { year } = parts(today);
  return { start: dayOf(year + from, 0, 1), end: dayOf(year + from + count, 0, 1) };
}
