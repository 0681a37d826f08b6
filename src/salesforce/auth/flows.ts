/**
 * One object per login flow. Each knows how to get a token and how to get a new one when Salesforce
 * refuses the current one (401 INVALID_SESSION_ID). Password, client-credentials and JWT simply log
 * in again; refresh-token repeats its grant (keeping a rotated refresh token); a given access token
 * cannot be renewed, so its refresh is a ConfigError telling the user what to do.
 * Options are copied into private fields so a logged or inspected flow shows no secret.
 */
import { ConfigError } from '../../errors/index.js';
import type { Transport } from '../http/transport.js';
import { jwtClaims, loadPrivateKey, signJwt } from './jwt.js';
import { normalizeUrl, type AuthOptions, type TokenInfo } from './options.js';
import { requestToken } from './token-endpoint.js';

export interface AuthFlow {
  /** For logs and messages, e.g. `OAuth password flow for ada@example.com`. */
  readonly description: string;
  login(transport: Transport, signal?: AbortSignal): Promise<TokenInfo>;
  /** A replacement for a token Salesforce refused. */
  renew(transport: Transport, signal?: AbortSignal): Promise<TokenInfo>;
}

function required(value: string | undefined, what: string, flow: string): string {
  if (value === undefined || value === '') {
    throw new ConfigError(`${flow} login needs ${what}`, { code: 'MISSING_CREDENTIAL', hint: `set ${what}` });
  }
  return value;
}

class PasswordFlow implements AuthFlow {
  readonly description: string;
  readonly #loginUrl: string;
  readonly #params: Readonly<Record<string, string>>;

  constructor(o: Extract<AuthOptions, { flow: 'password' }>) {
    const flow = 'OAuth password';
    this.#loginUrl = normalizeUrl(o.loginUrl, 'loginUrl');
    this.description = `${flow} flow for ${o.username}`;
    this.#params = {
      grant_type: 'password',
      username: required(o.username, 'a username', flow),
      password: required(o.password, 'a password', flow) + (o.securityToken ?? ''),
      client_id: required(o.clientId, 'a client id', flow),
      client_secret: required(o.clientSecret, 'a client secret', flow),
    };
  }

  async login(transport: Transport, signal?: AbortSignal): Promise<TokenInfo> {
    return (await requestToken(transport, this.#loginUrl, this.#params, this.description, signal)).info;
  }

  renew(transport: Transport, signal?: AbortSignal): Promise<TokenInfo> {
    return this.login(transport, signal);
  }
}

class RefreshTokenFlow implements AuthFlow {
  readonly description = 'OAuth refresh-token flow';
  readonly #loginUrl: string;
  readonly #clientId: string;
  readonly #clientSecret: string | undefined;
  #refreshToken: string;

  constructor(o: Extract<AuthOptions, { flow: 'refresh_token' }>) {
    const flow = 'OAuth refresh-token';
    this.#loginUrl = normalizeUrl(o.loginUrl, 'loginUrl');
    this.#refreshToken = required(o.refreshToken, 'a refresh token', flow);
    this.#clientId = required(o.clientId, 'a client id', flow);
    this.#clientSecret = o.clientSecret;
  }

  async login(transport: Transport, signal?: AbortSignal): Promise<TokenInfo> {
    const params: Record<string, string> = {
      grant_type: 'refresh_token',
      refresh_token: this.#refreshToken,
      client_id: this.#clientId,
    };
    if (this.#clientSecret) params.client_secret = this.#clientSecret;
    const grant = await requestToken(transport, this.#loginUrl, params, this.description, signal);
    if (grant.refreshToken) this.#refreshToken = grant.refreshToken;
    return grant.info;
  }

  renew(transport: Transport, signal?: AbortSignal): Promise<TokenInfo> {
    return this.login(transport, signal);
  }
}

class ClientCredentialsFlow implements AuthFlow {
  readonly description = 'OAuth client-credentials flow';
  readonly #loginUrl: string;
  readonly #params: Readonly<Record<string, string>>;

  constructor(o: Extract<AuthOptions, { flow: 'client_credentials' }>) {
    const flow = 'OAuth client-credentials';
    this.#loginUrl = normalizeUrl(o.loginUrl, 'loginUrl');
    this.#params = {
      grant_type: 'client_credentials',
      client_id: required(o.clientId, 'a client id', flow),
      client_secret: required(o.clientSecret, 'a client secret', flow),
    };
  }

  async login(transport: Transport, signal?: AbortSignal): Promise<TokenInfo> {
    return (await requestToken(transport, this.#loginUrl, this.#params, this.description, signal)).info;
  }

  renew(transport: Transport, signal?: AbortSignal): Promise<TokenInfo> {
    return this.login(transport, signal);
  }
}

class JwtBearerFlow implements AuthFlow {
  readonly description: string;
  readonly #loginUrl: string;
  readonly #audience: string;
  readonly #clientId: string;
  readonly #username: string;
  readonly #keySource: { privateKey?: string; privateKeyFile?: string };

  constructor(o: Extract<AuthOptions, { flow: 'jwt' }>) {
    const flow = 'OAuth JWT bearer';
    this.#loginUrl = normalizeUrl(o.loginUrl, 'loginUrl');
    this.#audience = o.audience ?? this.#loginUrl;
    this.#clientId = required(o.clientId, 'a client id', flow);
    this.#username = required(o.username, 'a username', flow);
    this.description = `${flow} flow for ${o.username}`;
    this.#keySource = {
      ...(o.privateKey !== undefined ? { privateKey: o.privateKey } : {}),
      ...(o.privateKeyFile !== undefined ? { privateKeyFile: o.privateKeyFile } : {}),
    };
  }

  async login(transport: Transport, signal?: AbortSignal): Promise<TokenInfo> {
    // Key loaded per login (rare) so the parsed key does not sit in memory between logins.
    const key = await loadPrivateKey(this.#keySource);
    const assertion = signJwt(jwtClaims(this.#clientId, this.#username, this.#audience), key);
    const params = { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion };
    return (await requestToken(transport, this.#loginUrl, params, this.description, signal)).info;
  }

  renew(transport: Transport, signal?: AbortSignal): Promise<TokenInfo> {
    return this.login(transport, signal);
  }
}

class AccessTokenFlow implements AuthFlow {
  readonly description = 'given access token';
  readonly #token: TokenInfo;

  constructor(o: Extract<AuthOptions, { flow: 'access_token' }>) {
    this.#token = {
      accessToken: required(o.accessToken, 'an access token', 'Access-token'),
      instanceUrl: normalizeUrl(o.instanceUrl, 'instanceUrl'),
      identityUrl: undefined,
      issuedAt: undefined,
    };
  }

  login(): Promise<TokenInfo> {
    return Promise.resolve(this.#token);
  }

  renew(): Promise<TokenInfo> {
    return Promise.reject(
      new ConfigError('Salesforce refused the given access token (expired or revoked)', {
        code: 'INVALID_SESSION_ID',
        status: 401,
        hint: 'give a new access token, or configure an OAuth flow (password, JWT, refresh token) so Ferry can renew it',
      }),
    );
  }
}

export function createAuthFlow(options: AuthOptions): AuthFlow {
  switch (options.flow) {
    case 'password':
      return new PasswordFlow(options);
    case 'refresh_token':
      return new RefreshTokenFlow(options);
    case 'client_credentials':
      return new ClientCredentialsFlow(options);
    case 'jwt':
      return new JwtBearerFlow(options);
    case 'access_token':
      return new AccessTokenFlow(options);
    default: {
      const flow = (options as { flow?: unknown }).flow;
      throw new ConfigError(`unknown Salesforce login flow ${JSON.stringify(flow)}`, {
        code: 'UNKNOWN_AUTH_FLOW',
        hint: 'use password, refresh_token, client_credentials, jwt or access_token',
      });
    }
  }
}
