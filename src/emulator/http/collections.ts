/**
 * sObject Collections (§2.7, API ≥42; upsert ≥46): up to 200 records per call, results in request
 * order with the per-record `statusCode` key, always 200 unless the request itself is malformed.
 * Mixed-type creates are processed in chunks of consecutive same-type records, as Salesforce does;
 * with allOrNone a failure in a later chunk rolls the earlier chunks back through a journal.
 */
import { OrgError, type OrgApi, type RecordInput, type SaveResult } from '../org/types.js';
import { parseVersion, REST_PREFIX } from './api-version.js';
import { isJsonObject, readJsonObject, type JsonObject } from './body.js';
import type { HttpContext } from './context.js';
import { objectOrNotFound, TYPE } from './describe-routes.js';
import { HttpError, MESSAGES } from './errors.js';
import { WriteJournal } from './journal.js';
import { parseFieldList, recordQuery } from './record-json.js';
import { json } from './respond.js';
import { collectionResult } from './save-results.js';
import type { EmuRequest, Route } from './types.js';

export const MAX_COLLECTION = 200;

export const ROLLED_BACK_ERROR = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [] as string[],
};

function tooMany(): HttpError {
  return new HttpError(
    400,
    'EXCEEDED_ID_LIMIT',
    `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`,
  );
}

function requireVersion(req: EmuRequest, min: number): void {
  if ((parseVersion(req.params['version'] ?? '') ?? 0) < min)
    throw new HttpError(404, 'NOT_FOUND', MESSAGES.notFound);
}

function recordsOf(body: JsonObject): JsonObject[] {
  const records = body['records'];
  if (!Array.isArray(records) || !records.every(isJsonObject)) {
    throw new HttpError(
      400,
      'JSON_PARSER_ERROR',
      "The request body must contain a 'records' array of objects",
    );
  }
  if (records.length > MAX_COLLECTION) throw tooMany();
  return records;
}

function typeOf(record: JsonObject): string | undefined {
  const attrs = record['attributes'];
  const type = isJsonObject(attrs) ? attrs['type'] : undefined;
  return typeof type === 'string' && type !== '' ? type : undefined;
}

function failure(statusCode: string, message: string, id: string | null = null): SaveResult {
  return { id, success: false, errors: [{ statusCode, message, fields: [] }] };
}

export function rolledBackResult(): SaveResult {
  return { id: null, success: false, errors: [{ ...ROLLED_BACK_ERROR }] };
}

/** After a rollback: records that had failed keep their own errors, the rest report the rollback. */
function rolledBack(r: SaveResult | undefined): SaveResult {
  return !r || r.success || r.errors.length === 0 ? rolledBackResult() : r;
}

/** Creates records of possibly several types; results in request order. */
export function createMixed(
  org: OrgApi,
  rawOrg: OrgApi,
  records: readonly JsonObject[],
  allOrNone: boolean,
): SaveResult[] {
  const results: Array<SaveResult | undefined> = records.map((r) => {
    const type = typeOf(r);
    if (!type) return failure('INVALID_TYPE', 'Must specify a type in attributes for every record');
    if (!org.schema.object(type)) return failure('INVALID_TYPE', `sObject type '${type}' is not supported.`);
    return undefined;
  });
  if (allOrNone && results.some((r) => r)) return results.map(rolledBack);

  // Consecutive records of one type form a chunk (Salesforce's own rule for mixed collections).
  const chunks: Array<{ type: string; indexes: number[] }> = [];
  records.forEach((r, i) => {
    if (results[i]) return;
    const type = typeOf(r) ?? '';
    const last = chunks[chunks.length - 1];
    if (last && last.type.toLowerCase() === type.toLowerCase()) last.indexes.push(i);
    else chunks.push({ type, indexes: [i] });
  });
  const journal = allOrNone && chunks.length > 1 ? new WriteJournal(org, rawOrg) : undefined;
  const writer = journal?.org ?? org;
  for (const chunk of chunks) {
    const saved = writer.create(
      chunk.type,
      chunk.indexes.map((i) => records[i] as RecordInput),
      { allOrNone, format: 'json' },
    );
    chunk.indexes.forEach((i, k) => (results[i] = saved[k] ?? failure('UNKNOWN_EXCEPTION', 'No result')));
    if (allOrNone && saved.some((r) => !r.success)) {
      journal?.rollback();
      return results.map(rolledBack);
    }
  }
  return results.map((r) => r ?? failure('UNKNOWN_EXCEPTION', 'No result'));
}

function allOrNoneOf(body: JsonObject): boolean {
  return body['allOrNone'] === true;
}

export function collectionRoutes(ctx: HttpContext): Route[] {
  const base = `${REST_PREFIX}/composite/sobjects`;
  return [
    {
      method: 'POST',
      pattern: new RegExp(`${base}$`),
      auth: 'bearer',
      name: 'collections-create',
      counted: true,
      handle(req, env) {
        requireVersion(req, 42);
        const body = readJsonObject(req);
        const results = createMixed(env.org, ctx.rawOrg, recordsOf(body), allOrNoneOf(body));
        return json(
          200,
          results.map((r) => collectionResult(r, false)),
        );
      },
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`${base}$`),
      auth: 'bearer',
      name: 'collections-update',
      counted: true,
      handle(req, env) {
        requireVersion(req, 42);
        const body = readJsonObject(req);
        const records = recordsOf(body);
        const results = env.org.update(undefined, records, { allOrNone: allOrNoneOf(body), format: 'json' });
        return json(
          200,
          results.map((r) => collectionResult(r, false)),
        );
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`${base}$`),
      auth: 'bearer',
      name: 'collections-delete',
      counted: true,
      handle(req, env) {
        requireVersion(req, 42);
        const ids = parseFieldList(req.query.get('ids'));
        if (!ids) throw new HttpError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
        if (ids.length > MAX_COLLECTION) throw tooMany();
        const results = env.org.delete(ids, { allOrNone: req.query.get('allOrNone') === 'true' });
        return json(
          200,
          results.map((r) => collectionResult(r, false)),
        );
      },
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`${base}/${TYPE}/(?<field>[A-Za-z][A-Za-z0-9_]*)$`),
      auth: 'bearer',
      name: 'collections-upsert',
      counted: true,
      handle(req, env) {
        requireVersion(req, 46);
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        const body = readJsonObject(req);
        const records = recordsOf(body);
        const results = env.org.upsert(o.name, req.params['field'] ?? '', records, {
          allOrNone: allOrNoneOf(body),
          format: 'json',
        });
        return json(
          200,
          results.map((r) => collectionResult(r, true)),
        );
      },
    },
    ...(['POST', 'GET'] as const).map((method): Route => ({
      method,
      pattern: new RegExp(`${base}/${TYPE}$`),
      auth: 'bearer',
      name: 'collections-retrieve',
      counted: true,
      writes: false,
      handle(req, env) {
        requireVersion(req, 42);
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        let ids: string[] | undefined;
        let fields: string[] | undefined;
        if (method === 'POST') {
          const body = readJsonObject(req);
          const rawIds = body['ids'];
          const rawFields = body['fields'];
          ids = Array.isArray(rawIds) ? rawIds.filter((x): x is string => typeof x === 'string') : undefined;
          fields = Array.isArray(rawFields)
            ? rawFields.filter((x): x is string => typeof x === 'string')
            : undefined;
        } else {
          ids = parseFieldList(req.query.get('ids'));
          fields = parseFieldList(req.query.get('fields'));
        }
        if (!ids?.length) throw new HttpError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
        if (!fields?.length) throw new HttpError(400, 'MISSING_ARGUMENT', 'fields parameter is required');
        const max = method === 'POST' ? 2000 : 800;
        if (ids.length > max) {
          throw new HttpError(
            400,
            'EXCEEDED_ID_LIMIT',
            `Cannot retrieve more than ${max} records in one call`,
          );
        }
        const query = recordQuery(env.org, o, fields);
        const version = req.params['version'] ?? '';
        const out = ids.map((id) => {
          try {
            const { object, row } = env.org.retrieve(o.name, id);
            return object.name === o.name ? query.toJson(row, env.org.ctx, version) : null;
          } catch (err) {
            if (err instanceof OrgError) return null; // missing, deleted or malformed: an empty slot
            throw err;
          }
        });
        return json(200, out);
      },
    })),
  ];
}
