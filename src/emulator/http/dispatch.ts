/**
 * The request pipeline, in Salesforce's order: route → injected faults → API version →
 * authentication → daily limit → handler → `Sforce-Limit-Info`. Every failure on the way is
 * rendered in the route's error dialect; nothing thrown escapes (bad input never gets a stack
 * trace or a hang). The control surface (`/__emulator`) skips faults, auth and counting.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { isServedVersion } from './api-version.js';
import type { HttpContext, InternalRequest } from './context.js';
import { dialectOf, errorResponse, MESSAGES, toErrorResponse, type ErrorLogger } from './errors.js';
import { restError } from './respond.js';
import { normalizePath, type Router } from './router.js';
import type { EmuRequest, EmuResponse, EmulatorEnv, Route, Session } from './types.js';

export interface RawRequest {
  readonly method: string;
  /** Request target as received (path and query). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly origin: string;
}

export const CONTROL_PREFIX = '/__emulator';

function parseTarget(url: string): { path: string; query: URLSearchParams } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://emulator.invalid');
  } catch {
    return undefined;
  }
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  return { path: normalizePath(path), query: parsed.searchParams };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The token a request presents for its route's auth scheme. */
function presentedToken(
  route: Route,
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): string | undefined {
  const auth = header(headers, 'authorization');
  const m = auth ? /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(auth) : null;
  if (route.auth === 'bulk1') return header(headers, 'x-sfdc-session')?.trim() || m?.[1];
  if (m?.[1]) return m[1];
  if (route.tokenInQuery) return query.get('oauth_token') ?? undefined;
  return undefined;
}

function isWriteRoute(route: Route): boolean {
  if (route.writes !== undefined) return route.writes;
  return route.auth !== 'none' && route.method !== 'GET' && route.method !== 'HEAD';
}

export class Dispatcher {
  constructor(
    private readonly router: Router,
    private readonly ctx: HttpContext,
    private readonly env: EmulatorEnv,
    private readonly log: ErrorLogger,
  ) {}

  async dispatch(raw: RawRequest): Promise<EmuResponse> {
    const target = parseTarget(raw.url);
    if (!target) return restError(400, 'MALFORMED_URL', 'The request URL could not be parsed');
    // Clients that cannot send PATCH use POST with `?_HttpMethod=PATCH` (REST API convention).
    const override = raw.method === 'POST' ? target.query.get('_HttpMethod')?.toUpperCase() : undefined;
    const method = override || raw.method;
    const match = this.router.match(method, target.path);
    if (match.kind === 'not-found') return restError(404, 'NOT_FOUND', MESSAGES.notFound);
    if (match.kind === 'method-not-allowed') {
      const res = restError(
        405,
        'METHOD_NOT_ALLOWED',
        `HTTP Method '${method}' not allowed. Allowed are ${match.allowed.join(',')}`,
      );
      return { ...res, headers: { ...res.headers, Allow: match.allowed.join(', ') } };
    }
    const { route, params } = match;
    const dialect = dialectOf(route);
    const control = target.path === CONTROL_PREFIX || target.path.startsWith(`${CONTROL_PREFIX}/`);

    if (!control) {
      this.ctx.limits.recordCall(route.name);
      if (this.ctx.faults.latencyMs > 0) await sleep(this.ctx.faults.latencyMs);
      const refused =
        this.ctx.faults.maintenanceResponse(dialect, isWriteRoute(route)) ??
        this.ctx.faults.takeFailure(target.path, dialect);
      if (refused) return refused;
    }

    const version = params['version'];
    if (version !== undefined && !isServedVersion(version, this.ctx.config.maxApiVersion)) {
      return dialect === 'soap'
        ? errorResponse(
            'soap',
            500,
            'UNSUPPORTED_API_VERSION',
            `Invalid Api version specified on URL: ${version}`,
          )
        : errorResponse(dialect, 404, 'NOT_FOUND', MESSAGES.notFound);
    }

    let session: Session | undefined;
    if (route.auth === 'bearer' || route.auth === 'bulk1') {
      const token = presentedToken(route, raw.headers, target.query);
      session = token ? this.ctx.sessions.use(token) : undefined;
      if (!session) return errorResponse(dialect, 401, 'INVALID_SESSION_ID', MESSAGES.invalidSession);
    }

    if (route.counted && !this.ctx.limits.consume()) {
      const res = errorResponse(dialect, 403, 'REQUEST_LIMIT_EXCEEDED', MESSAGES.limitExceeded);
      return { ...res, headers: { ...res.headers, 'Sforce-Limit-Info': this.ctx.limits.header() } };
    }

    const req: EmuRequest = {
      method,
      path: target.path,
      query: target.query,
      headers: raw.headers,
      params,
      body: raw.body,
      session,
      origin: raw.origin,
    };
    let res: EmuResponse;
    try {
      res = await route.handle(req, this.env);
    } catch (err) {
      res = toErrorResponse(err, dialect, this.log);
    }
    if (route.counted)
      res = { ...res, headers: { ...res.headers, 'Sforce-Limit-Info': this.ctx.limits.header() } };
    return res;
  }

  /** A composite subrequest: same routes, the parent's session, no faults or counting. */
  async dispatchInternal(sub: InternalRequest): Promise<EmuResponse> {
    const target = parseTarget(sub.url);
    if (!target || !target.path.startsWith('/services/data/')) {
      return restError(400, 'INVALID_URL', `The URL '${sub.url}' is not a REST API resource`);
    }
    const match = this.router.match(sub.method, target.path);
    if (match.kind === 'not-found') return restError(404, 'NOT_FOUND', MESSAGES.notFound);
    if (match.kind === 'method-not-allowed') {
      return restError(
        405,
        'METHOD_NOT_ALLOWED',
        `HTTP Method '${sub.method}' not allowed. Allowed are ${match.allowed.join(',')}`,
      );
    }
    const { route, params } = match;
    const version = params['version'];
    if (version !== undefined && !isServedVersion(version, this.ctx.config.maxApiVersion)) {
      return restError(404, 'NOT_FOUND', MESSAGES.notFound);
    }
    const body = sub.body === undefined || sub.body === null ? '' : JSON.stringify(sub.body);
    const req: EmuRequest = {
      method: sub.method,
      path: target.path,
      query: target.query,
      headers: { 'content-type': 'application/json' },
      params,
      body: Buffer.from(body, 'utf8'),
      session: sub.session,
      origin: sub.origin,
    };
    try {
      return await route.handle(req, { ...this.env, org: sub.org });
    } catch (err) {
      return toErrorResponse(err, dialectOf(route), this.log);
    }
  }
}
