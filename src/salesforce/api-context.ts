/** What every API module needs from the client: the transport, the versioned base path, timing. */
import type { Logger } from '../log/index.js';
import type { PollOptions, RetryOptions, Sleep } from './http/backoff.js';
import type { Transport } from './http/transport.js';

export interface ApiContext {
  readonly transport: Transport;
  /** e.g. `62.0`. */
  readonly apiVersion: string;
  /** `/services/data/v62.0` — prefix of every REST and Bulk 2.0 path. */
  readonly basePath: string;
  readonly logger: Logger;
  readonly poll: PollOptions;
  readonly sleep: Sleep;
  /** Retry budget for work the transport cannot retry itself (re-reading a broken CSV stream). */
  readonly retry: RetryOptions;
  readonly random: () => number;
}
