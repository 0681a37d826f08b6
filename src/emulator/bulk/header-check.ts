/**
 * The header row of an ingest file must name fields of the job's object; Salesforce fails the whole
 * job (not each row) when it does not, with `InvalidBatch : Field name not found : X`.
 *
 * Relationship columns (`Account.Ext__c`, polymorphic `Owner:User.Email`) are checked only as far as
 * the relationship name: resolving the external id field is the org's business, per record.
 */
import type { ObjectDef } from '../schema/types.js';

export function headerProblem(object: ObjectDef, header: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const column of header) {
    const key = column.toLowerCase();
    if (column === '') return 'InvalidBatch : Field name not found : ';
    if (seen.has(key)) return `InvalidBatch : Duplicate field name: ${column}`;
    seen.add(key);
    const dot = key.indexOf('.');
    if (dot === -1) {
      if (!object.fieldIndex.has(key)) return `InvalidBatch : Field name not found : ${column}`;
      continue;
    }
    const relationship = key.slice(0, dot).split(':')[0] ?? '';
    if (!object.relationshipIndex.has(relationship)) {
      return `InvalidBatch : Field name not found : ${column}`;
    }
  }
  return null;
}
