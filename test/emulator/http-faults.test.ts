/**
 * Fault injection and the control surface (`/__emulator`) over raw HTTP: maintenance windows,
 * latency, lock errors (deterministic), expired sessions, exhausted limits, fail-next, call
 * counters, and the org controls (reset, load, UI edits, formulas, fields, recycle bin, clock).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useEmulator, type Json } from './support/rest-client.js';

const session = useEmulator({ seed: 'none', dailyApiLimit: 1000 });
const { emu, api } = session;

afterEach(async () => {
  await control('DELETE', '/faults');
});

async function control(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${emu.url}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}

describe('faults', () => {
  it('maintenance: 503 JSON, HTML pages, or read-only writes', async () => {
    expect((await control('POST', '/faults', { maintenance: { durationMs: 60_000 } })).status).toBe(200);
    const down = await api('GET', '/limits');
    expect(down.status).toBe(503);
    expect((down.json as Json[])[0]?.['errorCode']).toBe('SERVER_UNAVAILABLE');
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    // The control surface keeps working.
    expect((await control('GET', '/faults')).status).toBe(200);

    await control('POST', '/faults', { maintenance: { durationMs: 60_000, html: true } });
    const html = await api('GET', '/limits');
    expect(html.status).toBe(503);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.text).toContain('<html>');

    await control('POST', '/faults', { maintenance: { durationMs: 60_000, readOnly: true } });
    expect((await api('GET', '/limits')).status).toBe(200);
    const write = await api('POST', '/sobjects/Account', { Name: 'x' });
    expect(write.status).toBe(503);
    expect((write.json as Json[])[0]?.['errorCode']).toBe(
      'INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE',
    );

    await control('POST', '/faults', { maintenance: { durationMs: 1 } });
    await new Promise((r) => setTimeout(r, 5));
    expect((await api('GET', '/limits')).status).toBe(200);
  });

  it('latency delays every API response', async () => {
    await control('POST', '/faults', { latencyMs: 150 });
    const t0 = Date.now();
    await api('GET', '/limits');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('lockRowRate fails a deterministic share of written records with UNABLE_TO_LOCK_ROW', async () => {
    const records = Array.from({ length: 40 }, (_, i) => ({
      attributes: { type: 'Account' },
      Name: `Lock ${i}`,
    }));
    const run = async () => {
      await control('POST', '/faults', { lockRowRate: 0.5, lockRowSeed: 7 });
      const res = await api('POST', '/composite/sobjects', { records });
      return (res.json as Array<{ success: boolean; errors: Array<{ statusCode: string }> }>).map((r) =>
        r.success ? 'ok' : (r.errors[0]?.statusCode ?? '?'),
      );
    };
    const first = await run();
    const second = await run();
    expect(first).toEqual(second);
    const locked = first.filter((s) => s === 'UNABLE_TO_LOCK_ROW').length;
    expect(locked).toBeGreaterThan(5);
    expect(locked).toBeLessThan(35);
    expect(first.filter((s) => s === 'ok').length).toBe(40 - locked);

    await control('POST', '/faults', { lockRowRate: 1 });
    const single = await api('POST', '/sobjects/Account', { Name: 'locked' });
    expect(single.status).toBe(400);
    expect((single.json as Json[])[0]?.['errorCode']).toBe('UNABLE_TO_LOCK_ROW');
  });

  it('expireSessions makes every token invalid', async () => {
    await control('POST', '/faults', { expireSessions: true });
    const res = await api('GET', '/limits');
    expect(res.status).toBe(401);
    expect(res.json).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    await session.login();
    expect((await api('GET', '/limits')).status).toBe(200);
  });

  it('exhaustDailyLimit answers 403 REQUEST_LIMIT_EXCEEDED until the limit is raised', async () => {
    await control('POST', '/faults', { exhaustDailyLimit: true });
    const res = await api('GET', '/limits');
    expect(res.status).toBe(403);
    expect(res.json).toEqual([
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    expect(res.headers.get('sforce-limit-info')).toBe('api-usage=1000/1000');
    // The version list is not counted and keeps working.
    expect((await fetch(`${emu.url}/services/data`)).status).toBe(200);
    const limits = await control('GET', '/limits');
    expect(limits.json).toMatchObject({ dailyApiRequests: { used: 1000, max: 1000, remaining: 0 } });
    await control('POST', '/limits', { used: 0 });
    expect((await api('GET', '/limits')).status).toBe(200);
  });

  it('failNext fails the next N matching requests with the given status and code', async () => {
    await control('POST', '/faults', {
      failNext: { count: 2, status: 500, errorCode: 'UNKNOWN_EXCEPTION', match: '/query' },
    });
    expect((await api('GET', '/limits')).status).toBe(200);
    const q = `/query?q=${encodeURIComponent('SELECT Id FROM Account')}`;
    const first = await api('GET', q);
    expect(first.status).toBe(500);
    expect((first.json as Json[])[0]?.['errorCode']).toBe('UNKNOWN_EXCEPTION');
    expect((await api('GET', q)).status).toBe(500);
    expect((await api('GET', q)).status).toBe(200);
  });

  it('validates fault settings and clears them with DELETE', async () => {
    const bad = await control('POST', '/faults', { lockRowRate: 2 });
    expect(bad.status).toBe(400);
    expect((bad.json as Json[])[0]?.['errorCode']).toBe('INVALID_INPUT');
    await control('POST', '/faults', { latencyMs: 10 });
    expect(await control('DELETE', '/faults')).toEqual({ status: 204, json: null });
    expect((await control('GET', '/faults')).json).toMatchObject({
      latencyMs: 0,
      maintenance: null,
      failNext: null,
    });
  });
});

describe('counters', () => {
  it('counts calls per endpoint and resets them', async () => {
    await control('DELETE', '/calls');
    await api('GET', '/limits');
    await api('GET', '/limits');
    await api('GET', `/query?q=${encodeURIComponent('SELECT Id FROM Account')}`);
    const calls = (await control('GET', '/calls')).json as {
      total: number;
      byEndpoint: Record<string, number>;
    };
    expect(calls).toEqual({ total: 3, byEndpoint: { limits: 2, query: 1 } });
  });
});

describe('org controls', () => {
  it('loads records, edits as a UI user, and resets', async () => {
    const loaded = await control('POST', '/records/Account', {
      records: [{ Name: 'Loaded 1', Ferry_Id__c: 'l-1' }, { Name: 'Loaded 2' }],
    });
    expect(loaded.status).toBe(200);
    const results = loaded.json as Array<{ id: string; success: boolean }>;
    expect(results.every((r) => r.success)).toBe(true);
    const id = results[0]?.id ?? '';

    const changed = await control('PATCH', `/records/Account/${id}`, { fields: { Name: 'Edited in UI' } });
    expect(changed.status).toBe(200);
    expect((await api('GET', `/sobjects/Account/${id}`)).json).toMatchObject({ Name: 'Edited in UI' });

    const invalid = await control('PATCH', `/records/Account/${id}`, { fields: { Name: null } });
    expect(invalid.status).toBe(400);

    expect((await control('POST', '/reset')).status).toBe(200);
    expect((await api('GET', `/sobjects/Account/${id}`)).status).toBe(404);
  });

  it('changes formulas, adds fields and empties the recycle bin', async () => {
    const created = (
      await api('POST', '/sobjects/Opportunity', {
        Name: 'Deal',
        StageName: 'Prospecting',
        CloseDate: '2030-01-01',
        Amount: 100,
        Probability: 50,
      })
    ).json as { id: string };
    expect(
      (await api('GET', `/sobjects/Opportunity/${created.id}?fields=ExpectedRevenue`)).json,
    ).toMatchObject({ ExpectedRevenue: 50 });
    expect(
      (await control('PUT', '/formula/Opportunity/ExpectedRevenue', { formula: 'Amount * 2' })).status,
    ).toBe(200);
    expect(
      (await api('GET', `/sobjects/Opportunity/${created.id}?fields=ExpectedRevenue`)).json,
    ).toMatchObject({ ExpectedRevenue: 200 });

    const field = await control('POST', '/fields/Account', { name: 'Region__c', type: 'string', length: 40 });
    expect(field.status).toBe(201);
    expect(field.json).toMatchObject({ name: 'Region__c', type: 'string', length: 40, custom: true });
    const describe = (await api('GET', '/sobjects/Account/describe')).json as { fields: Json[] };
    expect(describe.fields.some((f) => f['name'] === 'Region__c')).toBe(true);
    expect((await control('POST', '/fields/Account', { name: 'bad name', type: 'string' })).status).toBe(400);

    const acct = (await api('POST', '/sobjects/Account', { Name: 'Binned' })).json as { id: string };
    await api('DELETE', `/sobjects/Account/${acct.id}`);
    const emptied = await control('POST', '/recycle-bin/empty', {});
    expect((emptied.json as { purged: number }).purged).toBeGreaterThanOrEqual(1);
    const all = await api(
      'GET',
      `/queryAll?q=${encodeURIComponent(`SELECT Id FROM Account WHERE Id = '${acct.id}'`)}`,
    );
    expect((all.json as { totalSize: number }).totalSize).toBe(0);
  });

  it('sets, freezes and advances the clock', async () => {
    const set = await control('POST', '/clock', { at: '2030-05-01T12:00:00.000Z', frozen: true });
    expect(set.json).toEqual({ now: '2030-05-01T12:00:00.000Z' });
    await new Promise((r) => setTimeout(r, 20));
    expect((await control('GET', '/clock')).json).toEqual({ now: '2030-05-01T12:00:00.000Z' });
    const advanced = await control('POST', '/clock', { advanceMs: 60_000 });
    expect(advanced.json).toEqual({ now: '2030-05-01T12:01:00.000Z' });
    const created = (await api('POST', '/sobjects/Account', { Name: 'Stamped' })).json as { id: string };
    const rec = (await api('GET', `/sobjects/Account/${created.id}?fields=CreatedDate`)).json as Json;
    expect(rec['CreatedDate']).toBe('2030-05-01T12:01:00.000+0000');
    expect((await control('POST', '/clock', { at: 'not a date' })).status).toBe(400);
  });

  it('answers unknown control paths and bad bodies in the REST error shape', async () => {
    expect((await control('GET', '/nope')).status).toBe(404);
    const bad = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: '{oops' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json[])[0]?.['errorCode']).toBe('JSON_PARSER_ERROR');
  });
});
