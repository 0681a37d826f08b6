/**
 * A stored record as REST returns it outside of queries (retrieve, external-id GET, collections
 * retrieve). Rendering goes through the SOQL compiler's `toJson` so that a record looks exactly the
 * same whether it was queried or retrieved (value formats, compound fields, attributes).
 */
import type { OrgApi } from '../org/types.js';
import type { ObjectDef, Row } from '../schema/types.js';
import type { CompiledQuery } from '../soql/types.js';
import { HttpError } from './errors.js';

/** Field names from `?fields=A,B` (blank entries ignored). */
export function parseFieldList(raw: string | null | undefined): string[] | undefined {
  if (raw === null || raw === undefined) return undefined;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return names.length ? names : undefined;
}

/** A query whose `toJson` renders the given fields (default: all) of the object's records. */
export function recordQuery(org: OrgApi, object: ObjectDef, fields?: readonly string[]): CompiledQuery {
  const names = fields ?? object.fields.map((f) => f.name);
  for (const name of names) {
    // The REST retrieve takes fields of the object itself, not relationship paths or functions.
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
      throw new HttpError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${object.name}'.`);
    }
  }
  return org.compile(`SELECT ${names.join(', ')} FROM ${object.name}`);
}

export function recordJson(
  org: OrgApi,
  object: ObjectDef,
  row: Row,
  version: string,
  fields?: readonly string[],
): Record<string, unknown> {
  return recordQuery(org, object, fields).toJson(row, org.ctx, version);
}
