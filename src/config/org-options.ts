/**
 * `org:` — which Salesforce org Ferry mirrors and how it logs in. Secrets (password, tokens, client
 * secret) come only from the environment or from files the user names (`passwordEnv`,
 * `passwordFile`); a literal secret in ferry.config.yaml is refused.
 */
import { z } from 'zod';
import { DEFAULT_LOGIN_URL, type AuthOptions } from '../salesforce/index.js';
import type { ConfigProblem } from './config-problems.js';
import { resolveOptions, type OptionSources, type ResolvedOptions } from './option-table.js';

const url = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });
const secret = z.string().min(1);

export const AUTH_FLOWS = ['password', 'refresh_token', 'client_credentials', 'jwt', 'access_token'] as const;
export type AuthFlow = (typeof AUTH_FLOWS)[number];

export const ORG_OPTIONS = {
  loginUrl: {
    schema: url.optional(),
    description: `login host: ${DEFAULT_LOGIN_URL} (default, or org.instanceUrl when set), https://test.salesforce.com for sandboxes, or a My Domain URL`,
    env: 'FERRY_SF_LOGIN_URL',
    flag: '--sf-login-url <url>',
  },
  instanceUrl: {
    schema: url.optional(),
    description: 'the org’s instance or My Domain URL (required by the access_token flow)',
    env: 'FERRY_SF_INSTANCE_URL',
    flag: '--sf-instance-url <url>',
  },
  auth: {
    schema: z.enum(AUTH_FLOWS),
    default: 'password',
    description: 'how to log in: password, refresh_token, client_credentials, jwt or access_token',
    env: 'FERRY_SF_AUTH',
    flag: '--sf-auth <flow>',
  },
  username: {
    schema: z.string().min(3).optional(),
    description: 'Salesforce username (password and jwt flows)',
    env: 'FERRY_SF_USERNAME',
    flag: '--sf-username <name>',
  },
  password: {
    schema: secret.optional(),
    description: 'password (password flow)',
    env: 'FERRY_SF_PASSWORD',
    secret: true,
  },
  securityToken: {
    schema: secret.optional(),
    description: 'security token appended to the password, when the login IP is not trusted',
    env: 'FERRY_SF_SECURITY_TOKEN',
    secret: true,
  },
  clientId: {
    schema: z.string().min(1).optional(),
    description: 'connected app consumer key (all flows but access_token)',
    env: 'FERRY_SF_CLIENT_ID',
    flag: '--sf-client-id <id>',
  },
  clientSecret: {
    schema: secret.optional(),
    description: 'connected app consumer secret (password, client_credentials; optional for refresh_token)',
    env: 'FERRY_SF_CLIENT_SECRET',
    secret: true,
  },
  refreshToken: {
    schema: secret.optional(),
    description: 'refresh token (refresh_token flow)',
    env: 'FERRY_SF_REFRESH_TOKEN',
    secret: true,
  },
  privateKeyFile: {
    schema: z.string().min(1).optional(),
    description: 'PEM file with the connected app certificate’s private key (jwt flow)',
    env: 'FERRY_SF_PRIVATE_KEY_FILE',
    flag: '--sf-private-key-file <file>',
  },
  accessToken: {
    schema: secret.optional(),
    description: 'session id obtained elsewhere (access_token flow; cannot be refreshed)',
    env: 'FERRY_SF_ACCESS_TOKEN',
    secret: true,
  },
  apiVersion: {
    // YAML reads `apiVersion: 62.0` as the number 62.
    schema: z
      .union([z.string(), z.number().transform((n) => n.toFixed(1))])
      .pipe(z.string().regex(/^v?\d{2,3}\.\d$/, 'a version such as 62.0'))
      .transform((v) => v.replace(/^v/, '')),
    default: '62.0',
    description: 'Salesforce API version',
    env: 'FERRY_SF_API_VERSION',
    flag: '--sf-api-version <version>',
  },
} as const;

export type OrgOptions = ResolvedOptions<typeof ORG_OPTIONS>;

export function resolveOrgOptions(sources: OptionSources): OrgOptions {
  return resolveOptions(ORG_OPTIONS, sources, 'org');
}

type OrgKey = keyof typeof ORG_OPTIONS;

/** Parameters each flow needs. */
const REQUIRED: Readonly<Record<AuthFlow, readonly OrgKey[]>> = {
  password: ['username', 'password', 'clientId', 'clientSecret'],
  refresh_token: ['refreshToken', 'clientId'],
  client_credentials: ['clientId', 'clientSecret'],
  jwt: ['username', 'clientId', 'privateKeyFile'],
  access_token: ['accessToken', 'instanceUrl'],
};

function howToSet(key: OrgKey): string {
  const spec = ORG_OPTIONS[key];
  const secretSpec = 'secret' in spec && spec.secret;
  const inFile = secretSpec ? `org.${key}Env or org.${key}File` : `org.${key}`;
  const flag = 'flag' in spec ? `, ${spec.flag.split(' ')[0]}` : '';
  return `set ${spec.env}${flag} or ${inFile} in ferry.config.yaml`;
}

/** The client's auth options, or the missing parameters as problems. */
export function authOptionsFor(org: OrgOptions): { auth?: AuthOptions; problems: ConfigProblem[] } {
  const missing = REQUIRED[org.auth].filter((k) => org[k] === undefined);
  if (missing.length > 0) {
    return {
      problems: missing.map((k) => ({
        path: `org.${k}`,
        message: `the ${org.auth} flow needs ${k} (${ORG_OPTIONS[k].description})`,
        fix: howToSet(k),
      })),
    };
  }
  const loginUrl = org.loginUrl ?? org.instanceUrl ?? DEFAULT_LOGIN_URL;
  const need = (v: string | undefined): string => v ?? '';
  let auth: AuthOptions;
  switch (org.auth) {
    case 'password':
      auth = {
        flow: 'password',
        loginUrl,
        username: need(org.username),
        password: need(org.password),
        ...(org.securityToken !== undefined ? { securityToken: org.securityToken } : {}),
        clientId: need(org.clientId),
        clientSecret: need(org.clientSecret),
      };
      break;
    case 'refresh_token':
      auth = {
        flow: 'refresh_token',
        loginUrl,
        refreshToken: need(org.refreshToken),
        clientId: need(org.clientId),
        ...(org.clientSecret !== undefined ? { clientSecret: org.clientSecret } : {}),
      };
      break;
    case 'client_credentials':
      auth = {
        flow: 'client_credentials',
        loginUrl,
        clientId: need(org.clientId),
        clientSecret: need(org.clientSecret),
      };
      break;
    case 'jwt':
      auth = {
        flow: 'jwt',
        loginUrl,
        clientId: need(org.clientId),
        username: need(org.username),
        privateKeyFile: need(org.privateKeyFile),
      };
      break;
    case 'access_token':
      auth = { flow: 'access_token', accessToken: need(org.accessToken), instanceUrl: need(org.instanceUrl) };
      break;
  }
  return { auth, problems: [] };
}
