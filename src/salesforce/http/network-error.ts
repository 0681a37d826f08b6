/**
 * Network failures, classified by what they imply about the request. A refused connection or a
 * connect timeout means the request never reached Salesforce, so even an insert may be resent. A
 * reset or a timeout after the request went out means it *may* have been applied: only idempotent
 * requests (or ones the caller declares safe) may be resent.
 */

export type NetworkOutcome = 'not-sent' | 'maybe-applied';

export interface NetworkFailure {
  /** The first recognised code in the error's cause chain, e.g. ECONNRESET, UND_ERR_SOCKET. */
  code: string;
  outcome: NetworkOutcome;
  /** False for failures that retrying cannot fix (unknown host). */
  retryable: boolean;
}

const NOT_SENT = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const MAYBE_APPLIED = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);
const PERMANENT = new Set([
  'ENOTFOUND',
  'ERR_INVALID_URL',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);

function codeOf(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const code = err.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Depth-first over `cause` and AggregateError members, bounded. */
function* chain(err: unknown, depth = 0): Generator<unknown> {
  if (err === undefined || err === null || depth > 6) return;
  yield err;
  if (err instanceof AggregateError) for (const e of err.errors) yield* chain(e, depth + 1);
  if (err instanceof Error && err.cause !== undefined) yield* chain(err.cause, depth + 1);
}

/** True for errors raised by an AbortSignal (caller cancelled): never retried. */
export function isAbort(err: unknown): boolean {
  for (const e of chain(err)) {
    if (e instanceof Error && e.name === 'AbortError') return true;
    if (codeOf(e) === 'UND_ERR_ABORTED' || codeOf(e) === 'ABORT_ERR') return true;
  }
  return false;
}

export function classifyNetworkError(err: unknown): NetworkFailure | undefined {
  // Prefer the most specific (deepest) system code: undici wraps ECONNRESET in UND_ERR_SOCKET.
  let found: NetworkFailure | undefined;
  for (const e of chain(err)) {
    const code = codeOf(e);
    if (code === undefined) continue;
    if (NOT_SENT.has(code)) found = { code, outcome: 'not-sent', retryable: true };
    else if (MAYBE_APPLIED.has(code)) found = { code, outcome: 'maybe-applied', retryable: true };
    else if (PERMANENT.has(code)) found = { code, outcome: 'not-sent', retryable: false };
  }
  return found;
}
