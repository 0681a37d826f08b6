/**
 * The emulator's HTTP plumbing contract: each endpoint module exports `Route`s; the server matches
 * them, authenticates, counts the call against the org's limits, applies injected faults, and
 * renders the handler's `EmuResponse`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { OrgApi } from '../org/types.js';

export interface Session {
  readonly accessToken: string;
  readonly userId: string;
  readonly orgId: string;
  /** ms since epoch (real time) after which the token is refused with INVALID_SESSION_ID. */
  expiresAt: number;
}

export interface EmuRequest {
  readonly method: string;
  /** Decoded path without the query string, e.g. `/services/data/v62.0/sobjects/Account`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Named groups of the matched route pattern (e.g. `version`, `type`, `id`). */
  readonly params: Readonly<Record<string, string>>;
  /** The raw body, read whole (uploads are bounded by Salesforce's own limits). */
  readonly body: Buffer;
  /** Set for routes with auth !== 'none'. */
  readonly session: Session | undefined;
  /** `http://host:port` as the client reached us; used in absolute URLs (instance_url, identity). */
  readonly origin: string;
}

export type ResponseBody = string | Buffer | Readable | AsyncIterable<string | Buffer> | null;

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  body?: ResponseBody;
}

/**
 * - `none`: token endpoint, SOAP login, version list, control surface.
 * - `bearer`: REST (`Authorization: Bearer|OAuth <token>`).
 * - `bulk1`: Bulk 1.0 (`X-SFDC-Session`).
 * - `soap`: SessionHeader inside the envelope (the SOAP handler authenticates itself).
 */
export type RouteAuth = 'none' | 'bearer' | 'bulk1' | 'soap';

/**
 * How errors produced outside the handler (auth, limits, faults, version checks) are rendered:
 * REST `[{"message","errorCode"}]` arrays, SOAP faults, Bulk 1.0 `<error>` XML, OAuth
 * `{"error","error_description"}`. Defaults: `soap` for auth `soap`, `bulk1` for auth `bulk1`,
 * else `rest`.
 */
export type ErrorDialect = 'rest' | 'soap' | 'bulk1' | 'oauth';

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Matched against the decoded path; named groups become `params`. */
  readonly pattern: RegExp;
  readonly auth: RouteAuth;
  /** Endpoint name for the per-endpoint call counters (`query`, `bulk2-ingest-upload`...). */
  readonly name: string;
  /** Whether the call counts against DailyApiRequests (the version list does not). */
  readonly counted: boolean;
  /** See ErrorDialect; optional, derived from `auth` when absent. */
  readonly dialect?: ErrorDialect;
  /**
   * Whether read-only maintenance refuses this route. Defaults to true for non-GET methods of
   * authenticated routes (the token endpoint and SOAP login keep working during read-only windows).
   */
  readonly writes?: boolean;
  /** Also accept the token as `?oauth_token=` (the identity URL does; REST resources do not). */
  readonly tokenInQuery?: boolean;
  handle(req: EmuRequest, env: EmulatorEnv): EmuResponse | Promise<EmuResponse>;
}

/** Everything a handler may use besides the request. */
export interface EmulatorEnv {
  readonly org: OrgApi;
  /** Highest API version served, e.g. '62.0'. */
  readonly maxApiVersion: string;
  /**
   * Counts usage of a daily allowance other than DailyApiRequests (`DailyBulkV2QueryJobs`,
   * `DailyBulkApiBatches`...) so that `/limits` reports it. Optional: absent in unit tests.
   */
  readonly recordUsage?: (limit: string, amount?: number) => void;
}
