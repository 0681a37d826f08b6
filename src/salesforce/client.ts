/**
 * `SalesforceClient`: one object per org connection. It owns the keep-alive connection pool, the
 * auth session and the API usage tracker, and delegates each API to its module (rest/, bulk/).
 * Logging in is lazy (first call) unless `connect()` is called to fail fast on bad credentials.
 */
import { ConfigError } from '../errors/index.js';
import { rootLogger, type Logger } from '../log/index.js';
import type { ApiContext } from './api-context.js';
import { createAuthFlow } from './auth/flows.js';
import type { AuthOptions, TokenInfo } from './auth/options.js';
import { AuthSession } from './auth/session.js';
import { BulkQueryJob, type BulkQueryOptions } from './bulk/query.js';
import {
  IngestJob,
  ingest,
  type IngestJobOptions,
  type IngestOptions,
  type IngestResult,
} from './bulk/ingest.js';
import {
  DEFAULT_POLL,
  DEFAULT_RETRY,
  realSleep,
  type PollOptions,
  type RetryOptions,
  type Sleep,
} from './http/backoff.js';
import { ApiUsageTracker, type ApiUsage } from './http/limit-info.js';
import { DEFAULT_TIMEOUTS, Transport, type Timeouts } from './http/transport.js';
import {
  createRecords,
  deleteRecords,
  updateRecords,
  upsertRecords,
  type CollectionOptions,
} from './rest/collections.js';
import {
  describe,
  describeGlobal,
  versions,
  type ApiVersion,
  type DescribeGlobalResult,
  type DescribeSObjectResult,
} from './rest/describe.js';
import { limits, type OrgLimits } from './rest/limits.js';
import { QueryStream, type QueryOptions } from './rest/query.js';
import { getDeleted, getUpdated, type DeletedResult, type UpdatedResult } from './rest/replication.js';
import type { SoqlLike } from './soql.js';
import type { SaveResult, SObjectRecord } from './types.js';

export const DEFAULT_API_VERSION = '62.0';

export interface SalesforceClientOptions {
  readonly auth: AuthOptions;
  /** `62.0` (or `v62.0`). Bulk 2.0 query needs ≥ 47.0, collection upsert ≥ 46.0. */
  readonly apiVersion?: string;
  readonly retry?: Partial<RetryOptions>;
  /** How Bulk jobs are polled. */
  readonly poll?: Partial<PollOptions>;
  readonly timeouts?: Partial<Timeouts>;
  /** Keep-alive sockets per host (default 8). */
  readonly connections?: number;
  readonly logger?: Logger;
  readonly userAgent?: string;
  /** For tests: replace waiting and randomness (backoff jitter). */
  readonly sleep?: Sleep;
  readonly random?: () => number;
}

function normalizeVersion(v: string | undefined): string {
  const version = (v ?? DEFAULT_API_VERSION).replace(/^v/i, '');
  if (!/^\d{2,3}\.\d$/.test(version)) {
    throw new ConfigError(`API version must look like 62.0, got ${JSON.stringify(v)}`, {
      code: 'INVALID_API_VERSION',
    });
  }
  return version;
}

function positive(n: number, what: string, allowZero = false): number {
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new ConfigError(`${what} must be a positive number, got ${n}`, { code: 'INVALID_OPTION' });
  }
  return n;
}

export class SalesforceClient {
  readonly apiVersion: string;
  readonly #transport: Transport;
  readonly #session: AuthSession;
  readonly #usage = new ApiUsageTracker();
  readonly #ctx: ApiContext;

  constructor(options: SalesforceClientOptions) {
    this.apiVersion = normalizeVersion(options.apiVersion);
    const logger = (options.logger ?? rootLogger()).child({ component: 'salesforce' });
    const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry };
    positive(retry.attempts, 'retry.attempts');
    positive(retry.baseDelayMs, 'retry.baseDelayMs', true);
    positive(retry.maxDelayMs, 'retry.maxDelayMs', true);
    const poll: PollOptions = { ...DEFAULT_POLL, ...options.poll };
    positive(poll.initialDelayMs, 'poll.initialDelayMs', true);
    positive(poll.maxDelayMs, 'poll.maxDelayMs', true);
    if (poll.factor < 1) throw new ConfigError('poll.factor must be ≥ 1', { code: 'INVALID_OPTION' });
    const sleep = options.sleep ?? realSleep;
    const random = options.random ?? Math.random;
    const flow = createAuthFlow(options.auth);

    this.#transport = new Transport({
      retry,
      sleep,
      random,
      timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
      connections: options.connections ?? 8,
      logger,
      userAgent: options.userAgent ?? 'ferry/0.1',
      usage: this.#usage,
    });
    this.#session = new AuthSession(flow, this.#transport, logger);
    this.#transport.useTokens(this.#session);
    this.#ctx = {
      transport: this.#transport,
      apiVersion: this.apiVersion,
      basePath: `/services/data/v${this.apiVersion}`,
      logger,
      poll,
      sleep,
      retry,
      random,
    };
  }

  /** Logs in now (instead of on the first call) and returns the instance URL. */
  async connect(signal?: AbortSignal): Promise<{ instanceUrl: string; identityUrl: string | undefined }> {
    const t = await this.#session.token(signal);
    return { instanceUrl: t.instanceUrl, identityUrl: t.identityUrl };
  }

  /** The last `Sforce-Limit-Info` seen: `{used, max}` daily API requests, or undefined before any call. */
  get apiUsage(): ApiUsage | undefined {
    return this.#usage.current;
  }

  /** The tracker itself, to subscribe to usage changes (a limits governor). */
  get usageTracker(): ApiUsageTracker {
    return this.#usage;
  }

  /** Current token info (no secret beyond what the caller configured); undefined before login. */
  async session(): Promise<Pick<TokenInfo, 'instanceUrl' | 'identityUrl' | 'issuedAt'> | undefined> {
    const t = await this.#session.current();
    return t && { instanceUrl: t.instanceUrl, identityUrl: t.identityUrl, issuedAt: t.issuedAt };
  }

  versions(signal?: AbortSignal): Promise<ApiVersion[]> {
    return versions(this.#ctx, signal);
  }

  describeGlobal(signal?: AbortSignal): Promise<DescribeGlobalResult> {
    return describeGlobal(this.#ctx, signal);
  }

  describe(type: string, signal?: AbortSignal): Promise<DescribeSObjectResult> {
    return describe(this.#ctx, type, signal);
  }

  limits(signal?: AbortSignal): Promise<OrgLimits> {
    return limits(this.#ctx, signal);
  }

  /** Records of a SOQL query, page by page (`.pages()`), live rows only. */
  query<R extends SObjectRecord = SObjectRecord>(soql: SoqlLike, options?: QueryOptions): QueryStream<R> {
    return new QueryStream<R>(this.#ctx, soql, false, options);
  }

  /** Like `query`, including deleted (recycle bin) and archived rows. */
  queryAll<R extends SObjectRecord = SObjectRecord>(soql: SoqlLike, options?: QueryOptions): QueryStream<R> {
    return new QueryStream<R>(this.#ctx, soql, true, options);
  }

  getUpdated(type: string, start: Date, end: Date, signal?: AbortSignal): Promise<UpdatedResult> {
    return getUpdated(this.#ctx, type, start, end, signal);
  }

  getDeleted(type: string, start: Date, end: Date, signal?: AbortSignal): Promise<DeletedResult> {
    return getDeleted(this.#ctx, type, start, end, signal);
  }

  create(
    type: string,
    records: readonly SObjectRecord[],
    options?: CollectionOptions,
  ): Promise<SaveResult[]> {
    return createRecords(this.#ctx, type, records, options);
  }

  update(
    type: string,
    records: readonly SObjectRecord[],
    options?: CollectionOptions,
  ): Promise<SaveResult[]> {
    return updateRecords(this.#ctx, type, records, options);
  }

  upsert(
    type: string,
    externalIdField: string,
    records: readonly SObjectRecord[],
    options?: CollectionOptions,
  ): Promise<SaveResult[]> {
    return upsertRecords(this.#ctx, type, externalIdField, records, options);
  }

  delete(ids: readonly string[], options?: CollectionOptions): Promise<SaveResult[]> {
    return deleteRecords(this.#ctx, ids, options);
  }

  /** Bulk 2.0 ingest end to end: create, stream the upload, close, wait. */
  bulkIngest(options: IngestOptions): Promise<IngestResult> {
    return ingest(this.#ctx, options);
  }

  /** Bulk 2.0 ingest step by step (or `attachIngestJob` to resume). */
  createIngestJob(options: IngestJobOptions): Promise<IngestJob> {
    return IngestJob.create(this.#ctx, options);
  }

  attachIngestJob(id: string, signal?: AbortSignal): IngestJob {
    return IngestJob.attach(this.#ctx, id, signal);
  }

  /** Creates a Bulk 2.0 query job; iterate it (or `.records()`) to wait and stream rows. */
  bulkQuery(soql: SoqlLike, options?: BulkQueryOptions): Promise<BulkQueryJob> {
    return BulkQueryJob.create(this.#ctx, soql, options);
  }

  attachBulkQueryJob(id: string, options?: BulkQueryOptions): BulkQueryJob {
    return BulkQueryJob.attach(this.#ctx, id, options);
  }

  /** Closes pooled connections. In-flight calls fail. */
  async close(): Promise<void> {
    await this.#transport.close();
  }
}
