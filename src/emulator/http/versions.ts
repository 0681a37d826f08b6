/**
 * Discovery (§2.1): the version list (a JSON *array* without auth, not counted: the sf CLI reads it
 * before it has a session, §1.4) and the per-version resource map, whose absolute `identity` URL is
 * how jsforce finds the identity document when it has no userInfo.
 */
import { REST_PREFIX, servedVersions } from './api-version.js';
import { json } from './respond.js';
import type { Route } from './types.js';

const RESOURCES = [
  'sobjects',
  'query',
  'queryAll',
  'search',
  'composite',
  'limits',
  'recent',
  'tooling',
  'jobs',
  'tabs',
  'theme',
  'quickActions',
  'actions',
  'appMenu',
  'process',
  'analytics',
  'connect',
  'chatter',
  'metadata',
] as const;

export function versionRoutes(maxApiVersion: string): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/services\/data$/,
      auth: 'none',
      name: 'versions',
      counted: false,
      handle: () => json(200, servedVersions(maxApiVersion)),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${REST_PREFIX}$`),
      auth: 'bearer',
      name: 'resources',
      counted: true,
      handle(req, env) {
        const base = `/services/data/v${req.params['version'] ?? maxApiVersion}`;
        const out: Record<string, string> = {};
        for (const name of RESOURCES) out[name] = `${base}/${name}`;
        const me = env.org.identity;
        out['identity'] = `${req.origin}/id/${me.orgId}/${me.userId}`;
        return json(200, out);
      },
    },
  ];
}
