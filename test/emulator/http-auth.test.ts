/**
 * Authentication surface over raw HTTP (no Ferry code): OAuth grants, revoke, userinfo, identity,
 * SOAP login/logout, session expiry. Shapes follow salesforce-wire.md §1.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from './support/rest-client.js';

const TOKEN_SHAPE = /^00D\w{12,15}![.\w]+$/;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const { emu } = useEmulator({
  seed: 'none',
  login: false,
  jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
});

async function token(params: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${emu.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

function passwordGrant(password = emu.password) {
  return token({
    grant_type: 'password',
    client_id: emu.clientId,
    client_secret: emu.clientSecret,
    username: emu.username,
    password,
  });
}

async function get(path: string, accessToken?: string) {
  const res = await fetch(`${emu.url}${path}`, {
    headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {},
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: text ? (JSON.parse(text) as unknown) : null,
  };
}

function jwt(claims: Record<string, unknown>, key = privateKey): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = `${enc({ alg: 'RS256' })}.${enc(claims)}`;
  return `${head}.${sign('RSA-SHA256', Buffer.from(head), key).toString('base64url')}`;
}

function soap(body: string, header = ''): Promise<Response> {
  return fetch(`${emu.url}/services/Soap/u/62.0`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml', SOAPAction: '""' },
    body:
      '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/">' +
      `<se:Header>${header}</se:Header><se:Body>${body}</se:Body></se:Envelope>`,
  });
}

describe('OAuth token endpoint', () => {
  it('password grant returns a Salesforce-shaped token response', async () => {
    const { status, body } = await passwordGrant();
    expect(status).toBe(200);
    expect(body.access_token).toMatch(TOKEN_SHAPE);
    expect(body.instance_url).toBe(emu.url);
    expect(body.id).toBe(`${emu.url}/id/${emu.org.identity.orgId}/${emu.org.identity.userId}`);
    expect(body.token_type).toBe('Bearer');
    expect(body.issued_at).toMatch(/^\d{13}$/);
    expect(body.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('accepts the password with the security token appended, and any client id', async () => {
    expect((await passwordGrant(emu.password + emu.securityToken)).status).toBe(200);
    const other = await token({
      grant_type: 'password',
      client_id: 'SomeOtherApp',
      username: emu.username,
      password: emu.password,
    });
    expect(other.status).toBe(200);
  });

  it('refuses bad credentials with invalid_grant', async () => {
    const res = await passwordGrant('wrong');
    expect(res).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'authentication failure' },
    });
    const noClient = await token({ grant_type: 'password', username: emu.username, password: emu.password });
    expect(noClient.body.error).toBe('invalid_client_id');
    expect((await token({})).body.error).toBe('invalid_request');
    expect((await token({ grant_type: 'magic' })).body.error).toBe('unsupported_grant_type');
  });

  it('client_credentials checks the secret, in the body or as Basic auth', async () => {
    const ok = await token({
      grant_type: 'client_credentials',
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
    });
    expect(ok.status).toBe(200);
    const basic = Buffer.from(`${emu.clientId}:${emu.clientSecret}`).toString('base64');
    const viaHeader = await token({ grant_type: 'client_credentials' }, { Authorization: `Basic ${basic}` });
    expect(viaHeader.status).toBe(200);
    const bad = await token({
      grant_type: 'client_credentials',
      client_id: emu.clientId,
      client_secret: 'nope',
    });
    expect(bad).toEqual({
      status: 400,
      body: { error: 'invalid_client', error_description: 'invalid client credentials' },
    });
  });

  it('JWT bearer verifies signature, issuer, subject and expiry', async () => {
    const grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    const exp = Math.floor(Date.now() / 1000) + 180;
    const good = { iss: emu.clientId, sub: emu.username, aud: emu.loginUrl, exp };
    const ok = await token({ grant_type: grant, assertion: jwt(good) });
    expect(ok.status).toBe(200);
    expect(ok.body.access_token).toMatch(TOKEN_SHAPE);

    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect((await token({ grant_type: grant, assertion: jwt(good, otherKey) })).body.error).toBe(
      'invalid_grant',
    );
    expect((await token({ grant_type: grant, assertion: jwt({ ...good, iss: 'x' }) })).body.error).toBe(
      'invalid_client_id',
    );
    expect((await token({ grant_type: grant, assertion: jwt({ ...good, sub: 'x@y.z' }) })).body.error).toBe(
      'invalid_grant',
    );
    expect(
      (await token({ grant_type: grant, assertion: jwt({ ...good, exp: exp - 3600 }) })).body.error,
    ).toBe('invalid_grant');
    expect((await token({ grant_type: grant, assertion: 'not.a.jwt' })).status).toBe(400);
  });

  it('authorization code flow issues a refresh token; refresh issues access tokens only', async () => {
    const redirect = 'http://localhost:1717/OauthRedirect';
    const auth = await fetch(
      `${emu.url}/services/oauth2/authorize?response_type=code&client_id=${emu.clientId}&redirect_uri=${encodeURIComponent(redirect)}&state=s1`,
      { redirect: 'manual' },
    );
    expect(auth.status).toBe(302);
    const location = new URL(auth.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe('s1');
    const code = location.searchParams.get('code') ?? '';
    const exchanged = await token({
      grant_type: 'authorization_code',
      code,
      client_id: emu.clientId,
      client_secret: emu.clientSecret,
      redirect_uri: redirect,
    });
    expect(exchanged.status).toBe(200);
    expect(exchanged.body.refresh_token).toBeTruthy();
    // A code is good once.
    const reused = await token({
      grant_type: 'authorization_code',
      code,
      client_id: emu.clientId,
      redirect_uri: redirect,
    });
    expect(reused.body.error).toBe('invalid_grant');

    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: exchanged.body.refresh_token ?? '',
      client_id: emu.clientId,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).toMatch(TOKEN_SHAPE);
    expect(refreshed.body).not.toHaveProperty('refresh_token');

    const revoke = await fetch(`${emu.url}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: exchanged.body.refresh_token ?? '' }),
    });
    expect(revoke.status).toBe(200);
    const after = await token({
      grant_type: 'refresh_token',
      refresh_token: exchanged.body.refresh_token ?? '',
      client_id: emu.clientId,
    });
    expect(after.body).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
  });

  it('revoking an access token ends its session', async () => {
    const { body } = await passwordGrant();
    expect((await get('/services/data/v62.0/limits', body.access_token)).status).toBe(200);
    await fetch(`${emu.url}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: body.access_token ?? '' }),
    });
    const res = await get('/services/data/v62.0/limits', body.access_token);
    expect(res.status).toBe(401);
    expect(res.json).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });
});

describe('identity', () => {
  let accessToken: string;
  beforeAll(async () => {
    accessToken = (await passwordGrant()).body.access_token ?? '';
  });

  it('serves userinfo with the fields the sf CLI reads', async () => {
    const res = await get('/services/oauth2/userinfo', accessToken);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      user_id: emu.org.identity.userId,
      organization_id: emu.org.identity.orgId,
      preferred_username: emu.username,
    });
    expect(res.headers.get('sforce-limit-info')).toBeNull();
  });

  it('serves the identity URL with a Bearer token or ?oauth_token=', async () => {
    const { orgId, userId } = emu.org.identity;
    const viaQuery = await get(
      `/id/${orgId}/${userId}?format=json&oauth_token=${encodeURIComponent(accessToken)}`,
    );
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.json).toMatchObject({
      id: `${emu.url}/id/${orgId}/${userId}`,
      user_id: userId,
      organization_id: orgId,
      username: emu.username,
      urls: { rest: `${emu.url}/services/data/v{version}/` },
    });
    const versioned = await get(`/id/${orgId}/${userId}?version=62.0`, accessToken);
    expect((versioned.json as { urls: { rest: string } }).urls.rest).toBe(`${emu.url}/services/data/v62.0/`);
    expect((await get(`/id/${orgId}/${userId}`)).status).toBe(401);
    expect((await get(`/id/${orgId}/005000000000000AAA`, accessToken)).status).toBe(404);
  });

  it('refuses REST calls without a token, or with a malformed one', async () => {
    const none = await get('/services/data/v62.0/sobjects');
    expect(none.status).toBe(401);
    expect(none.json).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    expect((await get('/services/data/v62.0/sobjects', '00Dxx!garbage')).status).toBe(401);
    const oauthScheme = await fetch(`${emu.url}/services/data/v62.0/limits`, {
      headers: { Authorization: `OAuth ${accessToken}` },
    });
    expect(oauthScheme.status).toBe(200);
  });
});

describe('SOAP login', () => {
  it('returns a prefixed envelope with the fields jsforce extracts', async () => {
    const res = await soap(
      `<login xmlns="urn:partner.soap.sforce.com"><username>${emu.username}</username><password>${emu.password}</password></login>`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    const xml = await res.text();
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><soapenv:Envelope /);
    expect(xml).toContain('<soapenv:Body><loginResponse><result>');
    expect(xml).toContain(
      `<serverUrl>${emu.url}/services/Soap/u/62.0/${emu.org.identity.orgId.slice(0, 15)}</serverUrl>`,
    );
    expect(xml).toContain('<passwordExpired>false</passwordExpired>');
    expect(xml).toContain(`<userId>${emu.org.identity.userId}</userId>`);
    expect(xml).toContain(`<organizationId>${emu.org.identity.orgId}</organizationId>`);
    const sessionId = /<sessionId>([^<]+)<\/sessionId>/.exec(xml)?.[1] ?? '';
    expect(sessionId).toMatch(TOKEN_SHAPE);
    expect((await get('/services/data/v62.0/limits', sessionId)).status).toBe(200);

    const out = await soap(
      '<logout xmlns="urn:partner.soap.sforce.com"/>',
      `<SessionHeader xmlns="urn:partner.soap.sforce.com"><sessionId>${sessionId}</sessionId></SessionHeader>`,
    );
    expect(out.status).toBe(200);
    expect(await out.text()).toContain('<logoutResponse/>');
    expect((await get('/services/data/v62.0/limits', sessionId)).status).toBe(401);
  });

  it('faults on bad credentials, bad XML and retired versions', async () => {
    const bad = await soap(
      `<login xmlns="urn:partner.soap.sforce.com"><username>${emu.username}</username><password>x</password></login>`,
    );
    expect(bad.status).toBe(500);
    const xml = await bad.text();
    expect(xml).toContain('<faultcode>sf:INVALID_LOGIN</faultcode>');
    expect(xml).toContain(
      '<faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring>',
    );
    const junk = await fetch(`${emu.url}/services/Soap/u/62.0`, { method: 'POST', body: '<not xml' });
    expect(junk.status).toBe(500);
    expect(await junk.text()).toContain('<faultcode>soapenv:Client</faultcode>');
    const future = await fetch(`${emu.url}/services/Soap/u/99.0`, { method: 'POST', body: '<x/>' });
    expect(future.status).toBe(500);
    expect(await future.text()).toContain('UNSUPPORTED_API_VERSION');
  });
});

describe('session lifetime', () => {
  const { emu: short } = useEmulator({ seed: 'none', login: false, sessionLifetimeMs: 400 });

  it('expires idle sessions (real time), use extends them, the emulator clock does not matter', async () => {
    const res = await fetch(`${short.url}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'x',
        username: short.username,
        password: short.password,
      }),
    });
    const accessToken = ((await res.json()) as { access_token: string }).access_token;
    const limits = () =>
      fetch(`${short.url}/services/data/v62.0/limits`, {
        headers: { Authorization: `Bearer ${accessToken}` },
      });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await fetch(`${short.url}/__emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMs: 30 * 86_400_000 }),
    });
    await sleep(250);
    expect((await limits()).status).toBe(200);
    await sleep(250); // 500 ms after login, 250 ms after last use
    expect((await limits()).status).toBe(200);
    await sleep(500);
    const expired = await limits();
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
  });
});
