/**
 * A Bulk request refused as a whole. Bulk 2.0 renders it as `[{"errorCode","message"}]` JSON,
 * Bulk 1.0 as `<error><exceptionCode>…` XML; the job classes throw it and stay format-agnostic.
 */
export class BulkError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'BulkError';
  }
}

/** Salesforce answers unknown job and batch ids as it answers any unknown REST resource. */
export function notFound(): BulkError {
  return new BulkError(404, 'NOT_FOUND', 'The requested resource does not exist');
}
