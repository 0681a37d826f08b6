/**
 * What the Bulk 2.0 route handlers share: JSON and CSV responses, the `[{"errorCode","message"}]`
 * error body, request parsing, the API-version gate (ingest from 41.0, query from 47.0), and the
 * routes of one resource.
 */
import { BulkError } from '../bulk/bulk-error.js';
import {
  isColumnDelimiter,
  isLineEnding,
  type ColumnDelimiter,
  type LineEnding,
} from '../bulk/csv-format.js';
import { OrgError } from '../org/types.js';
import { SoqlError } from '../soql/types.js';
import type { EmuRequest, EmuResponse, EmulatorEnv, ResponseBody, Route } from './types.js';

const JSON_TYPE = 'application/json;charset=UTF-8';

export function jsonResponse(status: number, body: unknown): EmuResponse {
  return { status, headers: { 'Content-Type': JSON_TYPE }, body: JSON.stringify(body) };
}

/** Content-Type exactly `text/csv`: jsforce picks its parser from it. */
export function csvResponse(body: ResponseBody, headers: Record<string, string> = {}): EmuResponse {
  return { status: 200, headers: { 'Content-Type': 'text/csv', ...headers }, body };
}

export function errorResponse(status: number, errorCode: string, message: string): EmuResponse {
  return jsonResponse(status, [{ errorCode, message }]);
}

/** Runs a handler, turning the refusals it throws into Salesforce's JSON error bodies. */
export async function answer(run: () => EmuResponse | Promise<EmuResponse>): Promise<EmuResponse> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof BulkError) return errorResponse(error.status, error.errorCode, error.message);
    if (error instanceof SoqlError) return errorResponse(400, error.errorCode, error.message);
    if (error instanceof OrgError) return errorResponse(error.status, error.errorCode, error.message);
    throw error;
  }
}

/** Bulk 2.0 resources exist from `minVersion` up to the newest version the emulator serves. */
export function checkVersion(req: EmuRequest, env: EmulatorEnv, minVersion: number): string {
  const version = req.params['version'] ?? '';
  const n = Number(version);
  if (!Number.isFinite(n) || n < minVersion || n > Number(env.maxApiVersion)) {
    throw new BulkError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
  return version;
}

/** The JSON object of a create / PATCH request. */
export function jsonBody(req: EmuRequest): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString('utf8'));
  } catch (error) {
    throw new BulkError(
      400,
      'JSON_PARSER_ERROR',
      `Unexpected character in request body: ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BulkError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** An optional string property; anything but a string or absence is a deserialization error. */
export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new BulkError(400, 'JSON_PARSER_ERROR', `Cannot deserialize value of ${key}: expected a string`);
  }
  return value;
}

/** An enum property: Salesforce reports a value outside the enum as a JSON deserialization error. */
export function enumValue<T extends string>(
  body: Record<string, unknown>,
  key: string,
  isValid: (value: unknown) => value is T,
  fallback: T,
): T {
  const value = optionalString(body, key);
  if (value === undefined) return fallback;
  if (!isValid(value)) {
    throw new BulkError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${key} from VALUE_STRING value ${value} or request may be missing a required field`,
    );
  }
  return value;
}

/** The CSV format a create request asks for: CSV only, comma and LF unless it says otherwise. */
export function csvFormat(body: Record<string, unknown>): {
  columnDelimiter: ColumnDelimiter;
  lineEnding: LineEnding;
} {
  enumValue(body, 'contentType', (v): v is 'CSV' => v === 'CSV', 'CSV');
  const columnDelimiter = enumValue(body, 'columnDelimiter', isColumnDelimiter, 'COMMA');
  const lineEnding = enumValue(body, 'lineEnding', isLineEnding, 'LF');
  return { columnDelimiter, lineEnding };
}

export function createdBy(req: EmuRequest, env: EmulatorEnv): string {
  return req.session?.userId ?? env.org.identity.userId;
}

/** DELETE of a job the job allows to be deleted: it stops for good and leaves `table`. 204. */
export function deleteJob(
  job: { readonly id: string; assertDeletable(): void; discard(): void },
  table: { delete(id: string): void },
): EmuResponse {
  job.assertDeletable();
  job.discard();
  table.delete(job.id);
  return { status: 204, body: null };
}

export interface Bulk2Resource {
  /** Pattern of the resource, `^/services/data/vXX.X/jobs/<kind>`, with the `version` group. */
  readonly base: string;
  /** Pattern of one job below it, with the `id` group. */
  readonly job: string;
  /** A route of the resource: bearer-authenticated, counted, gated by the API version. */
  readonly route: (
    method: Route['method'],
    pattern: string,
    name: string,
    handle: (req: EmuRequest, env: EmulatorEnv) => EmuResponse | Promise<EmuResponse>,
  ) => Route;
}

/** The Bulk 2.0 resource `/jobs/<kind>`, served from API `minVersion`. */
export function bulk2Resource(kind: 'ingest' | 'query', minVersion: number): Bulk2Resource {
  const base = String.raw`^/services/data/v(?<version>\d+\.\d+)/jobs/${kind}`;
  return {
    base,
    job: String.raw`${base}/(?<id>[A-Za-z0-9]{15,18})`,
    route: (method, pattern, name, handle) => ({
      method,
      pattern: new RegExp(pattern),
      auth: 'bearer',
      name,
      counted: true,
      handle: (req, env) =>
        answer(() => {
          checkVersion(req, env, minVersion);
          return handle(req, env);
        }),
    }),
  };
}
