import { describe, expect, it } from 'vitest';
import { SoqlError } from '../../src/emulator/soql/types.js';
import { seed, thrown } from './soql-fixture.js';

const { org, ids } = seed();
const fail = (soql: string): { errorCode?: string; message: string } => thrown(() => org.compile(soql));
/** The message after Salesforce's `\n<excerpt>\n^\nERROR at Row:r:Column:c\n` prefix. */
const tail = (message: string): string => message.slice(message.lastIndexOf('\n') + 1);

describe('SOQL errors in Salesforce words', () => {
  it('reports syntax errors as MALFORMED_QUERY with the pointer prefix', () => {
    const err = fail('SELECT Id FRM Account');
    expect(err).toBeInstanceOf(SoqlError);
    expect(err.errorCode).toBe('MALFORMED_QUERY');
    expect(err.message).toBe(
      "\nSELECT Id FRM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FRM'",
    );
  });

  it('counts rows and columns on multi-line queries and windows long lines', () => {
    const err = fail('SELECT Id\nFROM Account\nWHERE Name = = 1');
    expect(err.message).toContain('ERROR at Row:3:Column:14\n');
    expect(tail(err.message)).toBe("unexpected token: '='");
    const long = `SELECT ${Array.from({ length: 30 }, () => 'Name').join(', ')} Account`;
    const lines = fail(long).message.split('\n');
    expect(lines[1]!.length).toBeLessThan(100);
    expect(lines[2]!.indexOf('^')).toBe(lines[1]!.indexOf('Account'));
  });

  it('reports other syntax errors', () => {
    for (const [soql, message] of [
      ['', 'unexpected token: <EOF>'],
      ['SELECT FROM Account', "unexpected token: 'FROM'"],
      ['SELECT Id FROM', 'unexpected token: <EOF>'],
      ['SELECT Id, FROM Account', "unexpected token: 'FROM'"],
      ['SELECT Id FROM Account WHERE', 'unexpected token: <EOF>'],
      ["SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'", "unexpected token: 'OR'"],
      ["SELECT Id FROM Account WHERE Name = 'a' OR Name = 'b' AND Name = 'c'", "unexpected token: 'AND'"],
      ["SELECT Id FROM Account WHERE (Name = 'a'", 'unexpected token: <EOF>'],
      ['SELECT Id FROM Account LIMIT x', "unexpected token: 'x'"],
      ['SELECT Id FROM Account LIMIT 1.5', "unexpected token: '1.5'"],
      ['SELECT Id FROM Account ORDER Name', "unexpected token: 'Name'"],
      ['SELECT Id FROM Account ORDER BY Name NULLS MIDDLE', "unexpected token: 'MIDDLE'"],
      ['SELECT Id FROM Account FOR LUNCH', "unexpected token: 'LUNCH'"],
      ["SELECT Id FROM Account WHERE Name NOT LIKE 'a'", "unexpected token: 'LIKE'"],
      ['SELECT Id FROM Account WHERE Name = Acme', "unexpected token: 'Acme'"],
      ['SELECT Id FROM Account WHERE LastActivityDate = LAST_N_DAYS', 'unexpected token: <EOF>'],
      ['SELECT Id FROM Account WHERE LastActivityDate = LAST_N_DAYS:-1', "unexpected token: '-1'"],
      ['SELECT Id FROM Account LIMIT 5 garbage', "unexpected token: 'garbage'"],
    ] as const) {
      const err = fail(soql);
      expect(err.errorCode, soql).toBe('MALFORMED_QUERY');
      expect(tail(err.message), soql).toBe(message);
    }
  });

  it('rejects bad literals', () => {
    expect(tail(fail("SELECT Id FROM Account WHERE Name = 'abc").message)).toBe(
      "line 1:41 mismatched character '<EOF>' expecting '''",
    );
    expect(tail(fail("SELECT Id FROM Account WHERE Name = 'a\\qb'").message)).toBe(
      "Invalid string literal 'a\\q'. Illegal character sequence '\\q' in string literal.",
    );
    expect(tail(fail("SELECT Id FROM Account WHERE Name = 'a\\%'").message)).toBe(
      "Invalid string literal 'a\\%'. Illegal character sequence '\\%' in string literal.",
    );
    expect(fail("SELECT Id FROM Account WHERE Name IN ('x', 'a\\_b')").errorCode).toBe('MALFORMED_QUERY');
    expect(tail(fail('SELECT Id FROM Account WHERE Name = #').message)).toBe(
      "line 1:37 no viable alternative at character '#'",
    );
    expect(fail('SELECT Id FROM Account WHERE CreatedDate > 2024-05-01T10:00:00').errorCode).toBe(
      'MALFORMED_QUERY',
    );
    expect(fail('SELECT Id FROM Account WHERE LastActivityDate > 2024-02-30').errorCode).toBe(
      'MALFORMED_QUERY',
    );
  });

  it('says plainly which valid SOQL the emulator does not support', () => {
    for (const [soql, what] of [
      ['SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry', 'aggregate function COUNT'],
      ['SELECT Industry FROM Account GROUP BY Industry', 'GROUP BY'],
      ['SELECT MAX(AnnualRevenue) FROM Account', 'aggregate function MAX'],
      ['SELECT Id, (SELECT Id FROM Contacts) FROM Account', 'subquery'],
      ['SELECT TYPEOF What WHEN Account THEN Name END FROM Task', 'TYPEOF'],
      ['SELECT FIELDS(ALL) FROM Account LIMIT 200', 'FIELDS()'],
      ['SELECT toLabel(Industry) FROM Account', 'toLabel()'],
      ['SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)', 'semi-join'],
      ['SELECT Id FROM Account WHERE Name = :name', 'bind variable'],
      ['SELECT Id FROM Account WHERE CALENDAR_YEAR(CreatedDate) = 2024', 'CALENDAR_YEAR()'],
      ['SELECT Id FROM Account USING SCOPE Mine', 'USING SCOPE'],
      ['SELECT Id FROM Account WITH DATA CATEGORY Geography__c AT usa__c', 'WITH DATA CATEGORY'],
    ] as const) {
      const err = fail(soql);
      expect(err.errorCode, soql).toBe('MALFORMED_QUERY');
      expect(err.message, soql).toContain(what);
      expect(err.message, soql).toContain('not supported by the Ferry Salesforce emulator');
    }
  });

  it('reports an unknown object as INVALID_TYPE', () => {
    const err = fail('SELECT Id FROM Foo');
    expect(err.errorCode).toBe('INVALID_TYPE');
    expect(err.message).toBe(
      "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.",
    );
  });

  it('reports unknown fields and relationships as INVALID_FIELD', () => {
    const err = fail('SELECT Id, Foo FROM Account');
    expect(err.errorCode).toBe('INVALID_FIELD');
    expect(err.message).toBe(
      "\nSELECT Id, Foo FROM Account\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    expect(tail(fail('SELECT Account.Foo FROM Contact').message)).toMatch(
      /^No such column 'Foo' on entity 'Account'\./,
    );
    expect(tail(fail('SELECT Id FROM Account WHERE Bar__c = 1').message)).toMatch(/^No such column 'Bar__c'/);
    expect(tail(fail('SELECT Id FROM Account ORDER BY Bar__c').message)).toMatch(/^No such column 'Bar__c'/);
    const rel = fail('SELECT Invoice__c.Account__c.Name FROM Invoice__c');
    expect(rel.errorCode).toBe('INVALID_FIELD');
    expect(tail(rel.message)).toBe(
      "Didn't understand relationship 'Account__c' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    expect(tail(fail('SELECT Account FROM Contact').message)).toMatch(
      /^No such column 'Account' on entity 'Contact'/,
    );
  });

  it('refuses paths more than 5 relationships deep, duplicates, and COUNT() with fields', () => {
    expect(fail('SELECT Account.Parent.Parent.Parent.Parent.Parent.Name FROM Contact').message).toContain(
      'more than 5 levels away',
    );
    const dup = fail('SELECT Name, Id, name FROM Account');
    expect(dup.errorCode).toBe('INVALID_FIELD');
    expect(tail(dup.message)).toBe('duplicate field selected: Name');
    expect(fail('SELECT COUNT(), Name FROM Account').errorCode).toBe('MALFORMED_QUERY');
  });

  it('checks literal types against field types', () => {
    const cases = [
      [
        'CreatedDate > 2024-05-01',
        "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes",
      ],
      [
        "CreatedDate > '2024-05-01T00:00:00Z'",
        "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes",
      ],
      [
        'LastActivityDate = 2024-05-01T00:00:00Z',
        "value of filter criterion for field 'LastActivityDate' must be of type date and should not be enclosed in quotes",
      ],
      [
        'Name = 5',
        "value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes",
      ],
      [
        "AnnualRevenue > '5'",
        "value of filter criterion for field 'AnnualRevenue' must be of type double and should not be enclosed in quotes",
      ],
      [
        "Active__c = 'true'",
        "value of filter criterion for field 'Active__c' must be of type boolean and should not be enclosed in quotes",
      ],
      [
        'Name = TODAY',
        "value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes",
      ],
      [
        'Name LIKE 5',
        "value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes",
      ],
      [
        'Tier__c INCLUDES (1)',
        "value of filter criterion for field 'Tier__c' must be of type string and should be enclosed in quotes",
      ],
    ] as const;
    for (const [where, message] of cases) {
      const err = fail(`SELECT Id FROM Account WHERE ${where}`);
      expect(err.errorCode, where).toBe('INVALID_FIELD');
      expect(tail(err.message), where).toBe(message);
    }
  });

  it('refuses malformed ids and misused operators', () => {
    const bad = fail("SELECT Id FROM Account WHERE Id = 'foo'");
    expect(bad.errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
    expect(tail(bad.message)).toBe('invalid ID field: foo');
    expect(fail(`SELECT Id FROM Account WHERE OwnerId = '${ids.u1.slice(0, 15)}XYZ'`).errorCode).toBe(
      'INVALID_QUERY_FILTER_OPERATOR',
    );
    expect(tail(fail("SELECT Id FROM Account WHERE Name INCLUDES ('a')").message)).toBe(
      'includes or excludes operator only valid on multipicklist field',
    );
    expect(fail('SELECT Id FROM Account WHERE Active__c > true').errorCode).toBe(
      'INVALID_QUERY_FILTER_OPERATOR',
    );
    expect(fail("SELECT Id FROM Account WHERE AnnualRevenue LIKE '1%'").errorCode).toBe(
      'INVALID_QUERY_FILTER_OPERATOR',
    );
    expect(fail('SELECT Id FROM Account WHERE Name > null').errorCode).toBe('INVALID_QUERY_FILTER_OPERATOR');
  });

  it('refuses filtering and sorting on fields that cannot be', () => {
    expect(tail(fail("SELECT Id FROM Account WHERE Description = 'x'").message)).toBe(
      "field 'Description' can not be filtered in query call",
    );
    expect(tail(fail('SELECT Id FROM Account WHERE BillingAddress = null').message)).toBe(
      "field 'BillingAddress' can not be filtered in query call",
    );
    expect(tail(fail('SELECT Id FROM Account ORDER BY Tier__c').message)).toBe(
      "field 'Tier__c' can not be sorted in a query call",
    );
  });

  it('caps OFFSET at 2000', () => {
    const err = fail('SELECT Id FROM Account OFFSET 2001');
    expect(err.errorCode).toBe('NUMBER_OUTSIDE_VALID_RANGE');
    expect(tail(err.message)).toBe('Maximum SOQL offset allowed is 2000');
  });
});
