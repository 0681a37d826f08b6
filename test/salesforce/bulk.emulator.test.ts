import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError, InvariantError, TransientError } from '../../src/errors/index.js';
import { soql, type SalesforceClient, type UploadRecord } from '../../src/salesforce/index.js';
import { clientFor, collect, control, start, type Emulator, type TestClient } from './support/emulator.js';

let emu: Emulator;
let tc: TestClient;
let client: SalesforceClient;

beforeAll(async () => {
  emu = await start();
  await control(
    emu,
    'POST',
    '/records/Account',
    Array.from({ length: 450 }, (_, i) => ({
      Name: `Bulk ${String(i).padStart(3, '0')}`,
      Phone: i % 2 === 0 ? null : `555-${i}`,
      NumberOfEmployees: i,
    })),
  );
  tc = clientFor(emu);
  client = tc.client;
});

afterAll(async () => {
  await client.close();
  await emu.close();
});

describe('Bulk 2.0 ingest', () => {
  it('streams an insert from an async iterable and reads successful results', async () => {
    const ext = Array.from({ length: 250 }, () => randomUUID());
    async function* records(): AsyncGenerator<UploadRecord> {
      for (const [i, id] of ext.entries()) {
        if (i % 100 === 0) await Promise.resolve(); // a real source awaits its database
        yield {
          Name: `Ingested ${i}`,
          Ferry_Id__c: id,
          Phone: i === 0 ? null : '555-0000',
          NumberOfEmployees: i,
        };
      }
    }
    tc.sleeps.length = 0;
    const { info, uploaded, job } = await client.bulkIngest({
      object: 'Account',
      operation: 'insert',
      records: records(),
    });
    expect(uploaded).toBe(250);
    expect(info.state).toBe('JobComplete');
    expect(info.numberRecordsProcessed).toBe(250);
    expect(info.numberRecordsFailed).toBe(0);
    // Polls start small and grow (5, 10, 20, 40, 50, 50 … with this client's settings).
    expect(tc.sleeps[0]).toBe(5);
    for (let i = 1; i < tc.sleeps.length; i++)
      expect(tc.sleeps[i]).toBeGreaterThanOrEqual(tc.sleeps[i - 1] ?? 0);
    const ok = await collect(job.successfulResults());
    expect(ok).toHaveLength(250);
    expect(ok.every((r) => r.created && r.id.startsWith('001'))).toBe(true);
    expect(new Set(ok.map((r) => r.record.Ferry_Id__c))).toEqual(new Set(ext));
    expect(await collect(job.failedResults())).toEqual([]);
    const first = await client
      .query(
        soql
          .select(['Phone'])
          .from('Account')
          .where(soql.eq('Ferry_Id__c', ext[0] ?? '')),
      )
      .toArray();
    expect(first[0]?.Phone).toBeNull();
  });

  it('reports failed rows with parsed errors; #N/A nulls and empty cells leave fields alone', async () => {
    const rows = await client
      .query(soql.select(['Id', 'Phone']).from('Account').where(soql.eq('Name', 'Bulk 001')))
      .toArray();
    const id = String(rows[0]?.Id);
    expect(rows[0]?.Phone).toBe('555-1');
    const ext = randomUUID();
    const { info, job } = await client.bulkIngest({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'Ferry_Id__c',
      columns: ['Ferry_Id__c', 'Name', 'NumberOfEmployees'],
      records: [
        { Ferry_Id__c: ext, Name: 'Upserted' },
        { Ferry_Id__c: randomUUID(), Name: null, NumberOfEmployees: 5 },
      ],
    });
    expect(info.state).toBe('JobComplete');
    expect(info.numberRecordsFailed).toBe(1);
    const failed = await collect(job.failedResults());
    expect(failed).toHaveLength(1);
    expect(failed[0]?.id).toBeNull();
    expect(failed[0]?.error.statusCode).toBe('REQUIRED_FIELD_MISSING');
    expect(failed[0]?.record.NumberOfEmployees).toBe('5');

    const update = await client.bulkIngest({
      object: 'Account',
      operation: 'update',
      columns: ['Id', 'Phone', 'NumberOfEmployees'],
      records: [{ Id: id, Phone: null }],
    });
    expect(update.info.numberRecordsFailed).toBe(0);
    const after = await client
      .query(soql.select(['Phone', 'NumberOfEmployees']).from('Account').where(soql.eq('Id', id)))
      .toArray();
    expect(after[0]).toMatchObject({ Phone: null, NumberOfEmployees: 1 });
  });

  it('step by step: an aborted job returns its unprocessed rows', async () => {
    const job = await client.createIngestJob({ object: 'Account', operation: 'insert' });
    await job.upload([{ Name: 'never 1' }, { Name: 'never 2' }]);
    const aborted = await job.abort();
    expect(aborted.state).toBe('Aborted');
    const again = client.attachIngestJob(job.id);
    expect((await again.info()).state).toBe('Aborted');
    const rest = await collect(again.unprocessedRecords());
    expect(rest.map((r) => r.Name)).toEqual(['never 1', 'never 2']);
  });

  it('an upload whose source fails aborts the job and rethrows the source error', async () => {
    async function* broken(): AsyncGenerator<UploadRecord> {
      yield { Name: 'one' };
      await Promise.resolve();
      throw new Error('source broke');
    }
    await expect(
      client.bulkIngest({ object: 'Account', operation: 'insert', records: broken() }),
    ).rejects.toThrow('source broke');
  });
});

describe('Bulk 2.0 query', () => {
  it('streams every page following Sforce-Locator, each row once, nulls as null', async () => {
    const q = soql.select(['Id', 'Name', 'Phone', 'NumberOfEmployees']).from('Account')
      .where`Name LIKE ${soql.like.startsWith('Bulk ')}`;
    const job = await client.bulkQuery(q, { maxRecordsPerPage: 100 });
    const pages: (string | null)[] = [];
    const rows = await collect(job.records({ onPage: (p) => pages.push(p.nextLocator) }));
    expect(rows).toHaveLength(450);
    expect(pages).toHaveLength(5);
    expect(pages.at(-1)).toBeNull();
    expect(new Set(rows.map((r) => r.Id)).size).toBe(450);
    expect(Object.keys(rows[0] ?? {})).toEqual(['Id', 'Name', 'Phone', 'NumberOfEmployees']);
    const byName = new Map(rows.map((r) => [r.Name, r]));
    expect(byName.get('Bulk 000')?.Phone).toBeNull();
    expect(byName.get('Bulk 003')?.Phone).toBe('555-3');
    expect(byName.get('Bulk 007')?.NumberOfEmployees).toBe('7');
    const info = await job.info();
    expect(info.numberRecordsProcessed).toBe(450);
  });

  it('resumes from a saved locator and stops cleanly when the consumer breaks', async () => {
    const job = await client.bulkQuery('SELECT Id FROM Account', { maxRecordsPerPage: 200 });
    const locators: (string | null)[] = [];
    let n = 0;
    for await (const _row of job.records({ onPage: (p) => locators.push(p.nextLocator) })) {
      if (++n === 10) break;
    }
    const second = locators[0];
    expect(typeof second).toBe('string');
    const rest = await collect(job.records({ locator: second ?? undefined }));
    const total = (await job.info()).numberRecordsProcessed ?? 0;
    expect(rest).toHaveLength(total - 200);
  });

  it('queryAll includes deleted rows', async () => {
    const made = await client.create('Account', [{ Name: 'Gone Soon' }]);
    await client.delete([made[0]?.id ?? '']);
    const live = await collect(await client.bulkQuery(`SELECT Id FROM Account WHERE Name = 'Gone Soon'`));
    const all = await collect(
      await client.bulkQuery(`SELECT Id, IsDeleted FROM Account WHERE Name = 'Gone Soon'`, { scanAll: true }),
    );
    expect(live).toHaveLength(0);
    expect(all).toEqual([{ Id: made[0]?.id, IsDeleted: 'true' }]);
  });

  it('refuses queries Bulk cannot run, as a non-transient Ferry error', async () => {
    const err = await client.bulkQuery('SELECT COUNT() FROM Account').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect(err).not.toBeInstanceOf(TransientError);
    expect((err as FerryError).status).toBe(400);
  });
});

describe('Bulk 2.0 ingest edge cases', () => {
  it('an empty input without columns is refused and its job aborted', async () => {
    const err = await client
      .bulkIngest({ object: 'Account', operation: 'insert', records: [] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvariantError);
    expect((err as InvariantError).message).toMatch(/no records to upload/);
  });

  it('upsert without an external id field is refused before any call', async () => {
    await expect(
      client.bulkIngest({ object: 'Account', operation: 'upsert', records: [{ Name: 'x' }] }),
    ).rejects.toBeInstanceOf(InvariantError);
  });
});
