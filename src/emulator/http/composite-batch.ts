/**
 * Composite Batch (§2.9): up to 25 independent subrequests, run in order, each in its own
 * transaction (no rollback). URLs are relative to `/services/data/` (`v62.0/sobjects/...`).
 * With haltOnError, everything after the first failure answers 412 BATCH_PROCESSING_HALTED.
 */
import { isJsonObject, readJsonObject } from './body.js';
import { REST_PREFIX } from './api-version.js';
import type { HttpContext } from './context.js';
import { HttpError } from './errors.js';
import { MAX_SUBREQUESTS } from './composite.js';
import { jsonBodyOf, json } from './respond.js';
import type { Route } from './types.js';

const HALTED = [{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }];

/** `v62.0/sobjects/Account` and `/services/data/v62.0/...` both name the same resource. */
function absoluteUrl(url: string): string {
  if (url.startsWith('/services/data/')) return url;
  return `/services/data/${url.replace(/^\/+/, '')}`;
}

export function compositeBatchRoutes(ctx: HttpContext): Route[] {
  return [
    {
      method: 'POST',
      pattern: new RegExp(`${REST_PREFIX}/composite/batch$`),
      auth: 'bearer',
      name: 'composite-batch',
      counted: true,
      async handle(req, env) {
        const envelope = readJsonObject(req);
        const raw = envelope['batchRequests'];
        if (!Array.isArray(raw)) {
          throw new HttpError(
            400,
            'JSON_PARSER_ERROR',
            "The request body must contain a 'batchRequests' array",
          );
        }
        if (raw.length > MAX_SUBREQUESTS) {
          throw new HttpError(400, 'LIMIT_EXCEEDED', `Maximum of ${MAX_SUBREQUESTS} batch requests allowed`);
        }
        const session = req.session;
        if (!session) throw new HttpError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
        const haltOnError = envelope['haltOnError'] === true;
        const results: Array<{ statusCode: number; result: unknown }> = [];
        let halted = false;
        for (const [i, item] of raw.entries()) {
          if (halted) {
            results.push({ statusCode: 412, result: HALTED });
            continue;
          }
          if (!isJsonObject(item) || typeof item['method'] !== 'string' || typeof item['url'] !== 'string') {
            throw new HttpError(400, 'INVALID_INPUT', `batchRequests[${i}] needs a method and a url`);
          }
          const url = absoluteUrl(item['url']);
          if (/\/composite(\/|$|\?)/.test(url)) {
            throw new HttpError(
              400,
              'INVALID_INPUT',
              `batchRequests[${i}]: composite resources cannot be nested`,
            );
          }
          const res = await ctx.dispatchInternal({
            method: item['method'].toUpperCase(),
            url,
            body: item['richInput'],
            session,
            origin: req.origin,
            org: env.org,
          });
          results.push({ statusCode: res.status, result: jsonBodyOf(res) });
          if (res.status >= 400 && haltOnError) halted = true;
        }
        return json(200, { hasErrors: results.some((r) => r.statusCode >= 400), results });
      },
    },
  ];
}
