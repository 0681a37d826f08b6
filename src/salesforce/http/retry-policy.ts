/**
 * Which failed responses are worth repeating, and whether the failed attempt may have changed data.
 * A 503, `SERVER_UNAVAILABLE` or `UNABLE_TO_LOCK_ROW` means Salesforce refused or rolled back the
 * request, so it is safe to repeat any request. A 502/504 comes from a proxy in front of Salesforce
 * that gave up waiting: the request may still have been applied behind it.
 */
import type { NetworkOutcome } from './network-error.js';

export type AttemptOutcome = NetworkOutcome | 'not-applied';

const NOT_APPLIED_CODES = new Set(['UNABLE_TO_LOCK_ROW', 'SERVER_UNAVAILABLE']);

/** The outcome of a failed response when it is worth retrying, else undefined. */
export function retryableResponse(status: number, errorCode: string): AttemptOutcome | undefined {
  if (NOT_APPLIED_CODES.has(errorCode)) return 'not-applied';
  if (status === 503) return 'not-applied';
  if (status === 502 || status === 504) return 'maybe-applied';
  return undefined;
}

/** Whether a request may be sent again after an attempt with this outcome. */
export function mayResend(outcome: AttemptOutcome, idempotent: boolean): boolean {
  return outcome !== 'maybe-applied' || idempotent;
}

/** HTTP semantics: GET, HEAD, PUT and DELETE are idempotent; POST and PATCH only if the caller says so. */
export function idempotentByMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE';
}
