/**
 * OAuth 2.0 endpoints (§1.1): the token endpoint with the password, refresh_token,
 * client_credentials, JWT bearer and authorization_code grants; revoke; and a self-approving
 * authorize endpoint so the web-server flow (the only one that issues refresh tokens, as in
 * Salesforce) can be exercised without a browser.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { HttpContext } from './context.js';
import { readForm } from './body.js';
import { verifyJwtAssertion } from './jwt.js';
import { json } from './respond.js';
import type { EmuRequest, EmuResponse, Route } from './types.js';

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function oauthError(error: string, description: string, status = 400): EmuResponse {
  return json(status, { error, error_description: description });
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `password` alone or `password + security token` (§1.1). */
export function passwordMatches(config: HttpContext['config'], submitted: string): boolean {
  return (
    safeEqual(submitted, config.password) || safeEqual(submitted, config.password + config.securityToken)
  );
}

export function usernameMatches(config: HttpContext['config'], submitted: string): boolean {
  return submitted.trim().toLowerCase() === config.username.toLowerCase();
}

/** Token endpoint params: form body over query string; client credentials may come as Basic auth. */
function tokenParams(req: EmuRequest): URLSearchParams {
  const params = new URLSearchParams(req.query);
  for (const [k, v] of readForm(req)) params.set(k, v);
  const auth = req.headers.authorization;
  const basic = typeof auth === 'string' ? /^Basic\s+(\S+)$/i.exec(auth) : null;
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      if (!params.has('client_id')) params.set('client_id', decodeURIComponent(decoded.slice(0, colon)));
      if (!params.has('client_secret'))
        params.set('client_secret', decodeURIComponent(decoded.slice(colon + 1)));
    }
  }
  return params;
}

export function oauthRoutes(ctx: HttpContext): Route[] {
  const { config, sessions } = ctx;

  function success(req: EmuRequest, extra: Record<string, string> = {}): EmuResponse {
    const session = sessions.create();
    const me = ctx.rawOrg.identity;
    const id = `${req.origin}/id/${me.orgId}/${me.userId}`;
    const issuedAt = String(ctx.rawOrg.now().getTime());
    const signature = createHmac('sha256', config.clientSecret)
      .update(id + issuedAt)
      .digest('base64');
    return json(200, {
      access_token: session.accessToken,
      ...extra,
      signature,
      scope: extra['scope'] ?? 'api',
      instance_url: req.origin,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    });
  }

  function passwordGrant(req: EmuRequest, p: URLSearchParams): EmuResponse {
    const clientId = p.get('client_id');
    if (!clientId) return oauthError('invalid_client_id', 'client identifier invalid');
    // Any connected app may be used, but ours must present its own secret when it sends one.
    const secret = p.get('client_secret');
    if (clientId === config.clientId && secret && !safeEqual(secret, config.clientSecret)) {
      return oauthError('invalid_client', 'invalid client credentials');
    }
    if (
      !usernameMatches(config, p.get('username') ?? '') ||
      !passwordMatches(config, p.get('password') ?? '')
    ) {
      return oauthError('invalid_grant', 'authentication failure');
    }
    return success(req);
  }

  function clientCredentialsGrant(req: EmuRequest, p: URLSearchParams): EmuResponse {
    const id = p.get('client_id') ?? '';
    const secret = p.get('client_secret') ?? '';
    if (!safeEqual(id, config.clientId) || !safeEqual(secret, config.clientSecret)) {
      return oauthError('invalid_client', 'invalid client credentials');
    }
    return success(req);
  }

  function refreshGrant(req: EmuRequest, p: URLSearchParams): EmuResponse {
    if (!p.get('client_id')) return oauthError('invalid_client_id', 'client identifier invalid');
    const token = p.get('refresh_token') ?? '';
    if (!sessions.isRefreshToken(token)) return oauthError('invalid_grant', 'expired access/refresh token');
    // Salesforce returns a new access token only; the refresh token stays the same.
    return success(req, { scope: 'refresh_token api' });
  }

  function jwtGrant(req: EmuRequest, p: URLSearchParams): EmuResponse {
    const check = verifyJwtAssertion(p.get('assertion') ?? '', {
      publicKeyPem: config.jwtPublicKey,
      clientId: config.clientId,
      username: config.username,
      nowMs: Date.now(), // the signer used the real clock, not the emulator's
    });
    if (!check.ok) return oauthError(check.error, check.description);
    return success(req);
  }

  function codeGrant(req: EmuRequest, p: URLSearchParams): EmuResponse {
    const code = sessions.redeemCode(p.get('code') ?? '');
    if (!code) return oauthError('invalid_grant', 'invalid authorization code');
    if (code.clientId !== p.get('client_id'))
      return oauthError('invalid_client_id', 'client identifier invalid');
    if (code.redirectUri !== (p.get('redirect_uri') ?? ''))
      return oauthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
    if (code.codeChallenge !== undefined) {
      const verifier = p.get('code_verifier') ?? '';
      const hashed = createHash('sha256').update(verifier).digest('base64url');
      if (hashed !== code.codeChallenge && verifier !== code.codeChallenge) {
        return oauthError('invalid_grant', 'invalid code verifier');
      }
    } else if (
      code.clientId === config.clientId &&
      !safeEqual(p.get('client_secret') ?? '', config.clientSecret)
    ) {
      return oauthError('invalid_client', 'invalid client credentials');
    }
    return success(req, { refresh_token: sessions.issueRefreshToken(), scope: 'refresh_token api' });
  }

  const token: Route = {
    method: 'POST',
    pattern: /^\/services\/oauth2\/token$/,
    auth: 'none',
    dialect: 'oauth',
    name: 'oauth-token',
    counted: false,
    handle(req) {
      const p = tokenParams(req);
      switch (p.get('grant_type')) {
        case 'password':
          return passwordGrant(req, p);
        case 'client_credentials':
          return clientCredentialsGrant(req, p);
        case 'refresh_token':
          return refreshGrant(req, p);
        case JWT_GRANT:
          return jwtGrant(req, p);
        case 'authorization_code':
          return codeGrant(req, p);
        case null:
          return oauthError('invalid_request', 'grant type not specified');
        default:
          return oauthError('unsupported_grant_type', 'grant type not supported');
      }
    },
  };

  const revokeHandler = (req: EmuRequest): EmuResponse => {
    const value = readForm(req).get('token') ?? req.query.get('token') ?? '';
    if (!sessions.revoke(value))
      return oauthError('unsupported_token_type', 'this token type is not supported');
    return { status: 200, headers: {}, body: null };
  };

  const authorize: Route = {
    method: 'GET',
    pattern: /^\/services\/oauth2\/authorize$/,
    auth: 'none',
    dialect: 'oauth',
    name: 'oauth-authorize',
    counted: false,
    handle(req) {
      // The emulator's only user approves every request at once (there is no browser to ask).
      const redirectUri = req.query.get('redirect_uri');
      const clientId = req.query.get('client_id');
      const state = req.query.get('state');
      if (!clientId) return oauthError('invalid_client_id', 'client identifier invalid');
      if (!redirectUri) return oauthError('redirect_uri_missing', 'redirect_uri must be specified');
      const type = req.query.get('response_type') ?? 'code';
      let target: URL;
      try {
        target = new URL(redirectUri);
      } catch {
        return oauthError('redirect_uri_mismatch', 'redirect_uri must be an absolute URL');
      }
      if (type === 'code') {
        const challenge = req.query.get('code_challenge') ?? undefined;
        target.searchParams.set(
          'code',
          sessions.issueCode({ clientId, redirectUri, codeChallenge: challenge }),
        );
        if (state !== null) target.searchParams.set('state', state);
      } else if (type === 'token') {
        const s = sessions.create();
        const me = ctx.rawOrg.identity;
        const fragment = new URLSearchParams({
          access_token: s.accessToken,
          instance_url: req.origin,
          id: `${req.origin}/id/${me.orgId}/${me.userId}`,
          issued_at: String(ctx.rawOrg.now().getTime()),
          token_type: 'Bearer',
          ...(state !== null ? { state } : {}),
        });
        target.hash = fragment.toString();
      } else {
        return oauthError('unsupported_response_type', `response type not supported: ${type}`);
      }
      return { status: 302, headers: { Location: target.toString() }, body: null };
    },
  };

  return [
    token,
    authorize,
    ...(['POST', 'GET'] as const).map((method): Route => ({
      method,
      pattern: /^\/services\/oauth2\/revoke$/,
      auth: 'none',
      dialect: 'oauth',
      name: 'oauth-revoke',
      counted: false,
      handle: revokeHandler,
    })),
  ];
}
