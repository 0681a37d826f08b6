/**
 * Composite (§2.9): up to 25 subrequests run in order, later ones referring to earlier results
 * with `@{ref.path}`. The whole call counts as one API request. With allOrNone, the first failure
 * rolls back what earlier subrequests wrote (through a journal) and every other subrequest reports
 * 400 PROCESSING_HALTED. The response is always 200 with one `compositeResponse` entry each.
 */
import { isJsonObject, readJsonObject } from './body.js';
import { REST_PREFIX } from './api-version.js';
import type { HttpContext } from './context.js';
import { HttpError } from './errors.js';
import { WriteJournal } from './journal.js';
import { resolveJson, resolveString, UnresolvedReference } from './composite-refs.js';
import { json, jsonBodyOf } from './respond.js';
import type { EmuResponse, Route } from './types.js';

export const MAX_SUBREQUESTS = 25;
const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

interface SubRequest {
  method: string;
  url: string;
  referenceId: string;
  body: unknown;
}

interface SubResult {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

const HALTED_ROLLBACK = [
  {
    errorCode: 'PROCESSING_HALTED',
    message: 'The transaction was rolled back since another operation in the same transaction failed.',
  },
];

function parseSubRequests(raw: unknown): SubRequest[] {
  if (!Array.isArray(raw)) {
    throw new HttpError(400, 'JSON_PARSER_ERROR', "The request body must contain a 'compositeRequest' array");
  }
  if (raw.length > MAX_SUBREQUESTS) {
    throw new HttpError(
      400,
      'LIMIT_EXCEEDED',
      `Composite request limit exceeded: at most ${MAX_SUBREQUESTS} subrequests`,
    );
  }
  const seen = new Set<string>();
  return raw.map((item, i) => {
    if (!isJsonObject(item))
      throw new HttpError(400, 'JSON_PARSER_ERROR', `compositeRequest[${i}] must be an object`);
    const { method, url, referenceId, body } = item;
    if (typeof method !== 'string' || !METHODS.has(method.toUpperCase())) {
      throw new HttpError(
        400,
        'INVALID_INPUT',
        `compositeRequest[${i}]: method must be GET, POST, PATCH, PUT or DELETE`,
      );
    }
    if (typeof url !== 'string' || url === '')
      throw new HttpError(400, 'INVALID_INPUT', `compositeRequest[${i}]: url is required`);
    if (typeof referenceId !== 'string' || !/^[A-Za-z0-9_]+$/.test(referenceId)) {
      throw new HttpError(400, 'INVALID_INPUT', `compositeRequest[${i}]: referenceId must be alphanumeric`);
    }
    if (seen.has(referenceId))
      throw new HttpError(400, 'INVALID_INPUT', `Duplicate referenceId '${referenceId}'`);
    seen.add(referenceId);
    if (/\/composite(\/|$|\?)/.test(url)) {
      throw new HttpError(
        400,
        'INVALID_INPUT',
        `compositeRequest[${i}]: composite resources cannot be nested`,
      );
    }
    return { method: method.toUpperCase(), url, referenceId, body };
  });
}

/** `Location` for created records, as Salesforce adds to 201 subresponses. */
function headersFor(res: EmuResponse, body: unknown, url: string): Record<string, string> {
  if (res.status !== 201 || !isJsonObject(body) || typeof body['id'] !== 'string') return {};
  const path = url.split('?')[0] ?? url;
  return { Location: `${path.replace(/\/$/, '')}/${body['id']}` };
}

export function compositeRoutes(ctx: HttpContext): Route[] {
  return [
    {
      method: 'POST',
      pattern: new RegExp(`${REST_PREFIX}/composite$`),
      auth: 'bearer',
      name: 'composite',
      counted: true,
      async handle(req, env) {
        const envelope = readJsonObject(req);
        const subs = parseSubRequests(envelope['compositeRequest']);
        const allOrNone = envelope['allOrNone'] === true;
        const session = req.session;
        if (!session) throw new HttpError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
        const journal = new WriteJournal(env.org, ctx.rawOrg);
        const bodies = new Map<string, unknown>();
        const results: SubResult[] = [];
        let failedAt = -1;

        for (const [i, sub] of subs.entries()) {
          let result: SubResult;
          try {
            const url = resolveString(sub.url, bodies);
            const body = resolveJson(sub.body, bodies);
            const res = await ctx.dispatchInternal({
              method: sub.method,
              url,
              body,
              session,
              origin: req.origin,
              org: journal.org,
            });
            const parsed = jsonBodyOf(res);
            result = {
              body: parsed,
              httpHeaders: headersFor(res, parsed, url),
              httpStatusCode: res.status,
              referenceId: sub.referenceId,
            };
          } catch (err) {
            if (!(err instanceof UnresolvedReference)) throw err;
            result = {
              body: [{ errorCode: 'PROCESSING_HALTED', message: err.message }],
              httpHeaders: {},
              httpStatusCode: 400,
              referenceId: sub.referenceId,
            };
          }
          results.push(result);
          if (result.httpStatusCode < 400) bodies.set(sub.referenceId, result.body);
          else if (allOrNone) {
            failedAt = i;
            break;
          }
        }

        if (failedAt >= 0) {
          journal.rollback();
          const halted = (sub: SubRequest): SubResult => ({
            body: HALTED_ROLLBACK,
            httpHeaders: {},
            httpStatusCode: 400,
            referenceId: sub.referenceId,
          });
          return json(200, {
            compositeResponse: subs.map((sub, i) => (i === failedAt ? results[i] : halted(sub))),
          });
        }
        return json(200, { compositeResponse: results });
      },
    },
  ];
}
