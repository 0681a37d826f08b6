import { describe, expect, it } from 'vitest';
import { seed } from './soql-fixture.js';

const { org, ids } = seed();
const names = (where: string): unknown[] =>
  org.pluck(`SELECT Name FROM Account WHERE ${where} ORDER BY Name`);

describe('WHERE: comparison operators', () => {
  it('compares text case-insensitively with = != <>', () => {
    expect(names("Name = 'ACME'")).toEqual(['Acme']);
    expect(names("Industry = 'TECHNOLOGY'")).toEqual(['Acme', "O'Brien 100%"]);
    expect(names("Industry != 'technology'")).toEqual(['Globex', 'initech']);
    expect(names("Industry <> 'Energy'")).toEqual(['Acme', 'initech', "O'Brien 100%"]);
  });

  it('orders text ignoring case with < <= > >=', () => {
    expect(names("Name < 'GLOBEX'")).toEqual(['Acme']);
    expect(names("Name <= 'globex'")).toEqual(['Acme', 'Globex']);
    expect(names("Name > 'h'")).toEqual(['initech', "O'Brien 100%"]);
    expect(names("Name >= 'Initech'")).toEqual(['initech', "O'Brien 100%"]);
  });

  it('compares numbers, booleans, dates, datetimes and times', () => {
    expect(names('AnnualRevenue > 1000000')).toEqual(['Acme']);
    expect(names('AnnualRevenue >= 1000000')).toEqual(['Acme', 'Globex']);
    expect(names('AnnualRevenue < 1000')).toEqual(["O'Brien 100%"]);
    expect(names('AnnualRevenue <= 250.5')).toEqual(["O'Brien 100%"]);
    expect(names('AnnualRevenue = -1')).toEqual([]);
    expect(names('NumberOfEmployees != 50')).toEqual(['Globex', 'initech', "O'Brien 100%"]);
    expect(names('Active__c = true')).toEqual(['Acme', "O'Brien 100%"]);
    expect(names('Active__c != TRUE')).toEqual(['Globex', 'initech']);
    expect(names('LastActivityDate = 2024-05-14')).toEqual(['Globex']);
    expect(names('LastActivityDate < 2024-05-01')).toEqual(['initech', "O'Brien 100%"]);
    expect(names('CreatedDate >= 2024-05-15T00:00:00Z')).toEqual(['Acme']);
    expect(names('CreatedDate > 2024-05-15T01:59:59.999+02:00')).toEqual(['Acme']);
    expect(names('CreatedDate = 2024-05-14T16:59:59.999-0700')).toEqual(['Globex']);
    expect(names('OpensAt__c = 09:00:00.000Z')).toEqual(['Acme']);
  });

  it('compares null with = null and != null, and lets != match nulls', () => {
    expect(names('Industry = null')).toEqual(['initech']);
    expect(names('Industry != null')).toEqual(['Acme', 'Globex', "O'Brien 100%"]);
    expect(names('AnnualRevenue != 5000000')).toEqual(['Globex', 'initech', "O'Brien 100%"]);
    expect(names('AnnualRevenue < 5000000')).toEqual(['Globex', "O'Brien 100%"]);
  });

  it('compares ids on their canonical form, accepting 15 or 18 characters in any suffix case', () => {
    const id15 = ids.a1.slice(0, 15);
    expect(names(`Id = '${id15}'`)).toEqual(['Acme']);
    expect(names(`Id = '${ids.a1}'`)).toEqual(['Acme']);
    expect(names(`Id = '${id15}${ids.a1.slice(15).toLowerCase()}'`)).toEqual(['Acme']);
    expect(names(`Id != '${id15}'`)).toHaveLength(3);
    expect(names(`ParentId = '${id15}'`)).toEqual(['Globex']);
    expect(names("ParentId = ''")).toEqual(['Acme', 'initech']);
    // The 15-character prefix is case-sensitive: another case is another id.
    const swapped = id15.slice(0, 14) + (id15[14] === 'A' ? 'a' : 'A');
    expect(names(`Id = '${swapped}'`)).toEqual([]);
  });
});

describe('WHERE: AND, OR, NOT, parentheses', () => {
  it('combines conditions', () => {
    expect(names("Active__c = true AND Industry = 'technology'")).toEqual(['Acme', "O'Brien 100%"]);
    expect(names("Name = 'Acme' OR Name = 'Globex' OR Name = 'nope'")).toEqual(['Acme', 'Globex']);
    expect(names("(Name = 'Acme' OR Name = 'Globex') AND Active__c = false")).toEqual(['Globex']);
    expect(names("Name = 'Acme' OR (Name = 'Globex' AND Active__c = true)")).toEqual(['Acme']);
    expect(names("NOT Name = 'Acme'")).toEqual(['Globex', 'initech', "O'Brien 100%"]);
    expect(names("NOT (Name = 'Acme' OR Industry = null)")).toEqual(['Globex', "O'Brien 100%"]);
    expect(names("NOT Name = 'Acme' AND NOT Name = 'Globex'")).toEqual(['initech', "O'Brien 100%"]);
    expect(names("((Name = 'Acme'))")).toEqual(['Acme']);
  });
});

describe('WHERE: LIKE, IN, INCLUDES, EXCLUDES', () => {
  it('matches LIKE patterns case-insensitively with % and _', () => {
    expect(names("Name LIKE 'a%'")).toEqual(['Acme']);
    expect(names("Name LIKE '%E%'")).toEqual(['Acme', 'Globex', 'initech', "O'Brien 100%"]);
    expect(names("Name LIKE 'glob_x'")).toEqual(['Globex']);
    expect(names("Name LIKE 'glob_'")).toEqual([]);
    expect(names("Industry LIKE '%'")).toEqual(['Acme', 'Globex', "O'Brien 100%"]);
    expect(names("Name LIKE 'a.*'")).toEqual([]);
  });

  it('treats escaped \\% and \\_ literally and decodes string escapes', () => {
    expect(names("Name LIKE '%100\\%'")).toEqual(["O'Brien 100%"]);
    expect(names("Name LIKE '%1\\_0%'")).toEqual([]);
    expect(names("Name = 'O\\'Brien 100%'")).toEqual(["O'Brien 100%"]);
    expect(names("Name LIKE 'O\\'B%'")).toEqual(["O'Brien 100%"]);
    expect(names("Name = '\\u0041cme'")).toEqual(['Acme']);
    expect(names("Name LIKE '\\u0041%'")).toEqual(['Acme']);
    expect(names("Name = 'Acme\\N'")).toEqual([]);
  });

  it('matches IN and NOT IN lists (NOT IN matches nulls unless null is listed)', () => {
    expect(names("Name IN ('acme', 'GLOBEX', 'x')")).toEqual(['Acme', 'Globex']);
    expect(names("Industry NOT IN ('Energy')")).toEqual(['Acme', 'initech', "O'Brien 100%"]);
    expect(names("Industry NOT IN ('Energy', null)")).toEqual(['Acme', "O'Brien 100%"]);
    expect(names("Industry IN ('Energy', null)")).toEqual(['Globex', 'initech']);
    expect(names('NumberOfEmployees IN (3, 10)')).toEqual(['Globex', "O'Brien 100%"]);
    expect(names(`Id IN ('${ids.a1.slice(0, 15)}', '${ids.a3}')`)).toEqual(['Acme', 'initech']);
    expect(names('LastActivityDate IN (2024-05-15, 2023-12-31)')).toEqual(['Acme', "O'Brien 100%"]);
    expect(names('LastActivityDate IN (TODAY, YESTERDAY)')).toEqual(['Acme', 'Globex']);
    expect(names('Active__c IN (true)')).toEqual(['Acme', "O'Brien 100%"]);
    const many = Array.from({ length: 40 }, (_, i) => `'n${i}'`).join(',');
    expect(names(`Name IN (${many}, 'INITECH')`)).toEqual(['initech']);
  });

  it('matches multipicklists with INCLUDES / EXCLUDES (a;b means both) and = (same set)', () => {
    expect(names("Tier__c INCLUDES ('gold')")).toEqual(['Acme', "O'Brien 100%"]);
    expect(names("Tier__c INCLUDES ('Gold;Platinum')")).toEqual(["O'Brien 100%"]);
    expect(names("Tier__c INCLUDES ('Gold;Platinum', 'Bronze')")).toEqual(['Globex', "O'Brien 100%"]);
    expect(names("Tier__c EXCLUDES ('Silver')")).toEqual(['Globex', 'initech']);
    expect(names("Tier__c EXCLUDES ('Gold;Platinum')")).toEqual(['Acme', 'Globex', 'initech']);
    expect(names("Tier__c = 'silver;gold'")).toEqual(['Acme']);
    expect(names("Tier__c != 'Gold;Silver'")).toEqual(['Globex', 'initech', "O'Brien 100%"]);
    expect(names("Tier__c = 'Gold'")).toEqual([]);
  });
});

describe('WHERE: relative date literals (today is 2024-05-15, UTC)', () => {
  it('TODAY, YESTERDAY, TOMORROW on date fields: = within, > after end, < before start', () => {
    expect(names('LastActivityDate = TODAY')).toEqual(['Acme']);
    expect(names('LastActivityDate = YESTERDAY')).toEqual(['Globex']);
    expect(names('LastActivityDate = TOMORROW')).toEqual([]);
    expect(names('LastActivityDate < TODAY')).toEqual(['Globex', 'initech', "O'Brien 100%"]);
    expect(names('LastActivityDate <= YESTERDAY')).toEqual(['Globex', 'initech', "O'Brien 100%"]);
    expect(names('LastActivityDate > YESTERDAY')).toEqual(['Acme']);
    expect(names('LastActivityDate >= YESTERDAY')).toEqual(['Acme', 'Globex']);
    expect(names('LastActivityDate != TODAY')).toEqual(['Globex', 'initech', "O'Brien 100%"]);
  });

  it('LAST_N_DAYS includes today; NEXT_N_DAYS starts tomorrow; N_DAYS_AGO is one day', () => {
    expect(names('LastActivityDate = LAST_N_DAYS:1')).toEqual(['Acme', 'Globex']);
    expect(names('LastActivityDate = LAST_N_DAYS:0')).toEqual(['Acme']);
    expect(names('LastActivityDate = LAST_N_DAYS:25')).toEqual(['Acme', 'Globex', 'initech']);
    expect(names('LastActivityDate < LAST_N_DAYS:25')).toEqual(["O'Brien 100%"]);
    expect(names('LastActivityDate = N_DAYS_AGO:25')).toEqual(['initech']);
    expect(names('LastActivityDate = NEXT_N_DAYS:5')).toEqual([]);
    expect(org.pluck('SELECT Name FROM Invoice__c WHERE Due__c = NEXT_N_DAYS:5')).toEqual(['INV-1']);
    expect(org.pluck('SELECT Name FROM Invoice__c WHERE Due__c = NEXT_N_DAYS:4')).toEqual([]);
  });

  it('THIS_MONTH, LAST_MONTH, THIS_YEAR and friends', () => {
    expect(names('LastActivityDate = THIS_MONTH')).toEqual(['Acme', 'Globex']);
    expect(names('LastActivityDate = LAST_MONTH')).toEqual(['initech']);
    expect(names('LastActivityDate = THIS_YEAR')).toEqual(['Acme', 'Globex', 'initech']);
    expect(names('LastActivityDate < THIS_YEAR')).toEqual(["O'Brien 100%"]);
    expect(names('LastActivityDate = LAST_YEAR')).toEqual(["O'Brien 100%"]);
    expect(names('LastActivityDate = THIS_WEEK')).toEqual(['Acme', 'Globex']);
    expect(names('LastActivityDate = THIS_QUARTER')).toEqual(['Acme', 'Globex', 'initech']);
    expect(names('LastActivityDate = LAST_N_MONTHS:1')).toEqual(['initech']);
    expect(names('LastActivityDate = THIS_FISCAL_YEAR')).toEqual(['Acme', 'Globex', 'initech']);
  });

  it('uses UTC day ranges against datetime fields', () => {
    expect(names('CreatedDate = TODAY')).toEqual(['Acme']);
    expect(names('CreatedDate = YESTERDAY')).toEqual(['Globex']);
    expect(names('CreatedDate > YESTERDAY')).toEqual(['Acme']);
    expect(names('CreatedDate = LAST_N_DAYS:1')).toEqual(['Acme', 'Globex']);
    expect(names('CreatedDate = LAST_MONTH')).toEqual(['initech']);
  });

  it('follows the clock of the context at evaluation time', () => {
    const q = org.compile('SELECT Name FROM Account WHERE LastActivityDate = TODAY');
    expect(org.run(q).map((r) => r.Name)).toEqual(['Acme']);
    org.clock = new Date('2024-05-14T23:00:00Z');
    try {
      expect(org.run(q).map((r) => r.Name)).toEqual(['Globex']);
    } finally {
      org.clock = new Date('2024-05-15T12:00:00.000Z');
    }
    expect(org.run(q).map((r) => r.Name)).toEqual(['Acme']);
  });
});

describe('WHERE: parent paths', () => {
  it('filters on parent fields; an empty lookup gives null', () => {
    const last = (where: string): unknown[] =>
      org.pluck(`SELECT LastName FROM Contact WHERE ${where} ORDER BY LastName`, 'LastName');
    expect(last("Account.Name = 'acme'")).toEqual(['Smith']);
    expect(last('Account.Name = null')).toEqual(['Jones']);
    expect(last("Account.Parent.Parent.Name = 'Acme'")).toEqual(['Brown']);
    expect(last("Account.Owner.Manager.Alias = 'BOB'")).toEqual(['Smith']);
    expect(last("Account.Name != 'Acme'")).toEqual(['Brown', 'Jones']);
    expect(org.pluck("SELECT Name FROM Invoice__c WHERE Account__r.Industry LIKE 'tech%'")).toEqual([
      'INV-1',
    ]);
  });

  it('filters on formula fields through ctx.value', () => {
    expect(names('Revenue_K__c > 999')).toEqual(['Acme', 'Globex']);
    expect(names('Revenue_K__c = null')).toEqual(['initech']);
  });
});
