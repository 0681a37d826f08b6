/**
 * Compiled value access for a resolved path: the field's value on the row, or on the parent record
 * reached through the path's lookups (null when any lookup on the way is empty or dangling).
 * Values always come from `ctx.value` (formulas and compound fields are computed there), parents
 * from `ctx.record`. When a polymorphic lookup lands on another object than the one the path was
 * resolved against, the field is looked up on that object by name.
 */
import type { FieldDef, ObjectDef, Row, Value } from '../schema/types.js';
import type { ResolvedPath } from './resolve.js';
import type { EvalContext } from './types.js';

export type Accessor = (row: Row, ctx: EvalContext) => Value;

export interface ParentRecord {
  readonly object: ObjectDef;
  readonly row: Row;
}

/** The record `relationship` (a lookup field of `owner`) points at, from a record of any object. */
export type ParentStep = (object: ObjectDef, row: Row, ctx: EvalContext) => ParentRecord | undefined;

export function compileAccessor(path: ResolvedPath): Accessor {
  const { column, owners } = path;
  const field = column.field;
  const fieldOwner = owners[owners.length - 1]!;
  const rels = column.relationships;
  if (rels.length === 0) return (row, ctx) => ctx.value(fieldOwner, row, field);

  const steps = rels.map((rel, i) => compileParentStep(owners[i]!, rel));
  const read = fieldReader(fieldOwner, field);
  if (steps.length === 1) {
    const step = steps[0]!;
    const root = owners[0]!;
    return (row, ctx) => {
      const parent = step(root, row, ctx);
      return parent === undefined ? null : read(parent.object, parent.row, ctx);
    };
  }
  const root = owners[0]!;
  return (row, ctx) => {
    let object = root;
    let current = row;
    for (const step of steps) {
      const parent = step(object, current, ctx);
      if (parent === undefined) return null;
      object = parent.object;
      current = parent.row;
    }
    return read(object, current, ctx);
  };
}

export function compileParentStep(owner: ObjectDef, relationship: FieldDef): ParentStep {
  const lower = relationship.name.toLowerCase();
  return (object, row, ctx) => {
    const rel = object === owner ? relationship : object.fieldIndex.get(lower);
    if (rel === undefined) return undefined;
    const id = ctx.value(object, row, rel);
    return typeof id === 'string' ? ctx.record(id) : undefined;
  };
}

/** Reads `field` (resolved on `owner`) from a record of whatever object it turns out to be. */
export function fieldReader(
  owner: ObjectDef,
  field: FieldDef,
): (object: ObjectDef, row: Row, ctx: EvalContext) => Value {
  const lower = field.name.toLowerCase();
  return (object, row, ctx) => {
    if (object === owner) return ctx.value(object, row, field);
    const f = object.fieldIndex.get(lower);
    return f === undefined ? null : ctx.value(object, row, f);
  };
}
