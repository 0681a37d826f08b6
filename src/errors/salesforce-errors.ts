import {
  ConfigError,
  InvariantError,
  RateLimitError,
  RecordError,
  TransientError,
  UnrecoverableError,
  type ErrorDetails,
} from './ferry-error.js';
import type { FerryError } from './ferry-error.js';

type ErrorClass = new (message: string, details?: ErrorDetails) => FerryError;

/**
 * Salesforce errorCode → disposition. Codes not listed fall back on the HTTP status (see below).
 * Sources: REST API errorcodes page and observed captures (shared/reference/salesforce-wire.md §2.11).
 */
const BY_CODE: Readonly<Record<string, ErrorClass>> = {
  // Retry with backoff.
  UNABLE_TO_LOCK_ROW: TransientError,
  SERVER_UNAVAILABLE: TransientError,
  INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE: TransientError,
  QUERY_TIMEOUT: TransientError,
  REQUEST_RUNNING_TOO_LONG: TransientError,
  // Quotas.
  REQUEST_LIMIT_EXCEEDED: RateLimitError,
  TOO_MANY_APEX_REQUESTS: RateLimitError,
  EXCEEDED_MAX_SIZE_REQUEST: UnrecoverableError,
  // The caller's input (query, config, credentials) is wrong.
  MALFORMED_QUERY: ConfigError,
  INVALID_FIELD: ConfigError,
  INVALID_TYPE: ConfigError,
  INVALID_QUERY_FILTER_OPERATOR: ConfigError,
  INVALID_LOGIN: ConfigError,
  invalid_grant: ConfigError,
  invalid_client: ConfigError,
  invalid_client_id: ConfigError,
  unsupported_grant_type: ConfigError,
  API_DISABLED_FOR_ORG: UnrecoverableError,
  API_CURRENTLY_DISABLED: UnrecoverableError,
  INSUFFICIENT_ACCESS: UnrecoverableError,
  NOT_FOUND: UnrecoverableError,
  INVALID_QUERY_LOCATOR: TransientError,
  INVALID_SESSION_ID: TransientError,
  // One record rejected.
  REQUIRED_FIELD_MISSING: RecordError,
  DUPLICATE_VALUE: RecordError,
  DUPLICATES_DETECTED: RecordError,
  STRING_TOO_LONG: RecordError,
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: RecordError,
  INVALID_CROSS_REFERENCE_KEY: RecordError,
  ENTITY_IS_DELETED: RecordError,
  FIELD_CUSTOM_VALIDATION_EXCEPTION: RecordError,
  FIELD_INTEGRITY_EXCEPTION: RecordError,
  INVALID_FIELD_FOR_INSERT_UPDATE: RecordError,
  INVALID_ID_FIELD: RecordError,
  MALFORMED_ID: RecordError,
  INVALID_EMAIL_ADDRESS: RecordError,
  NUMBER_OUTSIDE_VALID_RANGE: RecordError,
  ALL_OR_NONE_OPERATION_ROLLED_BACK: RecordError,
  CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY: RecordError,
  ENTITY_IS_LOCKED: RecordError,
  DELETE_FAILED: RecordError,
  JSON_PARSER_ERROR: InvariantError,
};

const HINTS: Readonly<Record<string, string>> = {
  REQUEST_LIMIT_EXCEEDED:
    'the org has used its daily API requests; Ferry resumes when the 24-hour budget returns',
  INVALID_LOGIN: 'check the username, password and security token',
  invalid_grant: 'check the credentials, the connected app and that the user is allowed to log in',
  INVALID_FIELD: 'check the field names against `describe` for this object',
  INVALID_TYPE: 'check the object name, and that the user can see it',
  MALFORMED_QUERY: 'fix the SOQL (filter) named in the message',
  API_DISABLED_FOR_ORG: 'the org edition or the user profile does not allow API access',
};

export interface SalesforceErrorInfo {
  errorCode: string;
  message: string;
  fields?: readonly string[] | undefined;
  status?: number | undefined;
}

/** The class a Salesforce error belongs to, from its errorCode, else from the HTTP status. */
export function salesforceErrorClass(errorCode: string, status?: number): ErrorClass {
  const byCode = BY_CODE[errorCode];
  if (byCode) return byCode;
  if (status === undefined) return UnrecoverableError;
  if (status === 503 || status === 502 || status === 504 || status === 500) return TransientError;
  if (status === 429) return RateLimitError;
  if (status === 401) return TransientError;
  if (status >= 400 && status < 500) return UnrecoverableError;
  return UnrecoverableError;
}

/** Maps one Salesforce error (REST `errorCode`, collections `statusCode`, SOAP fault, Bulk `sf__Error`). */
export function fromSalesforceError(
  info: SalesforceErrorInfo,
  context?: string,
  cause?: unknown,
): FerryError {
  const cls = salesforceErrorClass(info.errorCode, info.status);
  const where = context ? `${context}: ` : '';
  return new cls(`${where}${info.message}`, {
    code: info.errorCode,
    fields: info.fields,
    status: info.status,
    hint: HINTS[info.errorCode],
    cause,
  });
}
