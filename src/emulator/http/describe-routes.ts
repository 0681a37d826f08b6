/**
 * Describe endpoints: describeGlobal, sObject basic info and full describe. They honour
 * `If-Modified-Since` (304) against the moment the schema last changed, which we detect by
 * fingerprinting it (fields added or formulas replaced through the control surface).
 */
import { createHash } from 'node:crypto';
import type { OrgApi } from '../org/types.js';
import type { ObjectDef } from '../schema/types.js';
import { REST_PREFIX } from './api-version.js';
import { HttpError, MESSAGES } from './errors.js';
import { describeGlobalEntry, describeObject } from './describe.js';
import { json } from './respond.js';
import type { EmuRequest, EmuResponse, Route } from './types.js';

/** Path segment of an sObject name. */
export const TYPE = String.raw`(?<type>[A-Za-z][A-Za-z0-9_]*)`;

export function objectOrNotFound(org: OrgApi, type: string): ObjectDef {
  const o = org.schema.object(type);
  if (!o) throw new HttpError(404, 'NOT_FOUND', MESSAGES.notFound);
  return o;
}

class SchemaClock {
  private fingerprint = '';
  private changedAt = new Date(0);

  /** When the schema took its current shape (second precision, as HTTP dates have). */
  lastModified(org: OrgApi): Date {
    const hash = createHash('sha1');
    for (const o of org.schema.objects()) {
      hash.update(o.name);
      for (const f of o.fields) hash.update(`|${f.name}:${f.type}:${f.formula ?? ''}`);
    }
    const fp = hash.digest('hex');
    if (fp !== this.fingerprint) {
      this.fingerprint = fp;
      this.changedAt = new Date(Math.floor(org.now().getTime() / 1000) * 1000);
    }
    return this.changedAt;
  }
}

function notModified(req: EmuRequest, lastModified: Date): boolean {
  const since = req.headers['if-modified-since'];
  if (typeof since !== 'string') return false;
  const t = Date.parse(since);
  return Number.isFinite(t) && lastModified.getTime() <= t;
}

export function describeRoutes(): Route[] {
  const clock = new SchemaClock();

  function cached(req: EmuRequest, org: OrgApi, render: () => unknown): EmuResponse {
    const modified = clock.lastModified(org);
    if (notModified(req, modified)) return { status: 304, headers: {}, body: null };
    return json(200, render(), { 'Last-Modified': modified.toUTCString() });
  }

  return [
    {
      method: 'GET',
      pattern: new RegExp(`${REST_PREFIX}/sobjects$`),
      auth: 'bearer',
      name: 'describe-global',
      counted: true,
      handle(req, env) {
        const version = req.params['version'] ?? '';
        return cached(req, env.org, () => ({
          encoding: 'UTF-8',
          maxBatchSize: 200,
          sobjects: env.org.schema.objects().map((o) => describeGlobalEntry(o, version)),
        }));
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${REST_PREFIX}/sobjects/${TYPE}$`),
      auth: 'bearer',
      name: 'sobject-basic-info',
      counted: true,
      handle(req, env) {
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        // recentItems lists records the user viewed in the UI; API users have none.
        return json(200, {
          objectDescribe: describeGlobalEntry(o, req.params['version'] ?? ''),
          recentItems: [],
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${REST_PREFIX}/sobjects/${TYPE}/describe$`),
      auth: 'bearer',
      name: 'describe',
      counted: true,
      handle(req, env) {
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        return cached(req, env.org, () => describeObject(env.org, o, req.params['version'] ?? ''));
      },
    },
  ];
}
