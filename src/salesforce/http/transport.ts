/**
 * The one place Ferry talks HTTP to Salesforce. Every call goes through `send`, which:
 * - reuses keep-alive connections (one undici Agent per client);
 * - adds the bearer token, and on a 401 refreshes it once and repeats the call;
 * - records `Sforce-Limit-Info` from every response into the usage tracker;
 * - retries 503 / 502 / 504, `UNABLE_TO_LOCK_ROW`, `SERVER_UNAVAILABLE` and network faults with
 *   full-jitter backoff — but never resends a request that may already have been applied unless it
 *   is idempotent (by method, or because the caller says so);
 * - maps every failure to a Ferry error class through src/errors.
 * Responses are consumed inside the retry loop (JSON) or handed over as a stream (CSV), so a reset
 * while reading a JSON body is retried like any other network fault.
 */
import { parseJsonExact, stringifyExact } from './exact-json.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import {
  TransientError,
  UnrecoverableError,
  ConfigError,
  isFerryError,
  type FerryError,
} from '../../errors/index.js';
import { redactString, type Logger } from '../../log/index.js';
import { backoffDelay, parseRetryAfter, type RetryOptions, type Sleep } from './backoff.js';
import type { ApiUsageTracker } from './limit-info.js';
import { classifyNetworkError, isAbort } from './network-error.js';
import { parseErrorBody, responseError } from './response-error.js';
import { idempotentByMethod, mayResend, retryableResponse, type AttemptOutcome } from './retry-policy.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type RequestBody =
  | { readonly json: unknown }
  | { readonly form: Readonly<Record<string, string>> }
  | { readonly text: string; readonly contentType: string }
  /** Sent once: a request with a stream body is never resent by the transport. */
  | { readonly stream: Readable; readonly contentType: string };

export interface HttpRequest {
  readonly method: HttpMethod;
  /** A path on the instance (`/services/data/v62.0/limits`) or an absolute URL (token endpoint). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>> | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: RequestBody | undefined;
  /** Safe to resend even if the server may have applied it. Default: by HTTP method. */
  readonly idempotent?: boolean | undefined;
  /** Send the bearer token (default true). */
  readonly auth?: boolean | undefined;
  readonly accept?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Names the call in errors and logs, e.g. `describe Account`. Default: method and path. */
  readonly context?: string | undefined;
  /** JSON numbers of more than 15 significant digits arrive as strings (exact-json.ts). */
  readonly exactNumbers?: boolean | undefined;
}

export interface AccessToken {
  readonly accessToken: string;
  readonly instanceUrl: string;
}

/** Where the transport gets tokens; implemented by the auth session. */
export interface TokenSource {
  token(signal?: AbortSignal): Promise<AccessToken>;
  /** Replace `stale` (which Salesforce just refused) with a fresh token. */
  refresh(stale: AccessToken, signal?: AbortSignal): Promise<AccessToken>;
}

export interface StreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Must be consumed or destroyed by the caller (it holds a connection). */
  readonly body: Readable;
}

export interface Timeouts {
  connectMs: number;
  /** Waiting for response headers (Salesforce can take minutes on heavy queries). */
  headersMs: number;
  /** Longest silence while reading a body. */
  bodyMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 15_000, headersMs: 180_000, bodyMs: 180_000 };

export interface TransportOptions {
  readonly retry: RetryOptions;
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly timeouts: Timeouts;
  /** Sockets per origin. */
  readonly connections: number;
  readonly logger: Logger;
  readonly userAgent: string;
  readonly usage: ApiUsageTracker;
}

const MAX_ERROR_BODY = 64 * 1024;

type Consume<T> = (res: Dispatcher.ResponseData) => Promise<T>;

export class Transport {
  readonly #options: TransportOptions;
  readonly #agent: Agent;
  #tokens: TokenSource | undefined;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#agent = new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 300_000,
      connections: options.connections,
      connect: { timeout: options.timeouts.connectMs },
      headersTimeout: options.timeouts.headersMs,
      bodyTimeout: options.timeouts.bodyMs,
    });
  }

  /** The auth session (which itself uses this transport, unauthenticated, for the token endpoint). */
  useTokens(tokens: TokenSource): void {
    this.#tokens = tokens;
  }

  get usage(): ApiUsageTracker {
    return this.#options.usage;
  }

  /** A JSON response body, validated by `schema` when given. */
  async json<S extends z.ZodType>(req: HttpRequest, schema: S): Promise<z.output<S>>;
  async json(req: HttpRequest): Promise<unknown>;
  async json(req: HttpRequest, schema?: z.ZodType): Promise<unknown> {
    const data = await this.send(req, async (res) => {
      const text = await res.body.text();
      if (text.trim() === '') {
        throw new UnrecoverableError(
          `${contextOf(req)}: expected JSON, got an empty body (HTTP ${res.statusCode})`,
          {
            code: 'UNEXPECTED_RESPONSE',
            status: res.statusCode,
          },
        );
      }
      try {
        return (req.exactNumbers === true ? parseJsonExact(text) : JSON.parse(text)) as unknown;
      } catch (cause) {
        throw new UnrecoverableError(
          `${contextOf(req)}: expected JSON, got ${headerValue(res.headers['content-type']) ?? 'no content type'}: ${redactString(text.slice(0, 200))}`,
          { code: 'UNEXPECTED_RESPONSE', status: res.statusCode, cause },
        );
      }
    });
    if (!schema) return data;
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new UnrecoverableError(`${contextOf(req)}: unexpected response shape (${issues})`, {
        code: 'UNEXPECTED_RESPONSE',
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  /** A text response (XML from SOAP / Bulk 1.0, small CSVs) with its content type. */
  async text(req: HttpRequest): Promise<{ contentType: string | undefined; text: string }> {
    return this.send(req, async (res) => ({
      contentType: headerValue(res.headers['content-type']),
      text: await res.body.text(),
    }));
  }

  /** For calls answered with 201/204 and no useful body. */
  async empty(req: HttpRequest): Promise<{ status: number; headers: IncomingHttpHeaders }> {
    return this.send(req, async (res) => {
      await res.body.dump();
      return { status: res.statusCode, headers: res.headers };
    });
  }

  /** A successful response whose body the caller streams (CSV results). */
  async stream(req: HttpRequest): Promise<StreamResponse> {
    return this.send(req, (res) =>
      Promise.resolve({ status: res.statusCode, headers: res.headers, body: res.body }),
    );
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** Sends with auth, refresh, limit tracking and retries; `consume` reads a 2xx response. */
  async send<T>(req: HttpRequest, consume: Consume<T>): Promise<T> {
    const { retry, sleep, random, logger } = this.#options;
    const idempotent = req.idempotent ?? idempotentByMethod(req.method);
    const replayable = req.body === undefined || !('stream' in req.body);
    const useAuth = req.auth ?? true;
    const context = contextOf(req);
    let refreshed = false;
    let attempt = 0;

    // Decides whether to go round again after a failed attempt; throws `error` when not.
    const again = async (
      outcome: AttemptOutcome,
      error: FerryError,
      retryAfterMs?: number,
    ): Promise<void> => {
      const canResend = replayable && mayResend(outcome, idempotent);
      if (!canResend || attempt + 1 >= retry.attempts) {
        if (attempt > 0) (error as { message: string }).message += ` (after ${attempt + 1} attempts)`;
        throw error;
      }
      const delayMs = backoffDelay(attempt, retry, random, retryAfterMs);
      logger.warn(
        { method: req.method, path: pathOnly(req.path), attempt: attempt + 1, delayMs, code: error.code },
        'Salesforce call failed; retrying',
      );
      attempt++;
      await sleep(delayMs, req.signal);
    };

    for (;;) {
      const token = useAuth ? await this.#token(req.signal) : undefined;
      const started = Date.now();
      let res: Dispatcher.ResponseData;
      try {
        res = await request(this.#url(req, token), {
          dispatcher: this.#agent,
          method: req.method,
          headers: this.#headers(req, token),
          body: encodeBody(req.body),
          signal: req.signal ?? null,
          idempotent,
        });
      } catch (err) {
        await again(...networkFailure(err, context));
        continue;
      }

      this.#options.usage.record(res.headers['sforce-limit-info']);
      logger.debug(
        { method: req.method, path: pathOnly(req.path), status: res.statusCode, ms: Date.now() - started },
        'Salesforce call',
      );

      if (res.statusCode >= 200 && res.statusCode < 300) {
        try {
          return await consume(res);
        } catch (err) {
          if (isFerryError(err)) throw err;
          await again(...networkFailure(err, context));
          continue;
        }
      }

      let text: string;
      try {
        text = await readLimited(res.body, MAX_ERROR_BODY);
      } catch (err) {
        await again(...networkFailure(err, context));
        continue;
      }
      const contentType = headerValue(res.headers['content-type']);

      if (res.statusCode === 401 && token && !refreshed) {
        if (text.includes('not valid for use with the REST API')) {
          throw new ConfigError(`${context}: the session cannot be used with the REST API`, {
            code: 'INVALID_SESSION_ID',
            status: 401,
            hint: 'log in with an OAuth flow that grants the `api` scope',
          });
        }
        refreshed = true;
        logger.info({ path: pathOnly(req.path) }, 'Salesforce session expired; refreshing');
        await this.#tokens?.refresh(token, req.signal);
        // A refused token means nothing was applied: repeat (if the body can be sent again).
        if (replayable) continue;
      }

      const error = responseError(res.statusCode, contentType, text, context);
      const outcome = retryableResponse(
        res.statusCode,
        parseErrorBody(res.statusCode, contentType, text).errorCode,
      );
      if (outcome === undefined) throw error;
      await again(outcome, error, parseRetryAfter(res.headers['retry-after']));
    }
  }

  async #token(signal: AbortSignal | undefined): Promise<AccessToken> {
    if (!this.#tokens) throw new ConfigError('Salesforce client has no credentials', { code: 'NO_AUTH' });
    return this.#tokens.token(signal);
  }

  #url(req: HttpRequest, token: AccessToken | undefined): string {
    let base = '';
    if (!/^https?:\/\//i.test(req.path)) {
      if (!token)
        throw new ConfigError(`${contextOf(req)}: no instance URL known yet`, { code: 'NO_INSTANCE_URL' });
      base = token.instanceUrl.replace(/\/+$/, '');
    }
    const query = Object.entries(req.query ?? {})
      .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const sep = req.path.includes('?') ? '&' : '?';
    return `${base}${req.path}${query ? sep + query : ''}`;
  }

  #headers(req: HttpRequest, token: AccessToken | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': this.#options.userAgent,
      accept: req.accept ?? 'application/json',
    };
    if (token) headers.authorization = `Bearer ${token.accessToken}`;
    const ct = contentTypeOf(req.body);
    if (ct) headers['content-type'] = ct;
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    return headers;
  }
}

function contextOf(req: HttpRequest): string {
  return req.context ?? `${req.method} ${pathOnly(req.path)}`;
}

/** The path without query string or origin: what logs and errors show. */
function pathOnly(path: string): string {
  return path.replace(/^https?:\/\/[^/]+/i, '').replace(/\?.*$/, '');
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function contentTypeOf(body: RequestBody | undefined): string | undefined {
  if (!body) return undefined;
  if ('json' in body) return 'application/json';
  if ('form' in body) return 'application/x-www-form-urlencoded';
  return body.contentType;
}

function encodeBody(body: RequestBody | undefined): string | Readable | null {
  if (!body) return null;
  if ('json' in body) return stringifyExact(body.json);
  if ('form' in body) return new URLSearchParams(body.form as Record<string, string>).toString();
  if ('text' in body) return body.text;
  return body.stream;
}

/** Reads at most `limit` bytes as text and discards the rest (HTML error pages can be large). */
async function readLimited(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    if (size < limit) chunks.push(buf.subarray(0, limit - size));
    size += buf.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A thrown network/stream error as (outcome, Ferry error); aborts and unknown errors are rethrown. */
function networkFailure(err: unknown, context: string): [AttemptOutcome, FerryError] {
  if (isAbort(err) || isFerryError(err)) throw err;
  const failure = classifyNetworkError(err);
  if (!failure) {
    throw new UnrecoverableError(
      `${context}: ${err instanceof Error ? redactString(err.message) : String(err)}`,
      {
        code: 'HTTP_CLIENT_ERROR',
        cause: err,
      },
    );
  }
  if (!failure.retryable) {
    throw new ConfigError(`${context}: cannot reach Salesforce (${failure.code})`, {
      code: failure.code,
      hint: 'check the login URL and instance URL',
      cause: err,
    });
  }
  const applied = failure.outcome === 'maybe-applied' ? ' (the request may have reached Salesforce)' : '';
  return [
    failure.outcome,
    new TransientError(`${context}: network error ${failure.code}${applied}`, {
      code: failure.code,
      cause: err,
    }),
  ];
}
