import { describe, expect, it } from 'vitest';
import type { Row, Value } from '../../src/emulator/schema/types.js';
import { compileFormula, FormulaError } from '../../src/emulator/soql/formula.js';
import { field, makeCatalog, MemoryOrg, seed, thrown } from './soql-fixture.js';

const { org, ids } = seed();
const catalog = org.catalog;
const account = catalog.object('Account')!;
const row = (id: string): Row => org.record(id)!.row;
/** Evaluates a formula on an Account (Acme unless another id is given). */
const ev = (formula: string, id = ids.a1, objectName = 'Account'): Value =>
  compileFormula(formula, catalog.object(objectName)!, catalog)(row(id), org);

describe('formulas: values, fields and operators', () => {
  it('evaluates literals and field references case-insensitively', () => {
    expect(ev('42')).toBe(42);
    expect(ev('1.5')).toBe(1.5);
    expect(ev("'it\\'s'")).toBe("it's");
    expect(ev('"double"')).toBe('double');
    expect(ev('TRUE')).toBe(true);
    expect(ev('false')).toBe(false);
    expect(ev('null')).toBeNull();
    expect(ev("''")).toBeNull();
    expect(ev('name')).toBe('Acme');
    expect(ev('ANNUALREVENUE')).toBe(5_000_000);
    expect(ev('Active__c')).toBe(true);
    expect(ev('LastActivityDate')).toBe('2024-05-15');
    expect(ev('Revenue_K__c')).toBe(5000);
  });

  it('follows parent paths through relationship names; an empty lookup gives null', () => {
    expect(ev('Owner.Name')).toBe('Alice');
    expect(ev('Owner.Manager.Name')).toBe('Bob Boss');
    expect(ev('Owner.Name', ids.a3)).toBeNull();
    expect(ev('Account__r.Name', ids.i1, 'Invoice__c')).toBe('Acme');
    expect(ev('account__r.owner.alias', ids.i1, 'Invoice__c')).toBe('ali');
    expect(ev('Account__r.Name', ids.i2, 'Invoice__c')).toBeNull();
    expect(ev('Account.Name & " / " & LastName', ids.c1, 'Contact')).toBe('Acme / Smith');
  });

  it('does arithmetic with precedence, null propagation and division by zero as null', () => {
    expect(ev('1 + 2 * 3')).toBe(7);
    expect(ev('(1 + 2) * 3')).toBe(9);
    expect(ev('10 - 4 - 3')).toBe(3);
    expect(ev('7 / 2')).toBe(3.5);
    expect(ev('2 ^ 3 ^ 2')).toBe(512);
    expect(ev('-AnnualRevenue / 1000000')).toBe(-5);
    expect(ev('+3')).toBe(3);
    expect(ev('AnnualRevenue + 1', ids.a3)).toBeNull();
    expect(ev('1 / 0')).toBeNull();
    expect(ev('NULL + 1')).toBeNull();
  });

  it('does date and datetime arithmetic', () => {
    expect(ev('LastActivityDate + 20')).toBe('2024-06-04');
    expect(ev('LastActivityDate - 15')).toBe('2024-04-30');
    expect(ev('3 + LastActivityDate')).toBe('2024-05-18');
    expect(ev('LastActivityDate - DATE(2024, 1, 1)')).toBe(135);
    expect(ev('CreatedDate + 0.5')).toBe('2024-05-15T20:00:00.000Z');
    expect(ev('NOW() - CreatedDate')).toBeCloseTo(4 / 24, 10);
  });

  it('concatenates text with & (blank as empty) and with +', () => {
    expect(ev("Name & '-' & Industry")).toBe('Acme-Technology');
    expect(ev("Name & '-' & Industry", ids.a3)).toBe('initech-');
    expect(ev('Industry & Industry', ids.a3)).toBeNull();
    expect(ev("Name + '!'")).toBe('Acme!');
  });

  it('compares values (text case-sensitively), with = == != <> < > <= >=', () => {
    expect(ev("Name = 'Acme'")).toBe(true);
    expect(ev("Name == 'ACME'")).toBe(false);
    expect(ev("Name != 'Acme'")).toBe(false);
    expect(ev("Name <> 'x'")).toBe(true);
    expect(ev('AnnualRevenue > 100')).toBe(true);
    expect(ev('AnnualRevenue < 100')).toBe(false);
    expect(ev('AnnualRevenue >= 5000000')).toBe(true);
    expect(ev('AnnualRevenue <= 4999999')).toBe(false);
    expect(ev('LastActivityDate < TODAY()', ids.a2)).toBe(true);
    expect(ev('Industry = null', ids.a3)).toBe(true);
    expect(ev('AnnualRevenue > 1', ids.a3)).toBe(false);
  });

  it('combines booleans with && || ! (null counts as false)', () => {
    expect(ev('Active__c && AnnualRevenue > 1')).toBe(true);
    expect(ev('!Active__c || Name = "Acme"')).toBe(true);
    expect(ev('!Active__c')).toBe(false);
    expect(ev('Active__c || false', ids.a2)).toBe(false);
  });
});

describe('formulas: functions', () => {
  it('IF, AND, OR, NOT, CASE', () => {
    expect(ev("IF(AnnualRevenue > 1000000, 'Big', 'Small')")).toBe('Big');
    expect(ev("IF(AnnualRevenue > 1000000, 'Big', 'Small')", ids.a4)).toBe('Small');
    expect(ev("IF(AnnualRevenue > 1000000, 'Big', NULL)", ids.a3)).toBeNull();
    expect(ev('AND(Active__c, AnnualRevenue > 1, true)')).toBe(true);
    expect(ev('AND(Active__c, AnnualRevenue > 1)', ids.a2)).toBe(false);
    expect(ev('OR(Active__c, AnnualRevenue > 1)', ids.a2)).toBe(true);
    expect(ev('NOT(Active__c)')).toBe(false);
    expect(ev("CASE(Industry, 'Technology', 1, 'Energy', 2, 0)")).toBe(1);
    expect(ev("CASE(Industry, 'Technology', 1, 'Energy', 2, 0)", ids.a2)).toBe(2);
    expect(ev("CASE(Industry, 'Technology', 1, 'Energy', 2, 0)", ids.a3)).toBe(0);
  });

  it('ISBLANK, ISNULL, BLANKVALUE, NULLVALUE, ISPICKVAL, INCLUDES, ISNUMBER', () => {
    expect(ev('ISBLANK(Industry)', ids.a3)).toBe(true);
    expect(ev('ISBLANK(Industry)')).toBe(false);
    expect(ev('ISNULL(AnnualRevenue)', ids.a3)).toBe(true);
    expect(ev("BLANKVALUE(Industry, 'n/a')", ids.a3)).toBe('n/a');
    expect(ev("BLANKVALUE(Industry, 'n/a')")).toBe('Technology');
    expect(ev('NULLVALUE(AnnualRevenue, 0)', ids.a3)).toBe(0);
    expect(ev("ISPICKVAL(Industry, 'Technology')")).toBe(true);
    expect(ev("ISPICKVAL(Industry, 'technology')")).toBe(false);
    expect(ev("INCLUDES(Tier__c, 'Silver')")).toBe(true);
    expect(ev("INCLUDES(Tier__c, 'Platinum')")).toBe(false);
    expect(ev("ISNUMBER('12.5')")).toBe(true);
    expect(ev("ISNUMBER('x')")).toBe(false);
  });

  it('text functions', () => {
    expect(ev('UPPER(Name)')).toBe('ACME');
    expect(ev('LOWER(Name)')).toBe('acme');
    expect(ev('UPPER(Industry)', ids.a3)).toBeNull();
    expect(ev("TRIM('  a b  ')")).toBe('a b');
    expect(ev('LEN(Name)')).toBe(4);
    expect(ev('LEN(Industry)', ids.a3)).toBe(0);
    expect(ev('LEFT(Name, 2) & RIGHT(Name, 1) & MID(Name, 2, 2)')).toBe('Acecm');
    expect(ev("CONTAINS(Name, 'cm')")).toBe(true);
    expect(ev("BEGINS(Name, 'Ac')")).toBe(true);
    expect(ev("SUBSTITUTE(Name, 'c', 'k')")).toBe('Akme');
    expect(ev("FIND('m', Name)")).toBe(3);
    expect(ev("FIND('z', Name)")).toBe(0);
  });

  it('TEXT and VALUE convert', () => {
    expect(ev('TEXT(AnnualRevenue)')).toBe('5000000');
    expect(ev('TEXT(LastActivityDate)')).toBe('2024-05-15');
    expect(ev('TEXT(CreatedDate)')).toBe('2024-05-15 08:00:00Z');
    expect(ev('TEXT(Industry)')).toBe('Technology');
    expect(ev('TEXT(AnnualRevenue)', ids.a3)).toBeNull();
    expect(ev("VALUE('12.5') * 2")).toBe(25);
    expect(ev("VALUE('abc')")).toBeNull();
  });

  it('math functions', () => {
    expect(ev('ROUND(2.345, 2)')).toBe(2.35);
    expect(ev('ROUND(-2.5, 0)')).toBe(-3);
    expect(ev('ROUND(1234.5, -2)')).toBe(1200);
    expect(ev('FLOOR(2.7)')).toBe(2);
    expect(ev('CEILING(2.1)')).toBe(3);
    expect(ev('CEILING(-2.1)')).toBe(-3);
    expect(ev('ABS(-4)')).toBe(4);
    expect(ev('MOD(7, 3)')).toBe(1);
    expect(ev('MOD(7, 0)')).toBeNull();
    expect(ev('MAX(1, 5, 3)')).toBe(5);
    expect(ev('MIN(1, 5, AnnualRevenue)')).toBe(1);
    expect(ev('SQRT(16)')).toBe(4);
  });

  it('date functions, relative to the context clock', () => {
    expect(ev('TODAY()')).toBe('2024-05-15');
    expect(ev('NOW()')).toBe('2024-05-15T12:00:00.000Z');
    expect(ev('DATE(2024, 2, 29)')).toBe('2024-02-29');
    expect(ev('DATE(2023, 2, 29)')).toBeNull();
    expect(ev('YEAR(LastActivityDate) * 10000 + MONTH(LastActivityDate) * 100 + DAY(LastActivityDate)')).toBe(
      20240515,
    );
    expect(ev('WEEKDAY(LastActivityDate)')).toBe(4);
    expect(ev('DATEVALUE(CreatedDate)')).toBe('2024-05-15');
    expect(ev("DATEVALUE('2024-01-02')")).toBe('2024-01-02');
    expect(ev("DATETIMEVALUE('2024-01-02 03:04:05')")).toBe('2024-01-02T03:04:05.000Z');
    expect(ev('ADDMONTHS(DATE(2024, 1, 31), 1)')).toBe('2024-02-29');
    expect(ev('ADDMONTHS(DATE(2024, 2, 29), 1)')).toBe('2024-03-31');
    expect(ev('ADDMONTHS(DATE(2024, 3, 15), -3)')).toBe('2023-12-15');
    expect(ev('ADDMONTHS(CreatedDate, 1)')).toBe('2024-06-15T08:00:00.000Z');
    const later = new MemoryOrg(org.catalog);
    later.clock = new Date('2030-01-01T00:00:00Z');
    expect(compileFormula('TODAY() - 1', account, catalog)(row(ids.a1), later)).toBe('2029-12-31');
  });

  it('ignores comments and whitespace', () => {
    expect(ev('/* revenue in k */ AnnualRevenue\n\t/ 1000')).toBe(5000);
  });
});

describe('formulas: result typing for a field and errors', () => {
  it('rounds numbers to the field scale and checks the result type', () => {
    const pct = field({ name: 'Pct__c', type: 'percent', scale: 1, formula: 'x' });
    expect(compileFormula('1 / 3 * 100', account, catalog, pct)(row(ids.a1), org)).toBe(33.3);
    const err = thrown(() => compileFormula('Name', account, catalog, pct));
    expect(err).toBeInstanceOf(FormulaError);
    expect(err.message).toBe(
      'Invalid formula for Account.Pct__c: Formula result is data type (Text), incompatible with expected data type (Number). (at character 1)',
    );
  });

  it('refuses bad formulas with FormulaError naming the object, field and problem', () => {
    const cases: Array<[string, string]> = [
      ['Foo__c + 1', 'Field Foo__c does not exist. Check spelling.'],
      ['Owner.Nope', 'Field Owner.Nope does not exist. Check spelling.'],
      ['Nope.Name', 'Field Nope.Name does not exist. Check spelling.'],
      ['FOO(1)', 'Unknown function FOO. Check spelling.'],
      ["IF(Active__c, 'a')", "Incorrect number of parameters for function 'IF()'. Expected 3, received 2"],
      [
        'UPPER(AnnualRevenue)',
        "Incorrect parameter type for function 'UPPER()'. Expected Text, received Number",
      ],
      [
        "IF(Active__c, 1, 'a')",
        "Incorrect parameter type for function 'IF()'. Expected Number, received Text",
      ],
      [
        'Name + 1',
        "Incorrect parameter type for operator '+'. Expected Number, Date, DateTime, Text, received Number",
      ],
      ['Name & 1', "Incorrect parameter type for operator '&'. Expected Text, received Number"],
      ['Name = 1', "Incorrect parameter type for operator '='. Expected Text, received Number"],
      ['(1 + 2', "Syntax error. Missing ')'"],
      ['1 +', 'Syntax error. Missing operand at the end of the formula'],
      ['1 2', "Syntax error. Extra '2'"],
      ['1 # 2', "Syntax error. Found '#'"],
      ["'abc", 'Syntax error. Missing closing quote'],
      ['', 'Syntax error. The formula is empty'],
      ['BillingAddress', 'Field BillingAddress is a address field, which formulas cannot reference'],
      ['$User.Id', 'Global variable $User is not supported'],
      [
        "CASE(Industry, 'a', 1)",
        "Incorrect number of parameters for function 'CASE()'. Expected at least 4, received 3",
      ],
    ];
    for (const [formula, detail] of cases) {
      const err = thrown(() => compileFormula(formula, account, catalog, 'Score__c'));
      expect(err, formula).toBeInstanceOf(FormulaError);
      expect((err as FormulaError).detail, formula).toBe(detail);
      expect(err.message, formula).toContain('Invalid formula for Account.Score__c: ');
    }
    expect(thrown(() => compileFormula('Nope', account, makeCatalog())).message).toBe(
      'Invalid formula on Account: Field Nope does not exist. Check spelling. (at character 1)',
    );
  });
});
