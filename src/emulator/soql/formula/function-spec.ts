/** The shape of a formula function: arity and a compiler from typed arguments to a typed result. */
import type { Typed } from './typed.js';

export interface FunctionSpec {
  readonly min: number;
  readonly max: number;
  /** `where` is "function 'NAME()'" for messages; `pos` is the call's position. */
  compile(args: readonly Typed[], where: string, pos: number): Typed;
}

export type FunctionTable = Readonly<Record<string, FunctionSpec>>;
