/**
 * Who the session belongs to: the Identity URL (`/id/{orgId}/{userId}`, what jsforce's
 * `identity()` reads, §1.3) and the OpenID Connect UserInfo endpoint (what the sf CLI reads when
 * logging in with an access token, §1.4). Neither counts against the API allowance.
 */
import type { OrgApi } from '../org/types.js';
import { HttpError, MESSAGES } from './errors.js';
import { json } from './respond.js';
import type { Route } from './types.js';

const ID15 = (id: string): string => id.slice(0, 15);

/** Service URLs of the identity document; `{version}` stays a template unless a version is asked for. */
function identityUrls(
  origin: string,
  orgId: string,
  userId: string,
  version: string,
): Record<string, string> {
  const org15 = ID15(orgId);
  const data = `${origin}/services/data/v${version}`;
  return {
    enterprise: `${origin}/services/Soap/c/${version}/${org15}`,
    metadata: `${origin}/services/Soap/m/${version}/${org15}`,
    partner: `${origin}/services/Soap/u/${version}/${org15}`,
    rest: `${data}/`,
    sobjects: `${data}/sobjects/`,
    search: `${data}/search/`,
    query: `${data}/query/`,
    recent: `${data}/recent/`,
    tooling_soap: `${origin}/services/Soap/T/${version}/${org15}`,
    tooling_rest: `${data}/tooling/`,
    profile: `${origin}/${userId}`,
    feeds: `${data}/chatter/feeds`,
    groups: `${data}/chatter/groups`,
    users: `${data}/chatter/users`,
    feed_items: `${data}/chatter/feed-items`,
    feed_elements: `${data}/chatter/feed-elements`,
    custom_domain: origin,
  };
}

function names(fullName: string): { first: string; last: string } {
  const parts = fullName.trim().split(/\s+/);
  const last = parts.pop() ?? fullName;
  return { first: parts.join(' '), last };
}

export function identityDocument(org: OrgApi, origin: string, version: string): Record<string, unknown> {
  const me = org.identity;
  const { first, last } = names(me.userFullName);
  const idUrl = `${origin}/id/${me.orgId}/${me.userId}`;
  return {
    id: idUrl,
    asserted_user: true,
    user_id: me.userId,
    organization_id: me.orgId,
    username: me.username,
    nick_name: me.username.split('@')[0] ?? me.username,
    display_name: me.userFullName,
    email: me.userEmail,
    email_verified: true,
    first_name: first,
    last_name: last,
    timezone: 'America/Los_Angeles',
    photos: {
      picture: `${origin}/profilephoto/005/F`,
      thumbnail: `${origin}/profilephoto/005/T`,
    },
    addr_street: null,
    addr_city: null,
    addr_state: null,
    addr_country: null,
    addr_zip: null,
    mobile_phone: null,
    mobile_phone_verified: false,
    is_lightning_login_user: false,
    status: { created_date: null, body: null },
    urls: identityUrls(origin, me.orgId, me.userId, version),
    active: true,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: -28800000,
    last_modified_date: org.now().toISOString().replace('Z', '+0000'),
    is_app_installed: true,
  };
}

export function userInfoDocument(org: OrgApi, origin: string): Record<string, unknown> {
  const me = org.identity;
  const { first, last } = names(me.userFullName);
  return {
    sub: `${origin}/id/${me.orgId}/${me.userId}`,
    user_id: me.userId,
    organization_id: me.orgId,
    preferred_username: me.username,
    nickname: me.username.split('@')[0] ?? me.username,
    name: me.userFullName,
    email: me.userEmail,
    email_verified: true,
    given_name: first,
    family_name: last,
    zoneinfo: 'America/Los_Angeles',
    photos: { picture: `${origin}/profilephoto/005/F`, thumbnail: `${origin}/profilephoto/005/T` },
    profile: `${origin}/${me.userId}`,
    picture: `${origin}/profilephoto/005/F`,
    address: {},
    is_salesforce_integration_user: false,
    urls: identityUrls(origin, me.orgId, me.userId, '{version}'),
    active: true,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: -28800000,
    updated_at: org
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    is_app_installed: true,
  };
}

function sameId(a: string, b: string): boolean {
  return ID15(a) === ID15(b);
}

export function identityRoutes(): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/id\/(?<orgId>[A-Za-z0-9]{15,18})\/(?<userId>[A-Za-z0-9]{15,18})$/,
      auth: 'bearer',
      tokenInQuery: true,
      name: 'identity',
      counted: false,
      handle(req, env) {
        const me = env.org.identity;
        if (!sameId(req.params['orgId'] ?? '', me.orgId) || !sameId(req.params['userId'] ?? '', me.userId)) {
          throw new HttpError(404, 'NOT_FOUND', MESSAGES.notFound);
        }
        const version = req.query.get('version') ?? '{version}';
        return json(200, identityDocument(env.org, req.origin, version.replace(/^v/, '')));
      },
    },
    ...(['GET', 'POST'] as const).map((method): Route => ({
      method,
      pattern: /^\/services\/oauth2\/userinfo$/,
      auth: 'bearer',
      name: 'oauth-userinfo',
      counted: false,
      writes: false,
      handle: (req, env) => json(200, userInfoDocument(env.org, req.origin)),
    })),
  ];
}
