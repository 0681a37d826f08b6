/**
 * `startEmulator`: one org behind a node:http server speaking Salesforce's wire formats. This file
 * wires the parts together (org, sessions, limits, faults, routes) and moves bytes: bodies are read
 * whole (bounded), responses written with backpressure when they stream. Everything about what a
 * request means lives in src/emulator/http.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createOrg } from './org/org.js';
import type { OrgApi } from './org/types.js';
import { createBulkRoutes } from './http/bulk-routes.js';
import { collectionRoutes } from './http/collections.js';
import { compositeBatchRoutes } from './http/composite-batch.js';
import { compositeTreeRoutes } from './http/composite-tree.js';
import { compositeRoutes } from './http/composite.js';
import type { EmulatorConfig, HttpContext } from './http/context.js';
import { controlRoutes } from './http/control.js';
import { describeRoutes } from './http/describe-routes.js';
import { Dispatcher } from './http/dispatch.js';
import type { ErrorLogger } from './http/errors.js';
import { Faults, withLockFaults } from './http/faults.js';
import { identityRoutes } from './http/identity.js';
import { ApiLimits, limitsRoutes } from './http/limits.js';
import { oauthRoutes } from './http/oauth.js';
import { QueryLocators } from './http/query-locators.js';
import { queryRoutes } from './http/query.js';
import { replicationRoutes } from './http/replication.js';
import { restError } from './http/respond.js';
import { Router } from './http/router.js';
import { SessionStore } from './http/sessions.js';
import { soapRoutes } from './http/soap.js';
import { sobjectExternalIdRoutes } from './http/sobject-external-id.js';
import { sobjectRecordRoutes } from './http/sobject-records.js';
import type { EmuResponse, EmulatorEnv } from './http/types.js';
import { versionRoutes } from './http/versions.js';

export interface EmulatorStartOptions {
  /** Default 7777; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  seed?: 'demo' | 'none';
  records?: number;
  schemaFile?: string;
  stateFile?: string;
  /** Seed of the demo data generator. */
  randomSeed?: number;
  username?: string;
  password?: string;
  /** Accepted appended to the password, as Salesforce's security token. */
  securityToken?: string;
  clientId?: string;
  clientSecret?: string;
  /** PEM public key (or certificate) verifying JWT bearer assertions. */
  jwtPublicKey?: string;
  /** Session inactivity timeout in real time (default 2 h, Salesforce's default). */
  sessionLifetimeMs?: number;
  dailyApiLimit?: number;
  maxApiVersion?: string;
  /** Where unexpected handler errors are reported (default: stderr). */
  log?: ErrorLogger;
}

export interface RunningEmulator {
  /** `http://host:port`: login URL and instance URL at once. */
  readonly url: string;
  readonly instanceUrl: string;
  readonly loginUrl: string;
  readonly username: string;
  readonly password: string;
  readonly securityToken: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly org: OrgApi;
  /** Stops accepting requests, ends open connections and saves the state file. */
  close(): Promise<void>;
}

/** Uploads are capped by Salesforce at 150 MB (Bulk 2.0); leave room for multipart overhead. */
const MAX_BODY_BYTES = 160 * 1024 * 1024;
const TWO_HOURS = 2 * 60 * 60 * 1000;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function isAsyncIterable(v: unknown): v is AsyncIterable<string | Buffer> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

async function writeResponse(res: ServerResponse, out: EmuResponse): Promise<void> {
  res.statusCode = out.status;
  for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
  const body = out.body;
  if (body === null || body === undefined) {
    res.end();
  } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
    // Encode once: byteLength + end(string) would walk a multi-megabyte query page twice.
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    res.setHeader('Content-Length', buf.length);
    res.end(buf);
  } else if (body instanceof Readable) {
    await pipeline(body, res);
  } else if (isAsyncIterable(body)) {
    // pipeline drives the iterable and honours the socket's backpressure.
    await pipeline(Readable.from(body, { objectMode: false }), res);
  } else {
    res.end();
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startEmulator(options: EmulatorStartOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const config: EmulatorConfig = {
    username: options.username ?? 'admin@ferry.test',
    password: options.password ?? 'ferry',
    securityToken: options.securityToken ?? 'FerrySecurityToken0000000',
    clientId: options.clientId ?? 'ferry',
    clientSecret: options.clientSecret ?? 'ferry-secret',
    jwtPublicKey: options.jwtPublicKey,
    maxApiVersion: options.maxApiVersion ?? '62.0',
  };
  const log: ErrorLogger =
    options.log ?? ((message, error) => console.error(message, error instanceof Error ? error.stack : error));

  const org = await createOrg({
    seed: options.seed ?? 'demo',
    username: config.username,
    ...(options.records !== undefined ? { records: options.records } : {}),
    ...(options.schemaFile !== undefined ? { schemaFile: options.schemaFile } : {}),
    ...(options.stateFile !== undefined ? { stateFile: options.stateFile } : {}),
    ...(options.randomSeed !== undefined ? { randomSeed: options.randomSeed } : {}),
  });
  const sessions = new SessionStore({
    orgId: org.identity.orgId,
    userId: org.identity.userId,
    lifetimeMs: options.sessionLifetimeMs ?? TWO_HOURS,
    // Real time, not the emulator clock: tests jump the org clock by days and must keep their session.
    now: () => Date.now(),
  });
  const limits = new ApiLimits({ dailyApiLimit: options.dailyApiLimit ?? 100_000, now: () => org.now() });
  const faults = new Faults();
  const locators = new QueryLocators();
  org.attachState('http.sessions', sessions);
  org.attachState('http.limits', limits);
  org.attachState('http.queryLocators', locators);

  // Composite handlers reach the dispatcher through ctx, which must exist before the routes do.
  const late: { dispatcher?: Dispatcher } = {};
  const ctx: HttpContext = {
    config,
    rawOrg: org,
    sessions,
    limits,
    faults,
    locators,
    dispatchInternal: (req) => {
      if (!late.dispatcher)
        return Promise.resolve(restError(503, 'SERVER_UNAVAILABLE', 'Emulator is starting'));
      return late.dispatcher.dispatchInternal(req);
    },
  };
  const env: EmulatorEnv = {
    org: withLockFaults(org, faults),
    maxApiVersion: config.maxApiVersion,
    recordUsage: (limit, amount) => limits.recordUsage(limit, amount),
  };
  const router = new Router();
  router.add([
    ...versionRoutes(config.maxApiVersion),
    ...oauthRoutes(ctx),
    ...identityRoutes(),
    ...soapRoutes(ctx),
    ...limitsRoutes(limits),
    ...describeRoutes(),
    ...replicationRoutes(),
    ...sobjectRecordRoutes(),
    ...sobjectExternalIdRoutes(),
    ...queryRoutes(ctx),
    ...collectionRoutes(ctx),
    ...compositeRoutes(ctx),
    ...compositeBatchRoutes(ctx),
    ...compositeTreeRoutes(ctx),
    ...createBulkRoutes(),
    ...controlRoutes(ctx),
  ]);
  const active = new Dispatcher(router, ctx, env, log);
  late.dispatcher = active;

  let port = options.port ?? 7777;
  const server = createServer((req, res) => {
    void (async () => {
      let out: EmuResponse;
      try {
        const body = await readBody(req);
        const origin = `http://${req.headers.host ?? `${urlHost(host)}:${port}`}`;
        out = await active.dispatch({
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers,
          body,
          origin,
        });
      } catch (err) {
        out =
          err instanceof BodyTooLarge
            ? restError(413, 'REQUEST_ENTITY_TOO_LARGE', `Request body exceeds ${MAX_BODY_BYTES} bytes`)
            : restError(400, 'BAD_REQUEST', 'The request could not be read');
      }
      try {
        await writeResponse(res, out);
      } catch (err) {
        // A client that went away mid-stream is normal; a body that failed while streaming is a bug.
        if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
          log('emulator: response body failed while streaming', err);
        }
        res.destroy();
      }
    })();
  });
  // Keep-alive sockets of clients that are done (jsforce, fetch) must not hold close() open.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running get a moment to finish, then their sockets are cut.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      await org.persist();
    })();
    return closing;
  };

  return {
    url,
    instanceUrl: url,
    loginUrl: url,
    username: config.username,
    password: config.password,
    securityToken: config.securityToken,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    org,
    close,
  };
}
