import { describe, expect, it } from 'vitest';
import { compileSoql } from '../../src/emulator/soql/compile.js';
import { makeCatalog, seed } from './soql-fixture.js';

describe('compileSoql: select list and FROM', () => {
  const { org, ids } = seed();

  it('compiles a plain query with canonical column paths and no WHERE / ORDER BY', () => {
    const q = org.compile('select id, NAME, annualrevenue from account');
    expect(q.object.name).toBe('Account');
    expect(q.isCount).toBe(false);
    expect(q.columns.map((c) => c.path)).toEqual(['Id', 'Name', 'AnnualRevenue']);
    expect(q.csvHeader).toEqual(['Id', 'Name', 'AnnualRevenue']);
    expect(q.where).toBeNull();
    expect(q.compare).toBeNull();
    expect(q.limit).toBeNull();
    expect(q.offset).toBeNull();
    expect(q.bulkRefusal).toBeNull();
    expect(org.run(q).map((r) => r.Id)).toEqual([ids.a1, ids.a2, ids.a3, ids.a4]);
  });

  it('resolves parent paths through standard and custom relationship names, up to 5 levels', () => {
    const q = org.compile(
      'SELECT lastname, account.name, Account.Owner.Name, Account.Parent.Parent.Owner.Manager.Name FROM Contact',
    );
    expect(q.columns.map((c) => c.path)).toEqual([
      'LastName',
      'Account.Name',
      'Account.Owner.Name',
      'Account.Parent.Parent.Owner.Manager.Name',
    ]);
    expect(q.columns[3]!.relationships.map((r) => r.name)).toEqual([
      'AccountId',
      'ParentId',
      'ParentId',
      'OwnerId',
      'ManagerId',
    ]);
    expect(org.compile('SELECT Invoice__c.Name, account__R.NAME FROM Invoice__c').csvHeader).toEqual([
      'Name',
      'Account__r.Name',
    ]);
  });

  it('accepts an object alias and the object name as a qualifier', () => {
    const q = org.compile("SELECT a.Name, Account.Industry FROM Account a WHERE a.Name = 'Acme'");
    expect(q.csvHeader).toEqual(['Name', 'Industry']);
    expect(org.run(q).map((r) => r.Id)).toEqual([ids.a1]);
  });

  it('resolves polymorphic lookups against the target that has the field', () => {
    const q = org.compile('SELECT Subject, What.Name, What.Ext__c FROM Task');
    expect(q.csvHeader).toEqual(['Subject', 'What.Name', 'What.Ext__c']);
    expect(org.run(q).map((r) => q.toCsvCells(r, org))).toEqual([
      ['Call', 'Acme', ''],
      ['Bill', 'INV-1', 'E-1'],
    ]);
  });

  it('compiles COUNT() as the only item', () => {
    const q = org.compile('SELECT COUNT() FROM Account WHERE Active__c = true');
    expect(q.isCount).toBe(true);
    expect(q.columns).toEqual([]);
    expect(q.bulkRefusal).toMatch(/COUNT\(\)/);
    expect(org.run(q)).toHaveLength(2);
  });

  it('ignores FOR VIEW/REFERENCE/UPDATE, WITH SECURITY_ENFORCED and UPDATE TRACKING', () => {
    for (const tail of [
      'FOR VIEW',
      'FOR REFERENCE',
      'for update',
      'FOR VIEW, REFERENCE',
      'UPDATE TRACKING',
    ]) {
      expect(org.run(`SELECT Id FROM Account WHERE Name = 'Acme' ${tail}`)).toHaveLength(1);
    }
    expect(
      org.run("SELECT Id FROM Account WHERE Name = 'Acme' WITH SECURITY_ENFORCED ORDER BY Name"),
    ).toHaveLength(1);
    expect(org.run('SELECT Id FROM Account WITH USER_MODE LIMIT 1')).toHaveLength(1);
  });

  it('uses only the catalog given (same text, other catalog, other result)', () => {
    const other = makeCatalog({ account: [{ name: 'Extra__c', type: 'string' }] });
    expect(compileSoql('SELECT Extra__c FROM Account', other).csvHeader).toEqual(['Extra__c']);
  });
});

describe('compileSoql: ORDER BY, LIMIT, OFFSET', () => {
  const { org, ids } = seed();

  it('is null for no ORDER BY and for ORDER BY Id ASC only', () => {
    expect(org.compile('SELECT Id FROM Account ORDER BY Id').compare).toBeNull();
    expect(org.compile('SELECT Id FROM Account ORDER BY id ASC NULLS LAST').compare).toBeNull();
    expect(org.compile('SELECT Id FROM Account ORDER BY Id DESC').compare).not.toBeNull();
    expect(org.compile('SELECT Id FROM Account ORDER BY Id, Name').compare).not.toBeNull();
  });

  it('sorts text ignoring case, ASC with nulls first by default', () => {
    expect(org.pluck('SELECT Name FROM Account ORDER BY Name')).toEqual([
      'Acme',
      'Globex',
      'initech',
      "O'Brien 100%",
    ]);
    expect(org.pluck('SELECT Name FROM Account ORDER BY Industry, Name')).toEqual([
      'initech',
      'Globex',
      'Acme',
      "O'Brien 100%",
    ]);
  });

  it('DESC puts nulls last by default; NULLS FIRST/LAST override', () => {
    expect(org.pluck('SELECT Name FROM Account ORDER BY AnnualRevenue DESC')).toEqual([
      'Acme',
      'Globex',
      "O'Brien 100%",
      'initech',
    ]);
    expect(org.pluck('SELECT Name FROM Account ORDER BY AnnualRevenue DESC NULLS FIRST')[0]).toBe('initech');
    expect(org.pluck('SELECT Name FROM Account ORDER BY AnnualRevenue ASC NULLS LAST')).toEqual([
      "O'Brien 100%",
      'Globex',
      'Acme',
      'initech',
    ]);
  });

  it('sorts by several keys, booleans, dates and parent fields', () => {
    expect(org.pluck('SELECT Name FROM Account ORDER BY Active__c DESC, LastActivityDate ASC')).toEqual([
      "O'Brien 100%",
      'Acme',
      'initech',
      'Globex',
    ]);
    expect(
      org.pluck('SELECT LastName FROM Contact ORDER BY Account.Name DESC NULLS LAST', 'LastName'),
    ).toEqual(['Brown', 'Smith', 'Jones']);
    expect(org.run('SELECT Id FROM Account ORDER BY Id DESC').map((r) => r.Id)).toEqual([
      ids.a4,
      ids.a3,
      ids.a2,
      ids.a1,
    ]);
  });

  it('applies LIMIT and OFFSET', () => {
    const q = org.compile('SELECT Name FROM Account ORDER BY Name LIMIT 2 OFFSET 1');
    expect(q.limit).toBe(2);
    expect(q.offset).toBe(1);
    expect(q.bulkRefusal).toMatch(/OFFSET/);
    expect(org.run(q).map((r) => r.Name)).toEqual(['Globex', 'initech']);
    expect(org.compile('SELECT Id FROM Account LIMIT 0').limit).toBe(0);
    expect(org.compile('SELECT Id FROM Account OFFSET 2000').offset).toBe(2000);
  });
});

describe('compileSoql: lower bounds for keyset paging and incremental polls', () => {
  const { org, ids } = seed();
  const id15 = ids.a2.slice(0, 15);

  it('takes Id > / >= from top-level AND conjuncts, normalised to 18 characters', () => {
    const q = org.compile(`SELECT Id FROM Account WHERE Id > '${id15}' ORDER BY Id LIMIT 2000`);
    expect(q.idLowerBound).toEqual({ value: ids.a2, inclusive: false });
    expect(org.run(q).map((r) => r.Id)).toEqual([ids.a3, ids.a4]);
    expect(
      org.compile(`SELECT Id FROM Account WHERE Name != null AND (Id >= '${ids.a2}')`).idLowerBound,
    ).toEqual({
      value: ids.a2,
      inclusive: true,
    });
  });

  it('takes SystemModstamp > / >= datetimes in canonical UTC and keeps the tightest bound', () => {
    const q = org.compile(
      'SELECT Id FROM Account WHERE SystemModstamp >= 2024-01-01T00:03:00+01:00 AND SystemModstamp > 2024-01-01T00:01:00.000Z',
    );
    expect(q.systemModstampLowerBound).toEqual({ value: '2024-01-01T00:01:00.000Z', inclusive: false });
    const tie = org.compile(
      'SELECT Id FROM Account WHERE SystemModstamp >= 2024-01-01T00:01:00Z AND SystemModstamp > 2024-01-01T00:01:00Z',
    );
    expect(tie.systemModstampLowerBound).toEqual({ value: '2024-01-01T00:01:00.000Z', inclusive: false });
  });

  it('ignores bounds under OR / NOT, on parents, and other operators', () => {
    for (const where of [
      `Id > '${ids.a1}' OR Name = 'x'`,
      `NOT Id > '${ids.a1}'`,
      `Id < '${ids.a1}'`,
      `Id = '${ids.a1}'`,
      `Parent.Id > '${ids.a1}'`,
      'SystemModstamp > LAST_N_DAYS:3',
    ]) {
      const q = org.compile(`SELECT Id FROM Account WHERE ${where}`);
      expect(q.idLowerBound, where).toBeNull();
      expect(q.systemModstampLowerBound, where).toBeNull();
    }
  });
});
