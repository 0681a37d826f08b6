/**
 * How Ferry logs in to Salesforce. Each variant is one OAuth 2.0 flow (or a token given outright).
 * Secrets live only here and in the flow objects' private fields; they never reach logs or errors.
 */
import { ConfigError } from '../../errors/index.js';

/** Salesforce's production login host; sandboxes use https://test.salesforce.com. */
export const DEFAULT_LOGIN_URL = 'https://login.salesforce.com';

interface LoginUrl {
  /** `https://login.salesforce.com`, `https://test.salesforce.com`, a My Domain URL or the emulator's. */
  readonly loginUrl?: string;
}

/** Username–password flow: a connected app plus the user's password and security token. */
export interface PasswordAuth extends LoginUrl {
  readonly flow: 'password';
  readonly username: string;
  readonly password: string;
  /** Appended to the password, as Salesforce expects, when the login IP is not trusted. */
  readonly securityToken?: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** A refresh token obtained elsewhere (web-server flow, `sf org login web`). */
export interface RefreshTokenAuth extends LoginUrl {
  readonly flow: 'refresh_token';
  readonly refreshToken: string;
  readonly clientId: string;
  readonly clientSecret?: string;
}

/** Client-credentials flow: the connected app runs as its configured integration user. */
export interface ClientCredentialsAuth extends LoginUrl {
  readonly flow: 'client_credentials';
  readonly clientId: string;
  readonly clientSecret: string;
}

/** JWT bearer flow: an RS256 assertion signed with the connected app's certificate key. */
export interface JwtBearerAuth extends LoginUrl {
  readonly flow: 'jwt';
  readonly clientId: string;
  readonly username: string;
  /** PEM text of the private key… */
  readonly privateKey?: string;
  /** …or the path of a PEM file holding it. */
  readonly privateKeyFile?: string;
  /** JWT `aud`; defaults to the login URL (use https://login.salesforce.com for My Domain logins). */
  readonly audience?: string;
}

/** A session id obtained elsewhere; cannot be refreshed. */
export interface AccessTokenAuth {
  readonly flow: 'access_token';
  readonly accessToken: string;
  readonly instanceUrl: string;
}

export type AuthOptions =
  PasswordAuth | RefreshTokenAuth | ClientCredentialsAuth | JwtBearerAuth | AccessTokenAuth;

/** What a successful login yields. */
export interface TokenInfo {
  readonly accessToken: string;
  readonly instanceUrl: string;
  /** Identity URL `…/id/{orgId}/{userId}` when the token endpoint returned one. */
  readonly identityUrl: string | undefined;
  /** When the token was issued (ms since epoch), when known. */
  readonly issuedAt: number | undefined;
}

/** The URL without trailing slashes; ConfigError when it is not an http(s) URL. */
export function normalizeUrl(url: string | undefined, what: string): string {
  const u = (url ?? DEFAULT_LOGIN_URL).trim().replace(/\/+$/, '');
  let parsed: URL | undefined;
  try {
    parsed = new URL(u);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new ConfigError(`${what} is not an http(s) URL: ${JSON.stringify(u)}`, {
      code: 'INVALID_URL',
      hint: 'e.g. https://login.salesforce.com, https://test.salesforce.com or https://mydomain.my.salesforce.com',
    });
  }
  return u;
}
