import { describe, expect, it } from 'vitest';
import { seed } from './soql-fixture.js';

const { org, ids } = seed();
const url = (type: string, id: string, v = 'v62.0'): string => `/services/data/${v}/sobjects/${type}/${id}`;

describe('toJson: REST record shape', () => {
  it('renders attributes, selected fields in select order with describe casing, typed values', () => {
    const q = org.compile(
      "SELECT name, ID, annualrevenue, active__c, createddate, lastactivitydate, opensat__c, tier__c, Industry FROM Account WHERE Name = 'Acme'",
    );
    const json = q.toJson(org.run(q)[0]!, org, 'v62.0');
    expect(json).toEqual({
      attributes: { type: 'Account', url: url('Account', ids.a1) },
      Name: 'Acme',
      Id: ids.a1,
      AnnualRevenue: 5_000_000,
      Active__c: true,
      CreatedDate: '2024-05-15T08:00:00.000+0000',
      LastActivityDate: '2024-05-15',
      OpensAt__c: '09:00:00.000Z',
      Tier__c: 'Gold;Silver',
      Industry: 'Technology',
    });
    expect(Object.keys(json)).toEqual([
      'attributes',
      'Name',
      'Id',
      'AnnualRevenue',
      'Active__c',
      'CreatedDate',
      'LastActivityDate',
      'OpensAt__c',
      'Tier__c',
      'Industry',
    ]);
    expect(JSON.stringify(json)).toContain('"AnnualRevenue":5000000,');
  });

  it('builds the url from the row Id even when Id is not selected; accepts versions with or without v', () => {
    const q = org.compile("SELECT Name FROM Account WHERE Name = 'Globex'");
    const row = org.run(q)[0]!;
    expect(q.toJson(row, org, '58.0')).toEqual({
      attributes: { type: 'Account', url: url('Account', ids.a2, 'v58.0') },
      Name: 'Globex',
    });
    expect(q.toJson(row, org, 'v62.0').attributes).toEqual({ type: 'Account', url: url('Account', ids.a2) });
  });

  it('renders nulls for empty fields', () => {
    const q = org.compile(
      "SELECT Industry, AnnualRevenue, Tier__c, BillingAddress FROM Account WHERE Name = 'initech'",
    );
    const json = q.toJson(org.run(q)[0]!, org, 'v62.0');
    expect(json).toMatchObject({ Industry: null, AnnualRevenue: null, Tier__c: null, BillingAddress: null });
  });

  it('nests parent paths as objects with their own attributes, merging shared relationships', () => {
    const q = org.compile(
      "SELECT Id, Account.Name, LastName, Account.Owner.Name, account.industry, Account.Owner.Manager.Alias FROM Contact WHERE LastName = 'Smith'",
    );
    const json = q.toJson(org.run(q)[0]!, org, 'v62.0');
    expect(json).toEqual({
      attributes: { type: 'Contact', url: url('Contact', ids.c1) },
      Id: ids.c1,
      Account: {
        attributes: { type: 'Account', url: url('Account', ids.a1) },
        Name: 'Acme',
        Owner: {
          attributes: { type: 'User', url: url('User', ids.u1) },
          Name: 'Alice',
          Manager: { attributes: { type: 'User', url: url('User', ids.u2) }, Alias: 'bob' },
        },
        Industry: 'Technology',
      },
      LastName: 'Smith',
    });
    expect(Object.keys(json)).toEqual(['attributes', 'Id', 'Account', 'LastName']);
  });

  it('renders null for an empty lookup at any level, and custom relationship names', () => {
    const contacts = org.compile(
      'SELECT LastName, Account.Name, Account.Owner.Name FROM Contact ORDER BY LastName',
    );
    const [brown, jones] = org.run(contacts).map((r) => contacts.toJson(r, org, 'v62.0'));
    expect(jones).toEqual({
      attributes: { type: 'Contact', url: url('Contact', ids.c2) },
      LastName: 'Jones',
      Account: null,
    });
    expect(brown!.Account).toEqual({
      attributes: { type: 'Account', url: url('Account', ids.a4) },
      Name: "O'Brien 100%",
      Owner: null,
    });
    const inv = org.compile('SELECT Name, Account__r.Name FROM Invoice__c ORDER BY Name');
    expect(org.run(inv).map((r) => inv.toJson(r, org, 'v62.0').Account__r)).toEqual([
      { attributes: { type: 'Account', url: url('Account', ids.a1) }, Name: 'Acme' },
      null,
    ]);
  });

  it('uses the actual parent type for polymorphic lookups', () => {
    const q = org.compile('SELECT What.Name FROM Task ORDER BY Subject');
    expect(org.run(q).map((r) => q.toJson(r, org, 'v62.0').What)).toEqual([
      { attributes: { type: 'Invoice__c', url: url('Invoice__c', ids.i1) }, Name: 'INV-1' },
      { attributes: { type: 'Account', url: url('Account', ids.a1) }, Name: 'Acme' },
    ]);
  });

  it('renders compound and formula fields from ctx.value', () => {
    const q = org.compile("SELECT BillingAddress, Revenue_K__c FROM Account WHERE Name = 'Acme'");
    expect(q.bulkRefusal).toBe('Selecting compound data not supported in Bulk Query');
    expect(q.toJson(org.run(q)[0]!, org, 'v62.0')).toMatchObject({
      BillingAddress: { street: '1 Main St', city: 'Paris', postalCode: null },
      Revenue_K__c: 5000,
    });
  });
});

describe('toCsvCells: Bulk CSV cells', () => {
  it('renders text cells in select order: null empty, datetimes with Z, booleans and numbers as text', () => {
    const q = org.compile(
      'SELECT Id, Name, Industry, AnnualRevenue, NumberOfEmployees, Active__c, CreatedDate, LastActivityDate, Tier__c, Revenue_K__c FROM Account ORDER BY Name',
    );
    expect(q.csvHeader).toEqual([
      'Id',
      'Name',
      'Industry',
      'AnnualRevenue',
      'NumberOfEmployees',
      'Active__c',
      'CreatedDate',
      'LastActivityDate',
      'Tier__c',
      'Revenue_K__c',
    ]);
    expect(q.bulkRefusal).toBeNull();
    expect(org.run(q).map((r) => q.toCsvCells(r, org))).toEqual([
      [
        ids.a1,
        'Acme',
        'Technology',
        '5000000',
        '50',
        'true',
        '2024-05-15T08:00:00.000Z',
        '2024-05-15',
        'Gold;Silver',
        '5000',
      ],
      [
        ids.a2,
        'Globex',
        'Energy',
        '1000000',
        '10',
        'false',
        '2024-05-14T23:59:59.999Z',
        '2024-05-14',
        'Bronze',
        '1000',
      ],
      [ids.a3, 'initech', '', '', '', 'false', '2024-04-01T00:00:00.000Z', '2024-04-20', '', ''],
      [
        ids.a4,
        "O'Brien 100%",
        'technology',
        '250.5',
        '3',
        'true',
        '2023-06-01T10:00:00.000Z',
        '2023-12-31',
        'Silver;Gold;Platinum',
        '0.25',
      ],
    ]);
  });

  it('gives parent fields by dotted path, empty when there is no parent', () => {
    const q = org.compile(
      'SELECT LastName, Account.Name, Account.Parent.Parent.Owner.Name, AccountId FROM Contact ORDER BY LastName',
    );
    expect(q.csvHeader).toEqual([
      'LastName',
      'Account.Name',
      'Account.Parent.Parent.Owner.Name',
      'AccountId',
    ]);
    expect(org.run(q).map((r) => q.toCsvCells(r, org))).toEqual([
      ['Brown', "O'Brien 100%", 'Alice', ids.a4],
      ['Jones', '', '', ''],
      ['Smith', 'Acme', '', ids.a1],
    ]);
  });

  it('renders many columns (past the unrolled sizes)', () => {
    const fields = ['Id', 'Name', 'Industry', 'AnnualRevenue', 'NumberOfEmployees', 'Tier__c', 'Active__c'];
    const q = org.compile(
      `SELECT ${fields.join(', ')}, LastActivityDate, OpensAt__c, BillingCity, Owner.Alias FROM Account WHERE Name = 'Acme'`,
    );
    expect(org.run(q).map((r) => q.toCsvCells(r, org))).toEqual([
      [
        ids.a1,
        'Acme',
        'Technology',
        '5000000',
        '50',
        'Gold;Silver',
        'true',
        '2024-05-15',
        '09:00:00.000Z',
        'Paris',
        'ali',
      ],
    ]);
  });

  it('renders a single column', () => {
    const q = org.compile("SELECT Ext__c FROM Invoice__c WHERE Name = 'INV-1'");
    expect(org.run(q).map((r) => q.toCsvCells(r, org))).toEqual([['E-1']]);
  });
});
