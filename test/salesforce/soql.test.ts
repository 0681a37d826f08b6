import { describe, expect, it } from 'vitest';
import { ConfigError, InvariantError } from '../../src/errors/index.js';
import { escapeSoqlLike, escapeSoqlString, SoqlFragment, soql } from '../../src/salesforce/soql.js';

describe('SOQL string escaping', () => {
  it('escapes quotes, backslashes and control characters per the SOQL escape table', () => {
    expect(escapeSoqlString("Bob's BBQ")).toBe("Bob\\'s BBQ");
    expect(escapeSoqlString('a\\b')).toBe('a\\\\b');
    expect(escapeSoqlString('say "hi"')).toBe('say \\"hi\\"');
    expect(escapeSoqlString('l1\nl2\r\tx\f')).toBe('l1\\nl2\\r\\tx\\f');
    expect(escapeSoqlString('bell\u0007 bs\u0008 del\u007f')).toBe('bell\\u0007 bs\\u0008 del\\u007f');
    expect(escapeSoqlString('é😀')).toBe('é😀');
  });

  it('keeps % and _ in plain literals but escapes them for LIKE', () => {
    expect(soql`Name = ${'50%_off'}`.toSoql()).toBe("Name = '50%_off'");
    expect(escapeSoqlLike("50%_off's")).toBe("50\\%\\_off\\'s");
    expect(soql.like.startsWith('Ter%').toSoql()).toBe("'Ter\\%%'");
    expect(soql.like.contains('a_b').toSoql()).toBe("'%a\\_b%'");
  });

  it('cannot be broken out of by injection attempts', () => {
    const evil = "x' OR Name != '";
    const q = soql.select(['Id']).from('Account').where(soql.eq('Name', evil)).toSoql();
    expect(q).toBe("SELECT Id FROM Account WHERE Name = 'x\\' OR Name != \\''");
    const evil2 = "\\' OR Id != null OR Name = '";
    expect(soql`Name = ${evil2}`.toSoql()).toBe("Name = '\\\\\\' OR Id != null OR Name = \\''");
  });
});

describe('SOQL literals', () => {
  it('renders datetimes unquoted in UTC with milliseconds', () => {
    const t = new Date(Date.UTC(2024, 4, 1, 0, 0, 0, 0));
    expect(soql`SystemModstamp >= ${t}`.toSoql()).toBe('SystemModstamp >= 2024-05-01T00:00:00.000Z');
    expect(soql.datetime(t).toSoql()).toBe('2024-05-01T00:00:00.000Z');
    expect(() => soql`X = ${new Date('nope')}`).toThrow(InvariantError);
  });

  it('renders dates, numbers, booleans and null', () => {
    expect(soql.date('2024-02-29').toSoql()).toBe('2024-02-29');
    expect(soql.date(new Date(Date.UTC(2024, 0, 2, 23))).toSoql()).toBe('2024-01-02');
    expect(() => soql.date('2023-02-29')).toThrow(InvariantError);
    expect(() => soql.date('2024-5-1')).toThrow(InvariantError);
    expect(soql`A = ${12.5} AND B = ${-3} AND C = ${true} AND D = ${null}`.toSoql()).toBe(
      'A = 12.5 AND B = -3 AND C = true AND D = null',
    );
    expect(soql`A = ${1e21}`.toSoql()).toBe('A = 1000000000000000000000');
    expect(soql`A = ${1e-7}`.toSoql()).toBe('A = 0.0000001');
    expect(soql`A = ${10n ** 20n}`.toSoql()).toBe('A = 100000000000000000000');
    expect(() => soql`A = ${Number.NaN}`).toThrow(InvariantError);
    expect(() => soql`A = ${Infinity}`).toThrow(InvariantError);
  });

  it('renders IN lists and refuses empty ones', () => {
    expect(soql`Id IN ${['001000000000001AAA', "o'k"]}`.toSoql()).toBe(
      "Id IN ('001000000000001AAA', 'o\\'k')",
    );
    expect(soql.in('Status', ['A', 'B']).toSoql()).toBe("Status IN ('A', 'B')");
    expect(soql.notIn('Amount', [1, 2]).toSoql()).toBe('Amount NOT IN (1, 2)');
    expect(() => soql.in('Id', [])).toThrow(InvariantError);
  });

  it('validates ids', () => {
    expect(soql.id('001000000000001').toSoql()).toBe("'001000000000001'");
    expect(() => soql.id("001' OR ''='")).toThrow(InvariantError);
  });
});

describe('SOQL identifiers', () => {
  it('accepts API names and relationship paths', () => {
    expect(soql.ident('Account').toSoql()).toBe('Account');
    expect(soql.ident('Invoice__c').toSoql()).toBe('Invoice__c');
    expect(soql.ident('Account.Owner.Name').toSoql()).toBe('Account.Owner.Name');
  });

  it('rejects anything else with a ConfigError', () => {
    for (const bad of ['', '1Name', 'Name; DROP', 'Na me', 'a..b', 'a.', '_x', "Name'", 'Name)']) {
      expect(() => soql.ident(bad), bad).toThrow(ConfigError);
    }
    expect(() => soql.select(['Id', 'Bad Field'])).toThrow(ConfigError);
    expect(() => soql.select(['Id']).from('Acc ount')).toThrow(ConfigError);
    expect(() => soql.eq('x=1 OR y', 1)).toThrow(ConfigError);
  });
});

describe('SOQL builder', () => {
  it('builds the keyset page query', () => {
    const last = '001000000000123AAA';
    const q = soql
      .select(['Id', 'Name', 'SystemModstamp'])
      .from('Account')
      .where(soql`Id > ${last}`)
      .orderBy('Id')
      .limit(2000);
    expect(q.toSoql()).toBe(
      "SELECT Id, Name, SystemModstamp FROM Account WHERE Id > '001000000000123AAA' ORDER BY Id ASC LIMIT 2000",
    );
    expect(String(q)).toBe(q.toSoql());
  });

  it('builds the incremental poll query with ANDed conditions', () => {
    const t = new Date('2024-05-01T10:00:00.000Z');
    const q = soql.select(['Id', 'SystemModstamp']).from('Contact').where(soql.gte('SystemModstamp', t))
      .where`IsDeleted = ${false}`
      .orderBy('SystemModstamp')
      .orderBy('Id', 'DESC', 'LAST');
    expect(q.toSoql()).toBe(
      'SELECT Id, SystemModstamp FROM Contact WHERE (SystemModstamp >= 2024-05-01T10:00:00.000Z) AND (IsDeleted = false) ORDER BY SystemModstamp ASC, Id DESC NULLS LAST',
    );
  });

  it('is immutable', () => {
    const base = soql.select(['Id']).from('Account');
    const limited = base.limit(5);
    expect(base.toSoql()).toBe('SELECT Id FROM Account');
    expect(limited.toSoql()).toBe('SELECT Id FROM Account LIMIT 5');
  });

  it('combines conditions with and/or/not', () => {
    const c = soql.or(soql.eq('A', 1), soql.and(soql.gt('B', 2), soql.not(soql.eq('C', 'x'))));
    expect(c.toSoql()).toBe("(A = 1) OR ((B > 2) AND (NOT (C = 'x')))");
  });

  it('accepts trusted constants only through unsafeRaw', () => {
    expect(
      soql
        .select([SoqlFragment.unsafeRaw('COUNT()')])
        .from('Account')
        .toSoql(),
    ).toBe('SELECT COUNT() FROM Account');
  });

  it('refuses incomplete or nonsensical queries', () => {
    expect(() => soql.select(['Id']).toSoql()).toThrow(InvariantError);
    expect(() => soql.select([])).toThrow(InvariantError);
    expect(() => soql.select(['Id']).from('A').limit(-1)).toThrow(InvariantError);
    expect(() => soql.select(['Id']).from('A').offset(1.5)).toThrow(InvariantError);
  });
});
