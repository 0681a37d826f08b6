/**
 * Single-record CRUD by Id (§2.3): create → 201 SaveResult, retrieve → record JSON, update and
 * delete → 204. Record-level failures become REST error arrays (400, or 404 for NOT_FOUND /
 * ENTITY_IS_DELETED); the org decides every data rule.
 */
import type { OrgApi } from '../org/types.js';
import type { ObjectDef } from '../schema/types.js';
import { REST_PREFIX } from './api-version.js';
import { readJsonObject } from './body.js';
import { objectOrNotFound, TYPE } from './describe-routes.js';
import { HttpError } from './errors.js';
import { parseFieldList, recordJson } from './record-json.js';
import { json, noContent } from './respond.js';
import { failedSaveResponse, onlyResult } from './save-results.js';
import type { Route } from './types.js';

export const RECORD_ID = String.raw`(?<id>[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?)`;

/** The id must belong to the object in the URL; Salesforce answers 404 otherwise. */
export function checkIdType(org: OrgApi, object: ObjectDef, id: string): void {
  const owner = org.schema.byKeyPrefix(id.slice(0, 3));
  if (owner && owner.name !== object.name) {
    throw new HttpError(
      404,
      'NOT_FOUND',
      `Provided external ID field does not exist or is not accessible: ${id}`,
    );
  }
}

export function sobjectRecordRoutes(): Route[] {
  const path = new RegExp(`${REST_PREFIX}/sobjects/${TYPE}/${RECORD_ID}$`);
  return [
    {
      method: 'POST',
      pattern: new RegExp(`${REST_PREFIX}/sobjects/${TYPE}$`),
      auth: 'bearer',
      name: 'sobject-create',
      counted: true,
      handle(req, env) {
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        const body = readJsonObject(req);
        const r = onlyResult(env.org.create(o.name, [body], { format: 'json' }));
        if (!r.success) return failedSaveResponse(r);
        return json(201, { id: r.id, success: true, errors: [] });
      },
    },
    {
      method: 'GET',
      pattern: path,
      auth: 'bearer',
      name: 'sobject-retrieve',
      counted: true,
      handle(req, env) {
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        const id = req.params['id'] ?? '';
        checkIdType(env.org, o, id);
        const { object, row } = env.org.retrieve(o.name, id);
        const fields = parseFieldList(req.query.get('fields'));
        return json(200, recordJson(env.org, object, row, req.params['version'] ?? '', fields));
      },
    },
    {
      method: 'PATCH',
      pattern: path,
      auth: 'bearer',
      name: 'sobject-update',
      counted: true,
      handle(req, env) {
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        const id = req.params['id'] ?? '';
        checkIdType(env.org, o, id);
        const body = readJsonObject(req);
        const fields = Object.fromEntries(Object.entries(body).filter(([k]) => k.toLowerCase() !== 'id'));
        const r = onlyResult(env.org.update(o.name, [{ ...fields, Id: id }], { format: 'json' }));
        return r.success ? noContent() : failedSaveResponse(r);
      },
    },
    {
      method: 'DELETE',
      pattern: path,
      auth: 'bearer',
      name: 'sobject-delete',
      counted: true,
      handle(req, env) {
        const o = objectOrNotFound(env.org, req.params['type'] ?? '');
        const id = req.params['id'] ?? '';
        checkIdType(env.org, o, id);
        const r = onlyResult(env.org.delete([id]));
        return r.success ? noContent() : failedSaveResponse(r);
      },
    },
  ];
}
