/**
 * Ferry's errors are classified by what the caller must do, not by where they came from.
 * Every error keeps its `cause`; messages name the object, field, record id or job id and the next step.
 */

export interface ErrorDetails {
  /** Salesforce errorCode / statusCode, SQLSTATE, or a Ferry code. */
  code?: string | undefined;
  /** Salesforce field names, config keys, columns... */
  fields?: readonly string[] | undefined;
  /** A sentence telling the user what to do next. */
  hint?: string | undefined;
  /** HTTP status when the error came from an HTTP exchange. */
  status?: number | undefined;
  cause?: unknown;
}

export abstract class FerryError extends Error {
  abstract readonly disposition: Disposition;
  readonly code: string | undefined;
  readonly fields: readonly string[];
  readonly hint: string | undefined;
  readonly status: number | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = details.code;
    this.fields = details.fields ?? [];
    this.hint = details.hint;
    this.status = details.status;
  }

  /** A one-line, secret-free rendering for logs and the CLI. */
  describe(): string {
    const code = this.code ? `${this.code}: ` : '';
    const hint = this.hint ? ` — ${this.hint}` : '';
    return `${code}${this.message}${hint}`;
  }
}

export type Disposition = 'config' | 'transient' | 'rate-limit' | 'record' | 'unrecoverable' | 'invariant';

/** The user must fix their input (config, flags, credentials). CLI exit code 2. */
export class ConfigError extends FerryError {
  readonly disposition = 'config' as const;
}

/** Try again later with backoff: 503, lock contention, network faults. */
export class TransientError extends FerryError {
  readonly disposition = 'transient' as const;
}

/** A quota is exhausted: stop cleanly and resume when the budget returns. */
export class RateLimitError extends FerryError {
  readonly disposition = 'rate-limit' as const;
}

/** One record was rejected: record the failure and go on with the others. */
export class RecordError extends FerryError {
  readonly disposition = 'record' as const;
}

/** Retrying will not help and no user input can fix it here (e.g. permissions, unsupported object). */
export class UnrecoverableError extends FerryError {
  readonly disposition = 'unrecoverable' as const;
}

/** A bug in Ferry: an assumption the code relies on did not hold. */
export class InvariantError extends FerryError {
  readonly disposition = 'invariant' as const;
}

export function isFerryError(err: unknown): err is FerryError {
  return err instanceof FerryError;
}

export function errorMessage(err: unknown): string {
  if (err instanceof FerryError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}
