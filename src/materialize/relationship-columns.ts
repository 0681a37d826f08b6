/**
 * Relationship external-id columns of read-write mirror tables (DESIGN.md "Postgres layout"; Heroku
 * Connect's `<lookup>__r__<externalidfield>`, reference sync-algorithms.md 1.6): a column such as
 * `accountid__r__ferry_id__c` on `contact` lets an application insert a child in the same transaction
 * as its parent, naming the parent by its external id before the parent has an sfid. The writer sends
 * it as `{ "Account": { "Ferry_Id__c": <value> } }` (src/writeback/log-values.ts). Pure; no I/O.
 *
 * Which columns: for every lookup of the (mapped) object that
 * - points at exactly one object (a polymorphic lookup — `WhoId`, an `OwnerId` to User or Group — needs
 *   a type with the external id, which a column cannot say),
 * - can be written (createable or updateable: `CreatedById` could never be sent), and
 * - has a relationship name (what Salesforce's JSON nests the parent under),
 * whose target object has the configured `writes.externalIdField` (default `Ferry_Id__c`) marked
 * `externalId` in its describe. Only that external id, not every one of the parent: it is the one
 * Ferry guarantees on every record it inserts, the one an application sets on a parent row it inserts
 * itself (the parent's `ferry_id__c` column), so it covers "child before the parent has an sfid" —
 * the reason these columns exist. Columns for every external id of every parent would add columns
 * per lookup × external id that Ferry then keeps forever (columns are never dropped); a column for
 * another external id can still be added by hand (`ALTER TABLE ... ADD COLUMN
 * accountid__r__erp_number__c text`): the writer recognises any `<lookup>__r__<field>` column.
 *
 * These columns are not Salesforce fields: reads (merge) never write them, so a value written by the
 * application stays as it was written; the plain lookup column (`accountid`) is what a read fills.
 */
import type { FieldModel, ObjectModel } from '../core/sobject-model.js';
import { columnTypeOf, mirrorColumns, SYSTEM_FIELDS } from '../core/type-map.js';
import { fitName } from './mirror-ddl.js';

/** Heroku Connect's separator between the lookup and the parent's external-id field. */
export const RELATIONSHIP_SEPARATOR = '__r__';

export interface RelationshipColumn {
  /** `accountid__r__ferry_id__c` (shortened with a hash past 63 bytes: fitName). */
  readonly column: string;
  /** The external-id field's column type, e.g. `varchar(36)`. */
  readonly type: string;
  /** The lookup field (describe casing), e.g. `AccountId`. */
  readonly lookup: string;
  /** The object it points at, e.g. `Account`. */
  readonly parent: string;
  /** The parent's external-id field (describe casing), e.g. `Ferry_Id__c`. */
  readonly externalIdField: string;
}

/** The column name for a lookup and a parent's external-id field (lower case, ≤ 63 bytes). */
export function relationshipColumnName(lookup: string, externalIdField: string): string {
  return fitName(`${lookup.toLowerCase()}${RELATIONSHIP_SEPARATOR}${externalIdField.toLowerCase()}`);
}

/** Lookups a relationship column can be made for (see above); their target is `referenceTo[0]`. */
export function linkableLookups(model: ObjectModel): FieldModel[] {
  return model.fields.filter(
    (f) =>
      f.type === 'reference' &&
      f.referenceTo.length === 1 &&
      f.relationshipName !== null &&
      f.relationshipName !== '' &&
      (f.createable || f.updateable),
  );
}

/**
 * The relationship columns of `model`'s mirror table. `parents` gives the target objects' models
 * (full describes); a lookup whose target is unknown there, or has no such external id, gets none.
 */
export function relationshipColumns(
  model: ObjectModel,
  parents: (objectName: string) => ObjectModel | undefined,
  externalIdField: string,
): RelationshipColumn[] {
  const wanted = externalIdField.toLowerCase();
  // A name taken by a field's own column (or a system column) is never reused.
  const taken = new Set<string>([
    'id',
    ...Object.values(SYSTEM_FIELDS),
    '_hc_lastop',
    '_hc_err',
    ...mirrorColumns(model).map((c) => c.column),
  ]);
  const out: RelationshipColumn[] = [];
  for (const lookup of linkableLookups(model)) {
    const parent = parents(lookup.referenceTo[0]!);
    const ext = parent?.fields.find((f) => f.name.toLowerCase() === wanted && f.externalId);
    const type = ext ? columnTypeOf(ext) : null;
    if (!parent || !ext || type === null) continue;
    const column = relationshipColumnName(lookup.name, ext.name);
    if (taken.has(column)) continue;
    taken.add(column);
    out.push({ column, type, lookup: lookup.name, parent: parent.name, externalIdField: ext.name });
  }
  return out;
}
