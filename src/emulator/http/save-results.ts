/**
 * The org's per-record SaveResults as each REST surface reports them: collections keep the
 * per-record `statusCode` key (§2.7), single-record endpoints turn a failure into the REST error
 * array with `errorCode` (§2.11).
 */
import type { SaveResult } from '../org/types.js';
import { json } from './respond.js';
import type { EmuResponse } from './types.js';

export interface CollectionResult {
  id?: string;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
  created?: boolean;
}

export function collectionResult(r: SaveResult, withCreated: boolean): CollectionResult {
  const out: CollectionResult = { success: r.success, errors: r.errors.map((e) => ({ ...e })) };
  if (r.id) {
    // Salesforce puts the id first when there is one.
    return withCreated
      ? { id: r.id, success: r.success, errors: out.errors, created: r.created ?? false }
      : { id: r.id, ...out };
  }
  if (withCreated) out.created = r.created ?? false;
  return out;
}

/** HTTP status for a record-level error code surfacing from a single-record endpoint. */
export function statusForCode(code: string): number {
  if (code === 'NOT_FOUND' || code === 'ENTITY_IS_DELETED') return 404;
  if (code === 'INSUFFICIENT_ACCESS_OR_READONLY' || code === 'INSUFFICIENT_ACCESS') return 403;
  return 400;
}

/** A failed SaveResult as a REST error response. */
export function failedSaveResponse(r: SaveResult): EmuResponse {
  const errors = r.errors.length
    ? r.errors
    : [{ statusCode: 'UNKNOWN_EXCEPTION', message: 'The record was not saved', fields: [] }];
  const status = statusForCode(errors[0]?.statusCode ?? '');
  return json(
    status,
    errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })),
  );
}

/** The first result of a one-record org call (the org returns one result per input record). */
export function onlyResult(results: readonly SaveResult[]): SaveResult {
  const r = results[0];
  if (!r) {
    return {
      id: null,
      success: false,
      errors: [{ statusCode: 'UNKNOWN_EXCEPTION', message: 'No result', fields: [] }],
    };
  }
  return r;
}
