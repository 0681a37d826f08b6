/**
 * Get Updated / Get Deleted (§2.6). jsforce sends `start`/`end` as `YYYY-MM-DDTHH:mm:ss+00:00`,
 * URL-encoded; hand-written URLs often leave the `+` raw, which form decoding turns into a space,
 * so a space before the offset is read back as `+`. Windows and the 600k-id cap are the org's rules.
 */
import { REST_PREFIX } from './api-version.js';
import { objectOrNotFound, TYPE } from './describe-routes.js';
import { HttpError } from './errors.js';
import { json } from './respond.js';
import type { EmuRequest, Route } from './types.js';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/;

function dateParam(req: EmuRequest, name: 'start' | 'end'): Date {
  const raw = req.query.get(name);
  if (raw === null || raw === '') {
    throw new HttpError(400, 'MISSING_ARGUMENT', `${name} was not specified`);
  }
  const text = raw.replace(' ', '+');
  const t = DATE_TIME.test(text) ? Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
  if (!Number.isFinite(t)) {
    throw new HttpError(400, 'INVALID_REPLICATION_DATE', `${name}: invalid date/time value: ${raw}`);
  }
  return new Date(t);
}

function range(req: EmuRequest): { start: Date; end: Date } {
  const start = dateParam(req, 'start');
  const end = dateParam(req, 'end');
  if (end.getTime() < start.getTime()) {
    throw new HttpError(400, 'INVALID_REPLICATION_DATE', 'end date must be later than start date');
  }
  return { start, end };
}

export function replicationRoutes(): Route[] {
  return [
    {
      method: 'GET',
      pattern: new RegExp(`${REST_PREFIX}/sobjects/${TYPE}/updated$`),
      auth: 'bearer',
      name: 'sobject-updated',
      counted: true,
      handle(req, env) {
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        const { start, end } = range(req);
        return json(200, env.org.getUpdated(o.name, start, end));
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${REST_PREFIX}/sobjects/${TYPE}/deleted$`),
      auth: 'bearer',
      name: 'sobject-deleted',
      counted: true,
      handle(req, env) {
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        const { start, end } = range(req);
        return json(200, env.org.getDeleted(o.name, start, end));
      },
    },
  ];
}
