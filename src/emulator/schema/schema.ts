/**
 * The org's live schema. Objects are immutable values; adding a field or changing a formula swaps
 * in a rebuilt ObjectDef, so a compiled query keeps the definitions it was compiled against.
 */
import type { Catalog } from '../soql/types.js';
import type { SchemaApi } from '../org/types.js';
import { buildObject, defineField, type FieldSpec } from './define.js';
import type { ChildRelationship, FieldDef, ObjectDef } from './types.js';

export class Schema implements SchemaApi, Catalog {
  private readonly byName = new Map<string, ObjectDef>();
  private readonly byPrefix = new Map<string, ObjectDef>();
  private children = new Map<string, ChildRelationship[]>();
  /** Bumped on every change, so caches keyed on the schema (compiled formulas) can tell. */
  version = 0;

  constructor(objects: readonly ObjectDef[]) {
    for (const o of objects) this.put(o);
    this.reindexChildren();
  }

  objects(): readonly ObjectDef[] {
    return [...this.byName.values()];
  }

  object(name: string): ObjectDef | undefined {
    return this.byName.get(name.toLowerCase());
  }

  byKeyPrefix(prefix: string): ObjectDef | undefined {
    return this.byPrefix.get(prefix);
  }

  childRelationships(objectName: string): readonly ChildRelationship[] {
    return this.children.get(objectName.toLowerCase()) ?? [];
  }

  addField(objectName: string, spec: FieldSpec): FieldDef {
    const object = this.require(objectName);
    if (object.fieldIndex.has(spec.name.toLowerCase())) {
      throw new Error(`${object.name}.${spec.name} already exists`);
    }
    const field = defineField({ custom: true, ...spec });
    this.replace(object, [...object.fields, field]);
    return field;
  }

  setFormula(objectName: string, fieldName: string, formula: string): FieldDef {
    const object = this.require(objectName);
    const field = object.fieldIndex.get(fieldName.toLowerCase());
    if (!field?.calculated) throw new Error(`${object.name}.${fieldName} is not a formula field`);
    const updated: FieldDef = { ...field, formula };
    this.replace(
      object,
      object.fields.map((f) => (f === field ? updated : f)),
    );
    return updated;
  }

  private require(name: string): ObjectDef {
    const object = this.object(name);
    if (!object) throw new Error(`sObject type '${name}' is not supported.`);
    return object;
  }

  private replace(object: ObjectDef, fields: readonly FieldDef[]): void {
    this.put(buildObject(object, fields));
    this.reindexChildren();
    this.version++;
  }

  private put(object: ObjectDef): void {
    this.byName.set(object.name.toLowerCase(), object);
    this.byPrefix.set(object.keyPrefix, object);
  }

  private reindexChildren(): void {
    const children = new Map<string, ChildRelationship[]>();
    for (const child of this.byName.values()) {
      for (const f of child.fields) {
        if (f.type !== 'reference') continue;
        for (const parent of f.referenceTo) {
          const key = parent.toLowerCase();
          const list = children.get(key) ?? [];
          list.push({
            childSObject: child.name,
            field: f.name,
            relationshipName: childRelationshipName(child, f),
            cascadeDelete: f.cascadeDelete,
            restrictedDelete: false,
          });
          children.set(key, list);
        }
      }
    }
    this.children = children;
  }
}

/** `Contacts` for Contact.AccountId, `Invoices__r` for Invoice__c.Account__c; audit lookups have none. */
function childRelationshipName(child: ObjectDef, field: FieldDef): string | null {
  if (field.name === 'CreatedById' || field.name === 'LastModifiedById' || field.name === 'OwnerId')
    return null;
  if (child.custom) return `${child.name.replace(/__c$/, '')}s__r`;
  const plural: Record<string, string> = {
    Opportunity: 'Opportunities',
    Case: 'Cases',
    Contact: 'Contacts',
    Task: 'Tasks',
    Event: 'Events',
  };
  return field.name === 'ParentId' ? 'ChildAccounts' : (plural[child.name] ?? `${child.name}s`);
}
