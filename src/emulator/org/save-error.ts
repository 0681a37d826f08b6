import type { SaveError } from './types.js';

/** A per-record failure; thrown inside the write path and turned into a SaveResult. */
export class RecordRejected extends Error {
  constructor(readonly errors: SaveError[]) {
    super(errors.map((e) => `${e.statusCode}: ${e.message}`).join('; '));
    this.name = 'RecordRejected';
  }
}

export function reject(statusCode: string, message: string, fields: string[] = []): never {
  throw new RecordRejected([{ statusCode, message, fields }]);
}
