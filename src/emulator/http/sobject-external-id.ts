/**
 * Records addressed by an external id (§2.3): `GET` and upsert `PATCH` on
 * `/sobjects/{T}/{field}/{value}`. Several matches are a 300 listing the candidates (jsforce throws
 * MULTIPLE_CHOICES); upsert answers 201/200 with `created` from API 46.0 on, 201/204 before.
 */
import type { ObjectDef } from '../schema/types.js';
import type { OrgApi } from '../org/types.js';
import { parseVersion, REST_PREFIX } from './api-version.js';
import { readJsonObject } from './body.js';
import { objectOrNotFound, TYPE } from './describe-routes.js';
import { HttpError, MESSAGES } from './errors.js';
import { parseFieldList, recordJson } from './record-json.js';
import { json, noContent } from './respond.js';
import { failedSaveResponse, onlyResult } from './save-results.js';
import type { Route } from './types.js';

/** The field named in the URL, if it can address records (external id, idLookup, or Id). */
function lookupField(object: ObjectDef, name: string): string {
  const f = object.fieldIndex.get(name.toLowerCase());
  if (!f || !(f.externalId || f.idLookup || f.type === 'id')) {
    throw new HttpError(
      404,
      'NOT_FOUND',
      `Provided external ID field does not exist or is not accessible: ${name}`,
    );
  }
  return f.name;
}

function matches(org: OrgApi, object: ObjectDef, field: string, value: string): string[] {
  return org.findByField(object.name, field, value);
}

function multipleChoices(version: string, object: ObjectDef, ids: readonly string[]) {
  return json(
    300,
    ids.map((id) => `/services/data/v${version}/sobjects/${object.name}/${id}`),
  );
}

export function sobjectExternalIdRoutes(): Route[] {
  const pattern = new RegExp(`${REST_PREFIX}/sobjects/${TYPE}/(?<field>[A-Za-z][A-Za-z0-9_]*)/(?<value>.+)$`);
  return [
    {
      method: 'GET',
      pattern,
      auth: 'bearer',
      name: 'sobject-external-id-get',
      counted: true,
      handle(req, env) {
        const version = req.params['version'] ?? '';
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        const field = lookupField(o, req.params['field'] ?? '');
        const ids = matches(env.org, o, field, req.params['value'] ?? '');
        if (ids.length === 0) throw new HttpError(404, 'NOT_FOUND', MESSAGES.notFound);
        if (ids.length > 1) return multipleChoices(version, o, ids);
        const { object, row } = env.org.retrieve(o.name, ids[0] ?? '');
        return json(200, recordJson(env.org, object, row, version, parseFieldList(req.query.get('fields'))));
      },
    },
    {
      method: 'PATCH',
      pattern,
      auth: 'bearer',
      name: 'sobject-upsert',
      counted: true,
      handle(req, env) {
        const version = req.params['version'] ?? '';
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        const field = lookupField(o, req.params['field'] ?? '');
        const value = req.params['value'] ?? '';
        const body = readJsonObject(req);
        const ids = matches(env.org, o, field, value);
        if (ids.length > 1) return multipleChoices(version, o, ids);
        if (ids.length === 0 && req.query.get('updateOnly') === 'true') {
          throw new HttpError(404, 'NOT_FOUND', MESSAGES.notFound);
        }
        // The value comes from the URL; a copy of the key field in the body is ignored.
        const fields = Object.fromEntries(
          Object.entries(body).filter(([k]) => k.toLowerCase() !== field.toLowerCase()),
        );
        const r = onlyResult(
          env.org.upsert(o.name, field, [{ ...fields, [field]: value }], { format: 'json' }),
        );
        if (!r.success) return failedSaveResponse(r);
        const created = r.created ?? ids.length === 0;
        if ((parseVersion(version) ?? 0) < 46) {
          return created ? json(201, { id: r.id, success: true, errors: [] }) : noContent();
        }
        return json(created ? 201 : 200, { id: r.id, success: true, errors: [], created });
      },
    },
  ];
}
