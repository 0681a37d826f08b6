import { ConfigError, TransientError, UnrecoverableError, type FerryError } from '../errors/index.js';

/**
 * Postgres failures → Ferry dispositions. The SQLSTATE class decides: connection loss, serialization
 * failures, deadlocks and shutdowns are worth retrying; authentication, a missing database or missing
 * privileges need the user; anything else will fail the same way again.
 */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57']);
const TRANSIENT_STATES = new Set(['55P03', '55006']); // lock_not_available, object_in_use
// invalid_catalog_name (no such database), insufficient_privilege; class 28 is authentication.
const CONFIG_STATES = new Set(['3D000', '42501']);
const CONFIG_NODE_CODES = new Set(['ENOTFOUND']);
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

/** The SQLSTATE (or Node system error code) of an error thrown by `pg`, if any. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

/** Wraps a `pg` error in the Ferry error class its SQLSTATE calls for, keeping it as `cause`. */
export function wrapPgError(message: string, err: unknown, hint?: string): FerryError {
  const code = sqlState(err);
  const detail = err instanceof Error ? `${message}: ${err.message}` : message;
  const details = { code, hint, cause: err };
  if (code !== undefined) {
    if (
      TRANSIENT_CLASSES.has(code.slice(0, 2)) ||
      TRANSIENT_STATES.has(code) ||
      TRANSIENT_NODE_CODES.has(code)
    ) {
      return new TransientError(detail, details);
    }
    if (CONFIG_STATES.has(code) || code.startsWith('28') || CONFIG_NODE_CODES.has(code)) {
      return new ConfigError(detail, details);
    }
  }
  return new UnrecoverableError(detail, details);
}
