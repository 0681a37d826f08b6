import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg } from '../../src/emulator/org/org.js';
import type { OrgApi } from '../../src/emulator/org/types.js';
import type { Row } from '../../src/emulator/schema/types.js';

function all(org: OrgApi, soql: string, scanAll = false): Row[] {
  const cursor = org.openCursor(org.compile(soql), { scanAll });
  const rows: Row[] = [];
  for (let pos = 0; pos < cursor.totalSize; pos += 200) rows.push(...cursor.page(pos, 200));
  return rows;
}

describe('emulated org: seed', () => {
  let org: OrgApi;
  beforeAll(async () => {
    org = await createOrg({ seed: 'demo' });
  });

  it('generates the demo org deterministically, with valid related ids', async () => {
    const other = await createOrg({ seed: 'demo' });
    const a = all(org, 'SELECT Id, Name, AccountId, Email FROM Contact ORDER BY Id LIMIT 50');
    const b = all(other, 'SELECT Id, Name, AccountId, Email FROM Contact ORDER BY Id LIMIT 50');
    expect(a.map((r) => [r.Id, r.AccountId, r.Email])).toEqual(b.map((r) => [r.Id, r.AccountId, r.Email]));
    for (const c of a) expect(org.retrieve('Account', c.AccountId as string).row.Id).toBe(c.AccountId);
    expect(org.openCursor(org.compile('SELECT COUNT() FROM Account'), { scanAll: false }).totalSize).toBe(
      500,
    );
    expect(org.openCursor(org.compile('SELECT COUNT() FROM Contact'), { scanAll: false }).totalSize).toBe(
      1500,
    );
  });

  it('renders generated REST records exactly like the general renderer', () => {
    const fields = 'Id, Name, Amount__c, Paid__c, Invoice_Date__c, CreatedDate, Notes__c, Account__c';
    const plain = org.compile(`SELECT ${fields} FROM Invoice__c LIMIT 300`);
    // A parent path makes the compiler use its general (closure) renderer for the whole record.
    const general = org.compile(`SELECT ${fields}, Account__r.Name FROM Invoice__c LIMIT 300`);
    for (const row of org.openCursor(plain, { scanAll: false }).page(0, 300)) {
      const { Account__r: _parent, ...expected } = general.toJson(row, org.ctx, '62.0');
      expect(JSON.stringify(plain.toJson(row, org.ctx, '62.0'))).toBe(JSON.stringify(expected));
    }
  });

  it('computes formula fields on read', () => {
    const inv = all(
      org,
      'SELECT Id, Amount__c, Tax_Rate__c, Total__c, Account_Name__c, Account__c FROM Invoice__c LIMIT 5',
    );
    for (const r of inv) {
      const row = org.retrieve('Invoice__c', r.Id as string);
      const total = org.ctx.value(row.object, row.row, row.object.fieldIndex.get('total__c')!);
      expect(total).toBeCloseTo(
        Math.round((r.Amount__c as number) * (1 + (r.Tax_Rate__c as number) / 100) * 100) / 100,
        2,
      );
      const account = org.retrieve('Account', r.Account__c as string);
      const name = org.ctx.value(row.object, row.row, row.object.fieldIndex.get('account_name__c')!);
      expect(name).toBe(account.row.Name);
    }
  });
});

describe('emulated org: writes', () => {
  let org: OrgApi;
  beforeAll(async () => {
    org = await createOrg({ seed: 'demo' });
  });

  it('creates records with system fields, trimmed strings, empty strings as null', () => {
    const [r] = org.create('Account', [{ Name: '  Trim Me  ', Phone: '', Ferry_Id__c: 'f-1' }]);
    expect(r).toMatchObject({ success: true, errors: [] });
    const { row } = org.retrieve('Account', r!.id!);
    expect(row.Name).toBe('Trim Me');
    expect(row.Phone ?? null).toBeNull();
    expect(row.OwnerId).toBe(org.identity.userId);
    expect(row.CreatedDate).toBe(row.SystemModstamp);
    expect(row.IsDeleted).toBe(false);
  });

  it('rejects bad values with Salesforce codes and messages', () => {
    const results = org.create('Contact', [
      { FirstName: 'No Last Name' },
      { LastName: 'x'.repeat(81) },
      { LastName: 'Ok', Email: 'not-an-email' },
      { LastName: 'Ok', AccountId: '001000000000000AAA' },
      { LastName: 'Ok', AccountId: 'not-an-id' },
      { LastName: 'Ok', AccountId: '003000000000000AAA' },
      { LastName: 'Ok', Name: 'calculated' },
      { LastName: 'Ok', Bogus__c: 1 },
      { LastName: 'Fine' },
    ]);
    expect(results.map((r) => r.errors[0]?.statusCode ?? 'OK')).toEqual([
      'REQUIRED_FIELD_MISSING',
      'STRING_TOO_LONG',
      'INVALID_EMAIL_ADDRESS',
      'INVALID_CROSS_REFERENCE_KEY',
      'MALFORMED_ID',
      'FIELD_INTEGRITY_EXCEPTION',
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      'INVALID_FIELD',
      'OK',
    ]);
    expect(results[0]!.errors[0]).toEqual({
      statusCode: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [LastName]',
      fields: ['LastName'],
    });
    const [bad] = org.create('Opportunity', [{ Name: 'x', StageName: 'Nope', CloseDate: '2025-01-01' }]);
    expect(bad!.errors[0]!.statusCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  });

  it('enforces unique external ids and rolls back with allOrNone', () => {
    const [first] = org.create('Account', [{ Name: 'U1', Ferry_Id__c: 'uniq-1' }]);
    const [dup] = org.create('Account', [{ Name: 'U2', Ferry_Id__c: 'UNIQ-1' }]);
    expect(dup!.errors[0]!.statusCode).toBe('DUPLICATE_VALUE');
    expect(dup!.errors[0]!.message).toContain(first!.id!);
    const rolled = org.create('Account', [{ Name: 'A' }, { Name: null }], { allOrNone: true });
    expect(rolled.map((r) => r.errors[0]?.statusCode)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'REQUIRED_FIELD_MISSING',
    ]);
    expect(all(org, "SELECT Id FROM Account WHERE Name = 'A'")).toHaveLength(0);
  });

  it('upserts by external id, inserting then updating', () => {
    const accountId = all(org, 'SELECT Id FROM Account LIMIT 1')[0]!.Id;
    const [ins] = org.upsert('Invoice__c', 'Invoice_Number__c', [
      { Invoice_Number__c: 'NEW-1', Name: 'n1', Account__c: accountId },
    ]);
    expect(ins).toMatchObject({ success: true, created: true });
    const [upd] = org.upsert('Invoice__c', 'Invoice_Number__c', [
      { Invoice_Number__c: 'new-1', Amount__c: 12.345 },
    ]);
    expect(upd).toMatchObject({ success: true, created: false, id: ins!.id });
    expect(org.retrieve('Invoice__c', ins!.id!).row.Amount__c).toBe(12.35);
    // A seeded record found by its generated external id.
    const [seeded] = org.upsert('Invoice__c', 'Invoice_Number__c', [
      { Invoice_Number__c: 'INV-000001', Notes__c: 'touched' },
    ]);
    expect(seeded).toMatchObject({ success: true, created: false });
  });

  it('references parents by external id', () => {
    const [parent] = org.create('Account', [{ Name: 'Parent', Ferry_Id__c: 'parent-ext' }]);
    const [child] = org.create('Contact', [{ LastName: 'Child', Account: { Ferry_Id__c: 'parent-ext' } }]);
    expect(org.retrieve('Contact', child!.id!).row.AccountId).toBe(parent!.id);
    const [csvChild] = org.create(
      'Contact',
      [{ LastName: 'CsvChild', 'Account.Ferry_Id__c': 'parent-ext' }],
      { format: 'text' },
    );
    expect(org.retrieve('Contact', csvChild!.id!).row.AccountId).toBe(parent!.id);
    const [missing] = org.create('Contact', [{ LastName: 'Orphan', Account: { Ferry_Id__c: 'nope' } }]);
    expect(missing!.errors[0]!.message).toContain('Foreign key external ID: nope not found');
  });

  it('soft-deletes with cascade, reports getDeleted, undeletes, purges', () => {
    const [acct] = org.create('Account', [{ Name: 'Doomed' }]);
    const [contact] = org.create('Contact', [{ LastName: 'Goes too', AccountId: acct!.id }]);
    expect(org.delete([acct!.id!])[0]!.success).toBe(true);
    expect(() => org.retrieve('Contact', contact!.id!)).toThrow(/entity is deleted/);
    expect(all(org, `SELECT Id FROM Contact WHERE Id = '${contact!.id}'`)).toHaveLength(0);
    expect(
      all(org, `SELECT Id, IsDeleted FROM Contact WHERE Id = '${contact!.id}'`, true)[0]!.IsDeleted,
    ).toBe(true);
    const now = org.now();
    // Coverage ends at the last whole minute before now: let the clock pass the delete's minute.
    org.advanceClock(120_000);
    const deleted = org.getDeleted(
      'Contact',
      new Date(now.getTime() - 3_600_000),
      new Date(now.getTime() + 120_000),
    );
    expect(deleted.deletedRecords.map((d) => d.id)).toContain(contact!.id);
    expect(org.create('Contact', [{ LastName: 'x', AccountId: acct!.id }])[0]!.errors[0]!.statusCode).toBe(
      'ENTITY_IS_DELETED',
    );
    expect(org.undelete([acct!.id!])[0]!.success).toBe(true);
    expect(org.retrieve('Contact', contact!.id!).row.IsDeleted).toBe(false);
    org.delete([contact!.id!]);
    expect(org.emptyRecycleBin()).toBeGreaterThan(0);
    expect(all(org, `SELECT Id FROM Contact WHERE Id = '${contact!.id}'`, true)).toHaveLength(0);
    expect(
      org
        .getDeleted('Contact', new Date(now.getTime() - 3_600_000), new Date(now.getTime() + 120_000))
        .deletedRecords.map((d) => d.id),
    ).not.toContain(contact!.id);
  });

  it('changes as a user bump SystemModstamp; delayed commits appear later with their old stamp', () => {
    const target = all(org, 'SELECT Id, SystemModstamp FROM Account ORDER BY Id LIMIT 1')[0]!;
    org.changeAsUser('Account', target.Id as string, { Description: 'delayed' }, { visibleAfterMs: 60_000 });
    expect(org.retrieve('Account', target.Id as string).row.Description).not.toBe('delayed');
    const stampedAt = org.now().toISOString();
    org.advanceClock(61_000);
    const after = org.retrieve('Account', target.Id as string).row;
    expect(after.Description).toBe('delayed');
    expect((after.SystemModstamp as string) <= stampedAt).toBe(true);
    expect((after.SystemModstamp as string) > (target.SystemModstamp as string)).toBe(true);
  });

  it('formula changes do not touch SystemModstamp', () => {
    const before = all(org, 'SELECT Id, SystemModstamp FROM Invoice__c ORDER BY Id LIMIT 3');
    org.setFormula('Invoice__c', 'Total__c', 'Amount__c * 2');
    const after = all(
      org,
      'SELECT Id, SystemModstamp, Amount__c, Total__c FROM Invoice__c ORDER BY Id LIMIT 3',
    );
    expect(after.map((r) => r.SystemModstamp)).toEqual(before.map((r) => r.SystemModstamp));
    const one = org.retrieve('Invoice__c', after[0]!.Id as string);
    expect(org.ctx.value(one.object, one.row, one.object.fieldIndex.get('total__c')!)).toBeCloseTo(
      (after[0]!.Amount__c as number) * 2,
      5,
    );
    expect(() => org.setFormula('Invoice__c', 'Total__c', 'Amount__c +')).toThrow(/invalid/i);
  });
});

describe('emulated org: scale and persistence', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-org-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a million Accounts by keyset pages without materialising them', async () => {
    const org = await createOrg({ seed: 'none', records: 1_000_000 });
    const heapBefore = process.memoryUsage().heapUsed;
    let last = '000000000000000';
    let seen = 0;
    for (let page = 0; page < 3; page++) {
      const rows = all(org, `SELECT Id, Name FROM Account WHERE Id > '${last}' ORDER BY Id LIMIT 2000`);
      seen += rows.length;
      last = rows.at(-1)!.Id as string;
    }
    expect(seen).toBe(6000);
    const tail = org.openCursor(org.compile(`SELECT Id FROM Account WHERE Id > '${last}'`), {
      scanAll: false,
    });
    expect(tail.totalSize).toBe(1_000_000 - 6000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });

  it('persists changes in the state file and restores them', async () => {
    const stateFile = join(dir, 'org.json');
    const org = await createOrg({ seed: 'demo', stateFile });
    const [created] = org.create('Account', [{ Name: 'Persisted' }]);
    const victim = all(org, 'SELECT Id FROM Contact ORDER BY Id LIMIT 1')[0]!.Id as string;
    org.delete([victim]);
    await org.persist();
    const again = await createOrg({ seed: 'demo', stateFile });
    expect(again.retrieve('Account', created!.id!).row.Name).toBe('Persisted');
    expect(() => again.retrieve('Contact', victim)).toThrow(/entity is deleted/);
    const [next] = again.create('Account', [{ Name: 'After restart' }]);
    expect(next!.id! > created!.id!).toBe(true);
  });
});
