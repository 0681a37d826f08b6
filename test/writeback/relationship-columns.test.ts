/**
 * Relationship external-id columns (`<lookup>__r__<externalidfield>`): which lookups get one, their
 * names and types, and the writer reading them back — names shortened to 63 bytes included.
 */
import { describe, expect, it } from 'vitest';
import { fromDescribe, type ObjectModel } from '../../src/core/sobject-model.js';
import { relationshipColumnName, relationshipColumns } from '../../src/materialize/relationship-columns.js';
import { toSalesforceFields } from '../../src/writeback/log-values.js';

const field = (name: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  type,
  createable: true,
  updateable: true,
  ...extra,
});
const ref = (name: string, to: string[], rel: string | null, extra: Record<string, unknown> = {}) =>
  field(name, 'reference', { referenceTo: to, relationshipName: rel, ...extra });

const ferryId = field('Ferry_Id__c', 'string', { length: 36, externalId: true });
const account = fromDescribe({
  name: 'Account',
  fields: [field('Id', 'id'), field('Name', 'string', { length: 255 }), ferryId],
});
const user = fromDescribe({ name: 'User', fields: [field('Id', 'id'), field('Username', 'string')] });
const project = fromDescribe({
  name: 'Project__c',
  fields: [
    field('Id', 'id'),
    // The external id under another name only: not Ferry's.
    field('Erp_Key__c', 'string', { length: 20, externalId: true }),
    // Ferry's name but not an external id.
    field('Ferry_Id__c', 'string', { length: 36 }),
  ],
});
// A namespaced lookup: with `__r__ferry_id__c` its column would pass Postgres's 63 bytes.
const LONG = 'ns_pkg__A_Very_Long_Lookup_Field_Name_Of_Forty__c';
const task = fromDescribe({
  name: 'Task__c',
  fields: [
    field('Id', 'id'),
    field('Name', 'string', { length: 80 }),
    ref('Account__c', ['Account'], 'Account__r'),
    ref(LONG, ['Account'], 'Long__r'),
    ref('Owner__c', ['User'], 'Owner__r'),
    ref('Project__c', ['Project__c'], 'Project__r'),
    ref('Who__c', ['Account', 'Contact'], 'Who__r'),
    ref('Creator__c', ['Account'], 'Creator__r', { createable: false, updateable: false }),
    ref('Nameless__c', ['Account'], null),
    ref('Missing__c', ['Missing__c'], 'Missing__r'),
  ],
});
const models: Record<string, ObjectModel> = { Account: account, User: user, Project__c: project };
const parents = (name: string): ObjectModel | undefined => models[name];

describe('relationshipColumns', () => {
  it('one column per writable single-target lookup whose parent has the configured external id', () => {
    const columns = relationshipColumns(task, parents, 'Ferry_Id__c');
    expect(columns.map((c) => c.lookup)).toEqual(['Account__c', LONG]);
    expect(columns[0]).toEqual({
      column: 'account__c__r__ferry_id__c',
      type: 'varchar(36)',
      lookup: 'Account__c',
      parent: 'Account',
      externalIdField: 'Ferry_Id__c',
    });
    // The other external id of a parent is taken only when it is the configured one.
    expect(relationshipColumns(task, parents, 'Erp_Key__c')).toMatchObject([
      { column: 'project__c__r__erp_key__c', type: 'varchar(20)', parent: 'Project__c' },
    ]);
  });

  it('keeps names within 63 bytes, distinct, and never takes a field column’s name', () => {
    const long = relationshipColumns(task, parents, 'Ferry_Id__c')[1]!;
    expect(Buffer.byteLength(long.column)).toBeLessThanOrEqual(63);
    expect(long.column).toBe(relationshipColumnName(LONG, 'Ferry_Id__c'));
    expect(long.column).not.toBe(`${LONG.toLowerCase()}__r__ferry_id__c`);
    const clash = fromDescribe({
      name: 'Clash__c',
      fields: [
        field('Id', 'id'),
        ref('Account__c', ['Account'], 'Account__r'),
        field('Account__c__r__Ferry_Id__c', 'string', { length: 10 }),
      ],
    });
    expect(relationshipColumns(clash, parents, 'Ferry_Id__c')).toEqual([]);
  });
});

describe('the writer reads them back', () => {
  const lookup = (name: string): ObjectModel | undefined => (name === 'Account' ? account : undefined);

  it('a shortened name is recognised and sent under the relationship name', () => {
    const column = relationshipColumnName(LONG, 'Ferry_Id__c');
    const { fields } = toSalesforceFields(
      task,
      { name: 'T', [column]: 'p-9' },
      'insert',
      lookup,
      'Ferry_Id__c',
    );
    expect(fields).toEqual({ Name: 'T', Long__r: { Ferry_Id__c: 'p-9' } });
  });

  it('a parent the planner has no model of gets the configured field’s casing', () => {
    const { fields } = toSalesforceFields(
      task,
      { account__c__r__ferry_id__c: 'p-1' },
      'insert',
      () => undefined,
      'Ferry_Id__c',
    );
    expect(fields).toEqual({ Account__r: { Ferry_Id__c: 'p-1' } });
  });
});
