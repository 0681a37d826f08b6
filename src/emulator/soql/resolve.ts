/**
 * Field paths (`Name`, `Account.Owner.Name`, `Invoice__r.Account__r.Name`) → columns, through the
 * catalog's case-insensitive indexes, with Salesforce's INVALID_FIELD messages.
 */
import type { FieldDef, ObjectDef } from '../schema/types.js';
import type { FieldRef } from './ast.js';
import { queryError } from './query-error.js';
import type { Catalog, Column } from './types.js';

/** Salesforce's limit on child-to-parent relationship hops in one path. */
export const MAX_RELATIONSHIP_DEPTH = 5;

export interface ResolvedPath {
  readonly column: Column;
  /** owners[i] owns column.relationships[i]; the last entry owns column.field. */
  readonly owners: readonly ObjectDef[];
}

export class NameResolver {
  private readonly cache = new Map<string, ResolvedPath>();

  constructor(
    private readonly soql: string,
    readonly root: ObjectDef,
    private readonly alias: string | null,
    private readonly catalog: Catalog,
  ) {}

  resolve(ref: FieldRef): ResolvedPath {
    const key = ref.segments.join('.').toLowerCase();
    const hit = this.cache.get(key);
    if (hit) return hit;
    const resolved = this.walk(ref);
    this.cache.set(key, resolved);
    return resolved;
  }

  private walk(ref: FieldRef): ResolvedPath {
    let segments = ref.segments;
    const first = segments[0]!.toLowerCase();
    // `a.Name` with alias `a`, or `Account.Name` from Account: the qualifier names the root object.
    if (
      segments.length > 1 &&
      !this.root.relationshipIndex.has(first) &&
      (first === this.alias?.toLowerCase() || first === this.root.name.toLowerCase())
    ) {
      segments = segments.slice(1);
    }
    if (segments.length - 1 > MAX_RELATIONSHIP_DEPTH) {
      throw queryError(
        'MALFORMED_QUERY',
        this.soql,
        ref.pos,
        `SOQL statements cannot query relationships that are more than ${MAX_RELATIONSHIP_DEPTH} levels away from the root entity object.`,
      );
    }
    let current = this.root;
    const owners: ObjectDef[] = [];
    const relationships: FieldDef[] = [];
    for (let i = 0; i < segments.length - 1; i++) {
      const name = segments[i]!;
      const rel = current.relationshipIndex.get(name.toLowerCase());
      const target = rel ? this.target(rel, segments.slice(i + 1)) : undefined;
      if (!rel || !target) {
        throw queryError(
          'INVALID_FIELD',
          this.soql,
          ref.pos,
          `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      owners.push(current);
      relationships.push(rel);
      current = target;
    }
    const last = segments[segments.length - 1]!;
    const field = current.fieldIndex.get(last.toLowerCase());
    if (!field) {
      throw queryError(
        'INVALID_FIELD',
        this.soql,
        ref.pos,
        `No such column '${last}' on entity '${current.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    owners.push(current);
    const path = [...relationships.map((r) => r.relationshipName ?? r.name), field.name].join('.');
    return { column: { path, relationships, field }, owners };
  }

  /**
   * The object a relationship leads to. For a polymorphic lookup (several referenceTo), the first
   * target on which the rest of the path resolves.
   */
  private target(rel: FieldDef, rest: readonly string[]): ObjectDef | undefined {
    const targets = rel.referenceTo
      .map((name) => this.catalog.object(name))
      .filter((o): o is ObjectDef => o !== undefined);
    if (targets.length <= 1) return targets[0];
    const next = rest[0]!.toLowerCase();
    const isField = rest.length === 1;
    return (
      targets.find((o) => (isField ? o.fieldIndex.has(next) : o.relationshipIndex.has(next))) ?? targets[0]
    );
  }
}
