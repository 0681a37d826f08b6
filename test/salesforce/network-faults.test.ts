/**
 * Network faults need a server that misbehaves at the socket level, which the emulator does not do:
 * these tests start a real node:http server that drops connections, stalls, or cuts bodies short.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../src/errors/index.js';
import { createLogger } from '../../src/log/index.js';
import { SalesforceClient } from '../../src/salesforce/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

let server: Server;
let baseUrl: string;
let handler: Handler = (_req, res) => res.end();
let requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    // Read the request body fully before deciding, like a real server would.
    req.resume();
    req.on('end', () => handler(req, res, requests.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  requests = [];
});

const silent = createLogger({ level: 'silent' });

function client(overrides: { instanceUrl?: string; headersMs?: number; attempts?: number } = {}) {
  const sleeps: number[] = [];
  const c = new SalesforceClient({
    auth: {
      flow: 'access_token',
      accessToken: '00D000000000001!AQ.token',
      instanceUrl: overrides.instanceUrl ?? baseUrl,
    },
    logger: silent,
    retry: { attempts: overrides.attempts ?? 4, baseDelayMs: 100, maxDelayMs: 1000 },
    timeouts: { headersMs: overrides.headersMs ?? 5000, connectMs: 2000 },
    poll: { initialDelayMs: 1, maxDelayMs: 2 },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
  });
  return { c, sleeps };
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

describe('network faults', () => {
  it('retries an idempotent GET after dropped connections, with jittered backoff', async () => {
    handler = (_req, res, n) => {
      if (n <= 2) {
        res.socket?.destroy();
        return;
      }
      json(
        res,
        200,
        { DailyApiRequests: { Max: 5000, Remaining: 4990 } },
        { 'sforce-limit-info': 'api-usage=10/5000' },
      );
    };
    const { c, sleeps } = client();
    try {
      const limits = await c.limits();
      expect(limits.DailyApiRequests).toEqual({ Max: 5000, Remaining: 4990 });
      expect(requests).toHaveLength(3);
      // Full jitter with random()=0.5: half of 100·2^n.
      expect(sleeps).toEqual([50, 100]);
      expect(c.apiUsage).toEqual({ used: 10, max: 5000 });
    } finally {
      await c.close();
    }
  });

  it('does not resend an insert whose connection dropped after sending (may have been applied)', async () => {
    handler = (_req, res) => res.socket?.destroy();
    const { c, sleeps } = client();
    try {
      const err = await c.create('Account', [{ Name: 'A' }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect((err as TransientError).message).toMatch(/may have reached Salesforce/);
      expect(requests).toEqual(['POST /services/data/v62.0/composite/sobjects']);
      expect(sleeps).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('resends the same insert when the caller declares it idempotent', async () => {
    handler = (_req, res, n) => {
      if (n === 1) {
        res.socket?.destroy();
        return;
      }
      json(res, 200, [{ id: '001000000000001AAA', success: true, errors: [] }]);
    };
    const { c } = client();
    try {
      const results = await c.create('Account', [{ Name: 'A' }], { idempotent: true });
      expect(results).toEqual([{ id: '001000000000001AAA', success: true, errors: [] }]);
      expect(requests).toHaveLength(2);
    } finally {
      await c.close();
    }
  });

  it('retries even an insert when the connection was refused (never sent), then gives up', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { c, sleeps } = client({ instanceUrl: `http://127.0.0.1:${port}`, attempts: 3 });
    try {
      const err = await c.create('Account', [{ Name: 'A' }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect((err as TransientError).code).toBe('ECONNREFUSED');
      expect((err as TransientError).message).toMatch(/after 3 attempts/);
      expect(sleeps).toEqual([50, 100]);
    } finally {
      await c.close();
    }
  });

  it('retries a GET whose JSON body was cut short', async () => {
    handler = (_req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"DailyApiRequests":');
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      json(res, 200, { DailyApiRequests: { Max: 1, Remaining: 1 } });
    };
    const { c } = client();
    try {
      await expect(c.limits()).resolves.toEqual({ DailyApiRequests: { Max: 1, Remaining: 1 } });
      expect(requests).toHaveLength(2);
    } finally {
      await c.close();
    }
  });

  it('times out a stalled server: GET retried, PATCH update not', async () => {
    handler = (_req, _res, n) => {
      void n; // never answer
    };
    const { c, sleeps } = client({ headersMs: 150, attempts: 2 });
    try {
      const getErr = await c.limits().catch((e: unknown) => e);
      expect(getErr).toBeInstanceOf(TransientError);
      expect((getErr as TransientError).code).toBe('UND_ERR_HEADERS_TIMEOUT');
      expect(requests).toHaveLength(2);
      expect(sleeps).toHaveLength(1);
      requests = [];
      const patchErr = await c
        .update('Account', [{ Id: '001000000000001AAA', Name: 'x' }])
        .catch((e: unknown) => e);
      expect(patchErr).toBeInstanceOf(TransientError);
      expect(requests).toHaveLength(1);
    } finally {
      await c.close();
      server.closeAllConnections();
    }
  });

  it('refetches a Bulk result page cut mid-stream and yields each row once', async () => {
    const jobId = '750000000000001AAA';
    handler = (req, res) => {
      const url = new URL(req.url ?? '/', baseUrl);
      if (url.pathname.endsWith(`/jobs/query/${jobId}`)) {
        json(res, 200, { id: jobId, state: 'JobComplete', numberRecordsProcessed: 4 });
        return;
      }
      const pageTwo = url.searchParams.get('locator') === 'L2';
      const rows = pageTwo ? ['"Id"', '"003"', '"004"'] : ['"Id"', '"001"', '"002"'];
      const pageHits = requests.filter((r) => r.includes('/results') && r.includes('L2') === pageTwo).length;
      res.writeHead(200, {
        'content-type': 'text/csv',
        'sforce-locator': pageTwo ? 'null' : 'L2',
        'sforce-numberofrecords': '2',
      });
      if (pageTwo && pageHits === 1) {
        // First try of page two: header and one row, then the connection dies.
        res.write(`${rows[0]}\n${rows[1]}\n`);
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.end(`${rows.join('\n')}\n`);
    };
    const { c } = client();
    try {
      const job = c.attachBulkQueryJob(jobId);
      const ids: (string | null | undefined)[] = [];
      for await (const row of job) ids.push(row.Id);
      expect(ids).toEqual(['001', '002', '003', '004']);
      expect(requests.filter((r) => r.includes('locator=L2'))).toHaveLength(2);
    } finally {
      await c.close();
    }
  });
});
