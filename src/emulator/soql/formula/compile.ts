/**
 * Salesforce formula → closure over (row, ctx). Field references are resolved (case-insensitively,
 * parents through relationship names) and every sub-expression is type-checked when the formula is
 * compiled, so a bad formula is refused up front with Salesforce's formula-editor messages.
 */
import type { FieldDef, ObjectDef, Row, Value } from '../../schema/types.js';
import { compileAccessor } from '../access.js';
import { MAX_RELATIONSHIP_DEPTH } from '../resolve.js';
import type { Catalog, EvalContext } from '../types.js';
import type { Expr } from './ast.js';
import { FormulaError, FormulaProblem } from './formula-error.js';
import type { FunctionTable } from './function-spec.js';
import { DATE_FUNCTIONS } from './functions-date.js';
import { LOGIC_FUNCTIONS } from './functions-logic.js';
import { MATH_FUNCTIONS, roundHalfAwayFromZero } from './functions-math.js';
import { TEXT_FUNCTIONS } from './functions-text.js';
import { compileBinary, compileUnary } from './operators.js';
import { parseFormula } from './parser.js';
import { formulaTypeOf, typeLabel, type FType, type Typed } from './typed.js';

export type CompiledFormula = (row: Row, ctx: EvalContext) => Value;

const FUNCTIONS: FunctionTable = {
  ...LOGIC_FUNCTIONS,
  ...TEXT_FUNCTIONS,
  ...MATH_FUNCTIONS,
  ...DATE_FUNCTIONS,
};

/**
 * Compiles `formula` for records of `object`. With `field` (the formula field, by name or
 * definition) the result type is checked against the field's type, numbers are rounded to its
 * scale, and errors name it. Throws FormulaError.
 */
export function compileFormula(
  formula: string,
  object: ObjectDef,
  catalog: Catalog,
  field?: FieldDef | string,
): CompiledFormula {
  const def = typeof field === 'string' ? object.fieldIndex.get(field.toLowerCase()) : field;
  const fieldName = typeof field === 'string' ? (def?.name ?? field) : (field?.name ?? null);
  try {
    const typed = new FormulaCompiler(object, catalog).compile(parseFormula(formula));
    return finish(typed, def);
  } catch (err) {
    if (err instanceof FormulaProblem)
      throw new FormulaError(object.name, fieldName, err.message, err.position);
    throw err;
  }
}

/** Brings the result to the stored value forms: '' and non-finite numbers become null. */
function finish(typed: Typed, field: FieldDef | undefined): CompiledFormula {
  const ev = typed.ev;
  if (field !== undefined) {
    const expected = formulaTypeOf(field.type);
    if (expected !== undefined && typed.type !== 'null' && typed.type !== expected) {
      throw new FormulaProblem(
        `Formula result is data type (${typeLabel(typed.type)}), incompatible with expected data type (${typeLabel(expected)}).`,
        0,
      );
    }
    if (expected === 'number') {
      const scale = field.scale;
      return (row, ctx) => {
        const v = ev(row, ctx);
        return typeof v === 'number' && Number.isFinite(v) ? roundHalfAwayFromZero(v, scale) : null;
      };
    }
  }
  if (typed.type === 'number') {
    return (row, ctx) => {
      const v = ev(row, ctx);
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    };
  }
  if (typed.type === 'text') {
    return (row, ctx) => {
      const v = ev(row, ctx);
      return v === '' ? null : v;
    };
  }
  return ev;
}

class FormulaCompiler {
  constructor(
    private readonly object: ObjectDef,
    private readonly catalog: Catalog,
  ) {}

  compile(e: Expr): Typed {
    const pos = e.pos;
    switch (e.kind) {
      case 'number': {
        const v = e.value;
        return { type: 'number', pos, ev: () => v };
      }
      case 'string': {
        const v = e.value === '' ? null : e.value;
        return { type: 'text', pos, ev: () => v };
      }
      case 'boolean': {
        const v = e.value;
        return { type: 'boolean', pos, ev: () => v };
      }
      case 'null':
        return { type: 'null', pos, ev: () => null };
      case 'field':
        return this.field(e.segments, pos);
      case 'unary':
        return compileUnary(e.op, this.compile(e.operand), pos);
      case 'binary':
        return compileBinary(e.op, this.compile(e.left), this.compile(e.right), pos);
      case 'call':
        return this.call(e.name, e.args, pos);
    }
  }

  private call(name: string, argExprs: readonly Expr[], pos: number): Typed {
    const spec = FUNCTIONS[name];
    if (spec === undefined) throw new FormulaProblem(`Unknown function ${name}. Check spelling.`, pos);
    const where = `function '${name}()'`;
    const n = argExprs.length;
    if (n < spec.min || n > spec.max) {
      const expected =
        spec.min === spec.max ? `${spec.min}` : n < spec.min ? `at least ${spec.min}` : `at most ${spec.max}`;
      throw new FormulaProblem(
        `Incorrect number of parameters for ${where}. Expected ${expected}, received ${n}`,
        pos,
      );
    }
    return spec.compile(
      argExprs.map((a) => this.compile(a)),
      where,
      pos,
    );
  }

  private field(segments: readonly string[], pos: number): Typed {
    const written = segments.join('.');
    if (written.startsWith('$'))
      throw new FormulaProblem(`Global variable ${segments[0]} is not supported`, pos);
    if (segments.length - 1 > MAX_RELATIONSHIP_DEPTH) {
      throw new FormulaProblem(
        `Field ${written} is more than ${MAX_RELATIONSHIP_DEPTH} relationships away`,
        pos,
      );
    }
    const missing = (): FormulaProblem =>
      new FormulaProblem(`Field ${written} does not exist. Check spelling.`, pos);
    let current = this.object;
    const owners: ObjectDef[] = [];
    const relationships: FieldDef[] = [];
    for (const seg of segments.slice(0, -1)) {
      const rel = current.relationshipIndex.get(seg.toLowerCase());
      const target = rel?.referenceTo[0] === undefined ? undefined : this.catalog.object(rel.referenceTo[0]);
      if (!rel || !target) throw missing();
      owners.push(current);
      relationships.push(rel);
      current = target;
    }
    const def = current.fieldIndex.get(segments[segments.length - 1]!.toLowerCase());
    if (!def) throw missing();
    const type: FType | undefined = formulaTypeOf(def.type);
    if (type === undefined) {
      throw new FormulaProblem(
        `Field ${written} is a ${def.type} field, which formulas cannot reference`,
        pos,
      );
    }
    owners.push(current);
    const get = compileAccessor({ column: { path: written, relationships, field: def }, owners });
    return { type, pos, ev: get as Typed['ev'] };
  }
}
