/**
 * jsforce 3, unchanged, against the emulator: if a real third-party client is satisfied with our
 * wire formats (logins, query paging, collections, describe, identity, limits, replication, Bulk
 * 2.0), the emulator is faithful enough to test Ferry's own client against.
 */
import { Connection } from 'jsforce';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from './support/rest-client.js';

const { emu } = useEmulator({ seed: 'demo', login: false });

async function oauthConnection(version = '62.0'): Promise<Connection> {
  const conn = new Connection({
    oauth2: { loginUrl: emu.loginUrl, clientId: emu.clientId, clientSecret: emu.clientSecret },
    version,
  });
  await conn.login(emu.username, emu.password);
  return conn;
}

function countOf(soql: string, scanAll = false): number {
  return emu.org.openCursor(emu.org.compile(soql), { scanAll }).totalSize;
}

describe('login', () => {
  it('logs in with the OAuth2 username-password flow', async () => {
    const conn = new Connection({
      oauth2: { loginUrl: emu.loginUrl, clientId: emu.clientId, clientSecret: emu.clientSecret },
    });
    const info = await conn.login(emu.username, emu.password);
    expect(info.organizationId).toBe(emu.org.identity.orgId);
    expect(info.id).toBe(emu.org.identity.userId);
    expect(conn.instanceUrl).toBe(emu.url);
    expect(conn.accessToken).toMatch(/^00D\w{12,15}![.\w]+$/);
    // jsforce's default API version (50.0) is served too.
    const res = await conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 1');
    expect(res.records).toHaveLength(1);
  });

  it('logs in with SOAP login() and logs out', async () => {
    const conn = new Connection({ loginUrl: emu.loginUrl, version: '62.0' });
    const info = await conn.login(emu.username, emu.password);
    expect(info.organizationId).toBe(emu.org.identity.orgId);
    expect(conn.instanceUrl).toBe(emu.url);
    const res = await conn.query('SELECT COUNT() FROM Account');
    expect(res.totalSize).toBe(countOf('SELECT Id FROM Account'));
    await conn.logout();
    expect(conn.accessToken).toBeFalsy();
  });

  it('rejects a wrong password with the SOAP fault string', async () => {
    const conn = new Connection({ loginUrl: emu.loginUrl, version: '62.0' });
    await expect(conn.login(emu.username, 'nope')).rejects.toThrow(/INVALID_LOGIN/);
    const oauth = new Connection({
      oauth2: { loginUrl: emu.loginUrl, clientId: emu.clientId, clientSecret: emu.clientSecret },
    });
    await expect(oauth.login(emu.username, 'nope')).rejects.toThrow(/authentication failure/);
  });

  it('re-logs in by itself when the session expires', async () => {
    const conn = await oauthConnection();
    const before = conn.accessToken;
    const res = await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ expireSessions: true }),
    });
    expect(res.status).toBe(200);
    const q = await conn.query('SELECT Id FROM Account LIMIT 1');
    expect(q.records).toHaveLength(1);
    expect(conn.accessToken).not.toBe(before);
  });
});

describe('query', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await oauthConnection();
  });

  it('autoFetches several pages (run with maxFetch)', async () => {
    const total = countOf('SELECT Id FROM Contact');
    expect(total).toBeGreaterThan(400);
    const records: Array<{ Id: string }> = [];
    await new Promise<void>((resolve, reject) => {
      conn
        .query<{ Id: string }>('SELECT Id FROM Contact ORDER BY Id')
        .on('record', (r: { Id: string }) => records.push(r))
        .on('end', () => resolve())
        .on('error', reject)
        .run({ autoFetch: true, maxFetch: total, headers: { 'Sforce-Query-Options': 'batchSize=200' } });
    });
    expect(records).toHaveLength(total);
    expect(new Set(records.map((r) => r.Id)).size).toBe(total);
  });

  it('autoFetches with the promise API and stops at maxFetch', async () => {
    const res = await conn.query<{ Id: string }>('SELECT Id, Name FROM Account', {
      autoFetch: true,
      maxFetch: 450,
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    expect(res.records).toHaveLength(450);
    expect(res.totalSize).toBe(countOf('SELECT Id FROM Account'));
  });

  it('queryMore follows a locator', async () => {
    const first = await conn.query<{ Id: string }>('SELECT Id FROM Contact', {
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(200);
    const next = await conn.queryMore<{ Id: string }>(first.nextRecordsUrl ?? '');
    expect(next.records.length).toBeGreaterThan(0);
    expect(next.records[0]?.Id).not.toBe(first.records[0]?.Id);
  });

  it('queries with scanAll (queryAll): deleted rows, paging through /query/ locators', async () => {
    const created = await conn.sobject('Account').create({ Name: 'Soon deleted' });
    if (!created.success) throw new Error('create failed');
    await conn.sobject('Account').destroy(created.id);
    const total = countOf('SELECT Id FROM Account', true);
    const res = await conn.query<{ Id: string; IsDeleted: boolean }>('SELECT Id, IsDeleted FROM Account', {
      scanAll: true,
      autoFetch: true,
      maxFetch: total,
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    expect(res.records).toHaveLength(total);
    expect(res.records.find((r) => r.Id === created.id)?.IsDeleted).toBe(true);
  });

  it('surfaces SOQL errors by errorCode', async () => {
    await expect(conn.query('SELECT Nope FROM Account')).rejects.toMatchObject({ name: 'INVALID_FIELD' });
    await expect(conn.query('SELECT Id FROM ScratchOrgInfo')).rejects.toMatchObject({ name: 'INVALID_TYPE' });
  });
});

describe('records', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await oauthConnection();
  });

  it('creates, retrieves, updates and deletes one record', async () => {
    const created = await conn.sobject('Account').create({ Name: 'jsforce single' });
    expect(created.success).toBe(true);
    if (!created.success) return;
    const rec = await conn.sobject('Account').retrieve(created.id);
    expect(rec['Name']).toBe('jsforce single');
    const updated = await conn.sobject('Account').update({ Id: created.id, Name: 'jsforce renamed' });
    expect(updated.success).toBe(true);
    expect((await conn.sobject('Account').retrieve(created.id))['Name']).toBe('jsforce renamed');
    const deleted = await conn.sobject('Account').destroy(created.id);
    expect(deleted.success).toBe(true);
    await expect(conn.sobject('Account').retrieve(created.id)).rejects.toMatchObject({
      name: 'ENTITY_IS_DELETED',
    });
  });

  it('creates, updates, retrieves and deletes arrays through collections', async () => {
    const input = Array.from({ length: 5 }, (_, i) => ({ Name: `jsforce many ${i}` }));
    const created = await conn.sobject('Account').create(input);
    expect(created.every((r) => r.success)).toBe(true);
    const ids = created.map((r) => (r.success ? r.id : ''));
    const updated = await conn.sobject('Account').update(ids.map((Id, i) => ({ Id, Name: `renamed ${i}` })));
    expect(updated.every((r) => r.success)).toBe(true);
    const fetched = await conn.sobject('Account').retrieve(ids);
    expect(fetched.map((r): unknown => r['Name'])).toEqual(ids.map((_, i) => `renamed ${i}`));
    const deleted = await conn.sobject('Account').destroy(ids);
    expect(deleted.every((r) => r.success)).toBe(true);
  });

  it('reports per-record failures in collections', async () => {
    const res = await conn.sobject('Contact').create([{ LastName: 'Ok' }, { FirstName: 'No last name' }]);
    expect(res[0]?.success).toBe(true);
    expect(res[1]?.success).toBe(false);
    if (res[1] && !res[1].success)
      expect(res[1].errors[0]).toMatchObject({ statusCode: 'REQUIRED_FIELD_MISSING' });
  });

  it('upserts by external id, singly and in arrays', async () => {
    const one = await conn
      .sobject('Account')
      .upsert({ Name: 'Upsert one', Ferry_Id__c: 'js-up-1' }, 'Ferry_Id__c');
    expect(one).toMatchObject({ success: true, created: true });
    const again = await conn
      .sobject('Account')
      .upsert({ Name: 'Upsert one!', Ferry_Id__c: 'js-up-1' }, 'Ferry_Id__c');
    expect(again).toMatchObject({ success: true, created: false });
    const many = await conn.sobject('Account').upsert(
      [
        { Name: 'Upsert one again', Ferry_Id__c: 'js-up-1' },
        { Name: 'Upsert two', Ferry_Id__c: 'js-up-2' },
      ],
      'Ferry_Id__c',
    );
    expect(many.map((r) => r.success && r.created)).toEqual([false, true]);
  });
});

describe('SOAP API', () => {
  it('creates, updates (nulling fields), upserts and deletes through conn.soap', async () => {
    const conn = await oauthConnection();
    const created = await conn.soap.create([{ type: 'Account', Name: 'Soap via jsforce', Phone: '123' }]);
    expect(created[0]?.success).toBe(true);
    const id = created[0]?.id ?? '';
    const updated = await conn.soap.update({ type: 'Account', Id: id, Phone: null });
    expect(updated.success).toBe(true);
    expect((await conn.sobject('Account').retrieve(id))['Phone']).toBeNull();
    const upserted = await conn.soap.upsert('Ferry_Id__c', [
      { type: 'Account', Name: 'Soap up', Ferry_Id__c: 'soap-js-1' },
    ]);
    expect(upserted[0]).toMatchObject({ success: true, created: true });
    const deleted = await conn.soap.delete([id]);
    expect(deleted[0]?.success).toBe(true);
  });
});

describe('metadata and org info', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await oauthConnection();
  });

  it('describes objects and the org', async () => {
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((o) => o.name)).toEqual(expect.arrayContaining(['Account', 'Contact']));
    const account = await conn.sobject('Account').describe();
    expect(account.name).toBe('Account');
    expect(account.fields.find((f) => f.name === 'Id')?.type).toBe('id');
    expect(account.childRelationships.some((c) => c.childSObject === 'Contact')).toBe(true);
  });

  it('reads identity and limits', async () => {
    const id = await conn.identity();
    expect(id.user_id).toBe(emu.org.identity.userId);
    expect(id.organization_id).toBe(emu.org.identity.orgId);
    expect(id.username).toBe(emu.username);
    const limits = await conn.limits();
    expect(limits.DailyApiRequests?.Max).toBe(100000);
    expect(conn.limitInfo.apiUsage?.limit).toBe(100000);
  });

  it('reads identity through the resource map when no userInfo is known', async () => {
    const bare = new Connection({
      instanceUrl: emu.url,
      accessToken: conn.accessToken ?? '',
      version: '62.0',
    });
    const id = await bare.identity();
    expect(id.organization_id).toBe(emu.org.identity.orgId);
  });

  it('lists updated and deleted ids', async () => {
    const start = new Date(emu.org.now().getTime() - 60_000);
    const created = await conn.sobject('Contact').create({ LastName: 'Replicated' });
    if (!created.success) throw new Error('create failed');
    const end = new Date(emu.org.now().getTime() + 600_000);
    // Coverage ends at the last whole minute before now: let the clock pass the write's minute.
    emu.org.advanceClock(120_000);
    const updated = await conn.sobject('Contact').updated(start, end);
    expect(updated.ids).toContain(created.id);
    expect(typeof updated.latestDateCovered).toBe('string');
    await conn.sobject('Contact').destroy(created.id);
    emu.org.advanceClock(120_000);
    const deleted = await conn.sobject('Contact').deleted(start, end);
    expect(deleted.deletedRecords.map((d) => d.id)).toContain(created.id);
    expect(typeof deleted.earliestDateAvailable).toBe('string');
  });
});

describe('Bulk 2.0', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await oauthConnection();
    conn.bulk2.pollInterval = 100;
    conn.bulk2.pollTimeout = 20_000;
  });

  it('ingests records and reports results', async () => {
    const res = await conn.bulk2.loadAndWaitForResults({
      object: 'Contact',
      operation: 'insert',
      // jsforce takes the CSV header from the first record; null becomes #N/A (set to null).
      input: [
        { FirstName: 'A', LastName: 'Bulk A' },
        { FirstName: 'B', LastName: 'Bulk B' },
        { FirstName: 'no last name', LastName: null },
      ],
    });
    expect(res.successfulResults).toHaveLength(2);
    expect(res.failedResults).toHaveLength(1);
    expect(res.failedResults[0]?.sf__Error).toMatch(/REQUIRED_FIELD_MISSING/);
  });

  it('runs a query job', async () => {
    const records = await (await conn.bulk2.query('SELECT Id, Name FROM Account')).toArray();
    expect(records).toHaveLength(countOf('SELECT Id FROM Account'));
  });
});
