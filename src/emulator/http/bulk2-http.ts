/**
 * What the Bulk 2.0 route handlers share: JSON and CSV responses, the `[{"errorCode","message"}]`
 * error body, request parsing, and the API-version gate (ingest from 41.0, query from 47.0).
 */
import { BulkError } from '../bulk/bulk-error.js';
import { OrgError } from '../org/types.js';
import { SoqlError } from '../soql/types.js';
import type { EmuRequest, EmuResponse, EmulatorEnv, ResponseBody } from './types.js';

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

export function createdBy(req: EmuRequest, env: EmulatorEnv): string {
  return req.session?.userId ?? env.org.identity.userId;
}
