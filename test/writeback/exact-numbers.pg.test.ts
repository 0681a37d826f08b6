/**
 * Numbers on the wire: number columns reach Salesforce as JSON numbers, with every digit — also past
 * the 15 significant digits a double holds (Salesforce numbers have up to 18). The requests are read
 * on their way to the emulator (a pass-through proxy in front of it; the emulator answers with the
 * origin the client reached, so every call goes through the proxy), since the emulator itself keeps
 * numbers as doubles.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectModel } from '../../src/core/sobject-model.js';
import { createLogger } from '../../src/log/index.js';
import type { SalesforceClient } from '../../src/salesforce/index.js';
import { planOrdered } from '../../src/writeback/plan-ordered.js';
import { sendGroup } from '../../src/writeback/send-writes.js';
import { defaultWriteBackend } from '../../src/writeback/writer-backend.js';
import { Writer } from '../../src/writeback/writer.js';
import { clientFor, passwordAuth } from '../salesforce/support/emulator.js';
import { useTestDatabase } from '../support/database.js';
import { fetchRecord, logRows, plan, SCHEMA, setUpTables, startOrg, type Org } from './planner-fixture.js';

const db = useTestDatabase();
let org: Org;
let models: Map<string, ObjectModel>;
let proxy: Server;
let sf: SalesforceClient;
/** Bodies of the requests that went through the proxy, in order. */
const bodies: string[] = [];

beforeAll(async () => {
  org = await startOrg();
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (body.length > 0) bodies.push(body.toString('utf8'));
      request(`${org.emu.url}${req.url ?? '/'}`, {
        method: req.method as 'GET',
        headers: req.headers as Record<string, string>,
        body: body.length > 0 ? body : null,
      })
        .then(async (r) => {
          const answer = Buffer.from(await r.body.arrayBuffer());
          const headers = { ...r.headers };
          delete headers['transfer-encoding'];
          res.writeHead(r.statusCode, { ...headers, 'content-length': String(answer.length) });
          res.end(answer);
        })
        .catch((err: unknown) => {
          res.writeHead(502);
          res.end(String(err));
        });
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  const auth = passwordAuth(org.emu);
  if (auth.flow !== 'password') throw new Error('the emulator fixture logs in with a password');
  sf = clientFor(org.emu, { auth: { ...auth, loginUrl: `http://127.0.0.1:${port}` } }).client;
});
afterAll(async () => {
  await sf.close();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await org.close();
});
beforeEach(async () => {
  models = await setUpTables(db().pool, org, ['Account']);
  bodies.length = 0;
});

const q = (sql: string, params: unknown[] = []) => db().pool.query(sql, params);

describe('numbers sent to Salesforce', () => {
  it('travel as JSON number tokens with every digit (collections)', async () => {
    // 18 significant digits: a double would send 123456789012345680.
    await q(`INSERT INTO salesforce.account (name, annualrevenue, numberofemployees)
             VALUES ('Exact', 123456789012345678, 42)`);
    const writer = new Writer({
      pool: db().pool,
      schema: SCHEMA,
      lockName: 'ferry:writes:exact-numbers-test',
      backend: defaultWriteBackend({
        client: sf,
        schema: SCHEMA,
        algorithm: 'ordered',
        externalIdField: 'Ferry_Id__c',
        bulkThreshold: 2_000,
        bulkJobSize: 10_000,
        assignmentRules: false,
        models: () => Promise.resolve(models),
      }),
      logger: createLogger({ level: 'silent' }),
    });
    expect(await writer.drain({ maxAttempts: 1 })).toEqual({ succeeded: 1, failed: 0 });
    await q(`UPDATE salesforce.account SET annualrevenue = 10.50, numberofemployees = 7`);
    expect(await writer.drain({ maxAttempts: 1 })).toEqual({ succeeded: 1, failed: 0 });

    const sent = bodies.filter((b) => b.includes('"records"'));
    expect(sent).toHaveLength(2);
    expect(sent[0]).toContain('"AnnualRevenue":123456789012345678,');
    expect(sent[0]).toContain('"NumberOfEmployees":42');
    expect(sent[1]).toContain('"AnnualRevenue":10.5,');
    expect(sent[1]).toContain('"NumberOfEmployees":7');
    // The emulator took them as numbers (it keeps doubles: the last digits are its own rounding).
    const sfid = (await logRows(db().pool))[0]!.sfid!;
    expect(await fetchRecord(sf, 'Account', sfid, ['AnnualRevenue', 'NumberOfEmployees'])).toMatchObject({
      AnnualRevenue: 11, // currency(18, 0): Salesforce rounds to the field's scale
      NumberOfEmployees: 7,
    });
  });

  it('keep every digit in a Bulk upload', async () => {
    await q(`INSERT INTO salesforce.account (name, annualrevenue) VALUES ('Bulk exact', 987654321098765432)`);
    const p = await plan(db().pool, planOrdered, models);
    const outcomes = await sendGroup(sf, p.groups[0]!, { bulkThreshold: 1 });
    expect(outcomes.map((o) => o.ok)).toEqual([true]);
    const csv = bodies.find((b) => b.includes('AnnualRevenue') && !b.startsWith('{'));
    expect(csv).toMatch(/(^|,)987654321098765432(,|\r?\n)/m);
  });
});
