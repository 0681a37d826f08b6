/**
 * The EvalContext compiled queries run in: stored values, formulas computed on read (compiled once
 * per schema version), compound address/location values, and parent lookups across tables.
 */
import { compileFormula } from '../soql/formula.js';
import type { EvalContext } from '../soql/types.js';
import type { CompoundValue, FieldDef, ObjectDef, Row, Value } from '../schema/types.js';
import type { Schema } from '../schema/schema.js';
import type { Clock } from './clock.js';
import type { RecordTable } from './record-table.js';

type Formula = (row: Row, ctx: EvalContext) => Value;

export class OrgEvalContext implements EvalContext {
  private formulas = new Map<string, Formula>();
  private formulasVersion = -1;

  constructor(
    private readonly schema: Schema,
    private readonly clock: Clock,
    private readonly tableForId: (id: string) => RecordTable | undefined,
  ) {}

  value(object: ObjectDef, row: Row, field: FieldDef): Value {
    if (field.calculated) return this.formula(object, field)(row, this);
    if (field.components) return compound(row, field.components);
    return row[field.name] ?? null;
  }

  record(id: string): { object: ObjectDef; row: Row } | undefined {
    if (typeof id !== 'string') return undefined;
    const table = this.tableForId(id);
    const row = table?.get(id);
    return table && row ? { object: table.object, row } : undefined;
  }

  now(): Date {
    return this.clock.now();
  }

  /** Compiles (and caches) a formula; throws on a bad formula so callers can reject it up front. */
  formula(object: ObjectDef, field: FieldDef): Formula {
    if (this.formulasVersion !== this.schema.version) {
      this.formulas = new Map();
      this.formulasVersion = this.schema.version;
    }
    const key = `${object.name}.${field.name}`;
    let f = this.formulas.get(key);
    if (!f) {
      f = this.compile(object, field);
      this.formulas.set(key, f);
    }
    return f;
  }

  /** Compiles without caching: validates a formula before it replaces the current one. */
  compile(object: ObjectDef, field: FieldDef): Formula {
    return compileFormula(field.formula ?? 'null', object, this.schema, field);
  }
}

function compound(row: Row, components: Readonly<Record<string, string>>): CompoundValue | null {
  const out: Record<string, string | number | null> = {};
  let any = false;
  for (const [component, fieldName] of Object.entries(components)) {
    const v = row[fieldName] ?? null;
    if (v !== null) any = true;
    out[component] = typeof v === 'string' || typeof v === 'number' ? v : null;
  }
  if (!any) return null;
  if ('latitude' in out && !('geocodeAccuracy' in out)) out.geocodeAccuracy = null;
  return out;
}
