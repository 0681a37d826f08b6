import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, UnrecoverableError } from '../../src/errors/index.js';
import { soql, type SalesforceClient, type SObjectRecord } from '../../src/salesforce/index.js';
import { clientFor, collect, control, start, type Emulator } from './support/emulator.js';

let emu: Emulator;
let client: SalesforceClient;
const N = 450;

beforeAll(async () => {
  emu = await start();
  await control(
    emu,
    'POST',
    '/records/Account',
    Array.from({ length: N }, (_, i) => ({
      Name: `Acct ${String(i).padStart(4, '0')}`,
      NumberOfEmployees: i,
    })),
  );
  client = clientFor(emu).client;
});

afterAll(async () => {
  await client.close();
  await emu.close();
});

describe('describe and versions', () => {
  it('lists versions, objects and fields', async () => {
    expect((await client.versions()).some((v) => v.version === '62.0')).toBe(true);
    const global = await client.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(expect.arrayContaining(['Account', 'Contact']));
    const account = await client.describe('Account');
    const ext = account.fields.find((f) => f.name === 'Ferry_Id__c');
    expect(ext?.externalId).toBe(true);
    expect(account.fields.find((f) => f.name === 'Id')?.type).toBe('id');
  });

  it('maps an unknown object to a Ferry error with the Salesforce code', async () => {
    const err = await client.describe('NoSuchThing__c').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as UnrecoverableError).code).toBe('NOT_FOUND');
    expect((err as UnrecoverableError).status).toBe(404);
    expect((err as UnrecoverableError).message).toMatch(/^describe NoSuchThing__c: /);
  });
});

describe('query', () => {
  it('follows nextRecordsUrl page by page with the requested batch size', async () => {
    const q = soql.select(['Id', 'Name']).from('Account').orderBy('Name');
    const sizes: number[] = [];
    const totals = new Set<number>();
    for await (const page of client.query(q, { batchSize: 200 }).pages()) {
      sizes.push(page.records.length);
      totals.add(page.totalSize);
    }
    expect(sizes).toEqual([200, 200, 50]);
    expect([...totals]).toEqual([N]);
    const names = (await collect(client.query(q, { batchSize: 200 }))).map((r) => r.Name);
    expect(names).toHaveLength(N);
    expect(names[0]).toBe('Acct 0000');
    expect(names.at(-1)).toBe('Acct 0449');
  });

  it('pages by Id keyset with the builder', async () => {
    const ids: string[] = [];
    let last: string | undefined;
    for (;;) {
      let q = soql.select(['Id']).from('Account');
      if (last !== undefined) q = q.where(soql`Id > ${last}`);
      const page = await client.query<SObjectRecord & { Id: string }>(q.orderBy('Id').limit(200)).toArray();
      if (page.length === 0) break;
      ids.push(...page.map((r) => r.Id));
      last = page.at(-1)?.Id;
    }
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    expect([...ids].sort()).toEqual(ids);
  });

  it('round-trips hostile string values through escaping', async () => {
    const names = ['O\'Brien \\ "quoted"', 'line one\nline two\ttab', '50%_off', '50 percent off'];
    const created = await client.create(
      'Account',
      names.map((Name) => ({ Name })),
    );
    expect(created.every((r) => r.success)).toBe(true);
    for (const name of names) {
      const rows = await client
        .query(soql.select(['Name']).from('Account').where(soql.eq('Name', name)))
        .toArray();
      expect(rows.map((r) => r.Name)).toEqual([name]);
    }
    const like = await client
      .query(soql.select(['Name']).from('Account').where`Name LIKE ${soql.like.startsWith('50%')}`)
      .toArray();
    expect(like.map((r) => r.Name)).toEqual(['50%_off']);
    const inList = await client
      .query(soql.select(['Name']).from('Account').where(soql.in('Name', names)).orderBy('Name'))
      .toArray();
    expect(inList).toHaveLength(names.length);
  });

  it('polls by SystemModstamp with a millisecond datetime literal', async () => {
    const rows = await client
      .query(
        soql
          .select(['Id', 'SystemModstamp'])
          .from('Account')
          .where(soql.gte('SystemModstamp', new Date(0)))
          .limit(5),
      )
      .toArray();
    expect(rows).toHaveLength(5);
    expect(String(rows[0]?.SystemModstamp)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  });

  it('queryAll sees deleted rows that query does not', async () => {
    const made = await client.create('Account', [{ Name: 'Doomed 1' }, { Name: 'Doomed 2' }]);
    const ids = made.map((r) => r.id ?? '');
    const del = await client.delete(ids);
    expect(del.every((r) => r.success)).toBe(true);
    const q = soql.select(['Id', 'IsDeleted']).from('Account').where(soql.in('Id', ids));
    expect(await client.query(q).toArray()).toHaveLength(0);
    const all = await client.queryAll(q).toArray();
    expect(all.map((r) => r.IsDeleted)).toEqual([true, true]);
  });

  it('maps query errors to ConfigError with code, status and hint', async () => {
    const err = await client
      .query('SELECT Id, Nope__c FROM Account')
      .toArray()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('INVALID_FIELD');
    expect((err as ConfigError).status).toBe(400);
    const bad = await client
      .query('SELECT Id FRM Account')
      .toArray()
      .catch((e: unknown) => e);
    expect((bad as ConfigError).code).toBe('MALFORMED_QUERY');
    expect(() => client.query('SELECT Id FROM Account', { batchSize: 50 })).toThrow(ConfigError);
  });
});

describe('replication and limits', () => {
  it('getUpdated and getDeleted report ids in a window', async () => {
    const clock = await control<{ now: string }>(emu, 'GET', '/clock');
    const start = new Date(Date.parse(clock.now) - 60 * 60_000);
    const made = await client.create('Account', [{ Name: 'Replicated' }]);
    const id = made[0]?.id ?? '';
    await client.update('Account', [{ Id: id, Name: 'Replicated 2' }]);
    await client.delete([id]);
    // Salesforce only covers whole minutes up to now: let the clock pass the delete's minute.
    await control(emu, 'POST', '/clock', { advanceMs: 120_000 });
    const end = new Date(Date.parse(clock.now) + 5 * 60_000);
    const updated = await client.getUpdated('Account', start, end);
    expect(updated.latestDateCovered).toMatch(/^\d{4}-/);
    const deleted = await client.getDeleted('Account', start, end);
    expect(deleted.deletedRecords.map((d) => d.id)).toContain(id);
  });

  it('tracks API usage from Sforce-Limit-Info and reads /limits', async () => {
    await client.limits();
    const before = client.apiUsage;
    expect(before?.max).toBe(100_000);
    const limits = await client.limits();
    expect(limits.DailyApiRequests?.Max).toBe(100_000);
    expect(client.apiUsage?.used).toBeGreaterThan(before?.used ?? Infinity);
  });
});
