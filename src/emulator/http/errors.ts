/**
 * Turning failures into Salesforce-shaped responses, in the dialect of the endpoint that failed.
 * Handlers throw `HttpError` (or the org's `OrgError` / the compiler's `SoqlError`); anything else
 * is a bug in the emulator and becomes a 500 UNKNOWN_EXCEPTION without a stack trace, because
 * clients must never see our internals.
 */
import { randomBytes } from 'node:crypto';
import { OrgError } from '../org/types.js';
import { SoqlError } from '../soql/types.js';
import { escapeXml, json, restError } from './respond.js';
import { soapFault } from './soap-envelope.js';
import type { EmuResponse, ErrorDialect, Route } from './types.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const MESSAGES = {
  notFound: 'The requested resource does not exist',
  invalidSession: 'Session expired or invalid',
  limitExceeded: 'TotalRequests Limit exceeded.',
} as const;

export function dialectOf(route: Pick<Route, 'auth' | 'dialect'> | undefined): ErrorDialect {
  if (route?.dialect) return route.dialect;
  if (route?.auth === 'soap') return 'soap';
  if (route?.auth === 'bulk1') return 'bulk1';
  return 'rest';
}

/** Bulk 1.0 names some errors differently (`InvalidSessionId` is jsforce's refresh trigger, §4). */
const BULK1_CODES: Record<string, string> = {
  INVALID_SESSION_ID: 'InvalidSessionId',
  REQUEST_LIMIT_EXCEEDED: 'ExceededQuota',
  NOT_FOUND: 'InvalidUrl',
  JSON_PARSER_ERROR: 'InvalidRequest',
  UNSUPPORTED_API_VERSION: 'InvalidVersion',
};

function bulk1Error(status: number, errorCode: string, message: string): EmuResponse {
  const code = BULK1_CODES[errorCode] ?? errorCode;
  // Bulk 1.0 reports an expired session as 400, not 401 (jsforce BulkApi checks exactly that).
  const httpStatus = errorCode === 'INVALID_SESSION_ID' ? 400 : status;
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<error xmlns="http://www.force.com/2009/06/asyncapi/dataload">' +
    `<exceptionCode>${escapeXml(code)}</exceptionCode>` +
    `<exceptionMessage>${escapeXml(message)}</exceptionMessage></error>`;
  return { status: httpStatus, headers: { 'Content-Type': 'application/xml;charset=UTF-8' }, body };
}

/** An error in the given dialect. */
export function errorResponse(
  dialect: ErrorDialect,
  status: number,
  errorCode: string,
  message: string,
  fields?: string[],
): EmuResponse {
  switch (dialect) {
    case 'soap':
      return soapFault(errorCode, message);
    case 'bulk1':
      return bulk1Error(status, errorCode, message);
    case 'oauth':
      return json(status, { error: errorCode.toLowerCase(), error_description: message });
    case 'rest':
      return restError(status, errorCode, message, fields);
  }
}

export type ErrorLogger = (message: string, error: unknown) => void;

/** Renders any thrown value; unexpected ones are logged and hidden behind an error id. */
export function toErrorResponse(err: unknown, dialect: ErrorDialect, log: ErrorLogger): EmuResponse {
  if (err instanceof HttpError)
    return errorResponse(dialect, err.status, err.errorCode, err.message, err.fields);
  if (err instanceof OrgError) {
    return errorResponse(
      dialect,
      err.status,
      err.errorCode,
      err.message,
      err.fields.length ? err.fields : undefined,
    );
  }
  if (err instanceof SoqlError) return errorResponse(dialect, 400, err.errorCode, err.message);
  const errorId = `${randomBytes(4).readUInt32BE(0)}-${Date.now() % 100000}`;
  log(`emulator: unexpected error (ErrorId ${errorId})`, err);
  return errorResponse(
    dialect,
    500,
    'UNKNOWN_EXCEPTION',
    `An unexpected error occurred. Please include this ErrorId if you contact support: ${errorId}`,
  );
}
