/**
 * What the emulator's own endpoint modules share besides the request: configuration, sessions,
 * limit counters, faults and query cursors. Route modules receive it when they are built
 * (`xxxRoutes(ctx)`); data operations go through `env.org` instead, because composite requests
 * hand their subrequests a journaling org that can be rolled back.
 */
import type { OrgApi } from '../org/types.js';
import type { ApiLimits } from './limits.js';
import type { Faults } from './faults.js';
import type { QueryLocators } from './query-locators.js';
import type { SessionStore } from './sessions.js';
import type { EmuResponse, Session } from './types.js';

export interface EmulatorConfig {
  readonly username: string;
  readonly password: string;
  /** Appended to the password by clients that send one (`password + token`); both forms are accepted. */
  readonly securityToken: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** PEM; the JWT bearer grant is refused without it. */
  readonly jwtPublicKey: string | undefined;
  readonly maxApiVersion: string;
}

/** A request dispatched inside the emulator (composite subrequests): no auth, faults or counting. */
export interface InternalRequest {
  readonly method: string;
  /** Path with optional query string, e.g. `/services/data/v62.0/query?q=...`. */
  readonly url: string;
  readonly body: unknown;
  readonly session: Session;
  readonly origin: string;
  /** The org the subrequest writes through (a journal during composite requests). */
  readonly org: OrgApi;
}

export interface HttpContext {
  readonly config: EmulatorConfig;
  /** The org itself, for the control surface: no injected faults. */
  readonly rawOrg: OrgApi;
  readonly sessions: SessionStore;
  readonly limits: ApiLimits;
  readonly faults: Faults;
  readonly locators: QueryLocators;
  /** Runs a subrequest through the router (set by the dispatcher once all routes exist). */
  dispatchInternal(req: InternalRequest): Promise<EmuResponse>;
}
