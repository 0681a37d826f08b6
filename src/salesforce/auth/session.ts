/**
 * The current access token, shared by every request of a client. Logging in and renewing are
 * single-flight: when twenty concurrent requests all get 401 with the same expired token, one
 * renewal runs and all twenty retry with its result.
 */
import type { Logger } from '../../log/index.js';
import type { AccessToken, TokenSource, Transport } from '../http/transport.js';
import type { AuthFlow } from './flows.js';
import type { TokenInfo } from './options.js';

export class AuthSession implements TokenSource {
  readonly #flow: AuthFlow;
  readonly #transport: Transport;
  readonly #logger: Logger;
  #pending: Promise<TokenInfo> | undefined;

  constructor(flow: AuthFlow, transport: Transport, logger: Logger) {
    this.#flow = flow;
    this.#transport = transport;
    this.#logger = logger;
  }

  token(signal?: AbortSignal): Promise<TokenInfo> {
    this.#pending ??= this.#run('login', signal);
    return this.#pending;
  }

  async refresh(stale: AccessToken, signal?: AbortSignal): Promise<TokenInfo> {
    const seen = this.#pending;
    if (seen) {
      const current = await seen.catch(() => undefined);
      // Someone already renewed it while our request was in flight.
      if (current && current.accessToken !== stale.accessToken) return current;
    }
    if (this.#pending === seen) this.#pending = this.#run('renew', signal);
    return this.#pending as Promise<TokenInfo>;
  }

  /** The token info if logged in (no network). */
  async current(): Promise<TokenInfo | undefined> {
    return this.#pending?.catch(() => undefined);
  }

  #run(kind: 'login' | 'renew', signal: AbortSignal | undefined): Promise<TokenInfo> {
    const started = Date.now();
    const p = (
      kind === 'login' ? this.#flow.login(this.#transport, signal) : this.#flow.renew(this.#transport, signal)
    )
      .then((info) => {
        this.#logger.info(
          { flow: this.#flow.description, instanceUrl: info.instanceUrl, ms: Date.now() - started },
          kind === 'login' ? 'logged in to Salesforce' : 'renewed Salesforce session',
        );
        return info;
      })
      .catch((err: unknown) => {
        // Forget a failed attempt so the next call tries again instead of replaying the failure.
        if (this.#pending === p) this.#pending = undefined;
        throw err;
      });
    return p;
  }
}
