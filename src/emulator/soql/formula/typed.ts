/**
 * The formula compiler's value model. Every sub-expression has a static type and compiles to a
 * closure; values use the emulator's canonical forms (dates `YYYY-MM-DD`, datetimes UTC `...SSSZ`),
 * blank is null. `null` as a type is the NULL literal, compatible with every other type.
 */
import type { FieldType, Row } from '../../schema/types.js';
import type { EvalContext } from '../types.js';
import { FormulaProblem } from './formula-error.js';

export type FType = 'number' | 'text' | 'boolean' | 'date' | 'datetime' | 'time' | 'null';
export type FValue = number | string | boolean | null;
export type Eval = (row: Row, ctx: EvalContext) => FValue;

export interface Typed {
  readonly type: FType;
  readonly ev: Eval;
  /** Where the expression starts, for messages. */
  readonly pos: number;
}

const LABELS: Readonly<Record<FType, string>> = {
  number: 'Number',
  text: 'Text',
  boolean: 'Boolean',
  date: 'Date',
  datetime: 'DateTime',
  time: 'Time',
  null: 'Null',
};

export function typeLabel(t: FType): string {
  return LABELS[t];
}

/** The formula type of a field's values; undefined for fields formulas cannot read. */
export function formulaTypeOf(type: FieldType): FType | undefined {
  switch (type) {
    case 'int':
    case 'long':
    case 'double':
    case 'currency':
    case 'percent':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'time':
      return 'time';
    case 'address':
    case 'location':
    case 'base64':
      return undefined;
    default:
      return 'text';
  }
}

/** Checks an argument's type ('null' always passes). */
export function expectType(arg: Typed, allowed: readonly FType[], where: string): void {
  if (arg.type === 'null' || allowed.includes(arg.type)) return;
  throw new FormulaProblem(
    `Incorrect parameter type for ${where}. Expected ${allowed.map(typeLabel).join(', ')}, received ${typeLabel(arg.type)}`,
    arg.pos,
  );
}

/** The common type of alternatives (IF branches, CASE results, BLANKVALUE). */
export function unify(items: readonly Typed[], where: string): FType {
  let type: FType = 'null';
  for (const item of items) {
    if (item.type === 'null' || item.type === type) continue;
    if (type === 'null') {
      type = item.type;
      continue;
    }
    throw new FormulaProblem(
      `Incorrect parameter type for ${where}. Expected ${typeLabel(type)}, received ${typeLabel(item.type)}`,
      item.pos,
    );
  }
  return type;
}

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` → days since epoch. */
export function dateToDay(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

export function dayToDateString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function msToDateTime(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

export function isBlank(v: FValue): boolean {
  return v === null || v === '';
}

export { DAY_MS };
