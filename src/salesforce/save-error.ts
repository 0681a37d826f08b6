/**
 * A per-record failure (collections `errors[]`, Bulk `sf__Error`) as a Ferry error, so callers
 * decide by disposition: RecordError (record it, go on), TransientError (UNABLE_TO_LOCK_ROW: send
 * that record again later), ConfigError… `NOT_SENT` records were never attempted: send them again.
 */
import { TransientError, fromSalesforceError, type FerryError } from '../errors/index.js';
import { NOT_SENT } from './rest/collections.js';
import type { SaveError } from './types.js';

export function saveErrorToFerry(error: SaveError, context: string): FerryError {
  if (error.statusCode === NOT_SENT) {
    return new TransientError(`${context}: ${error.message}`, { code: NOT_SENT });
  }
  return fromSalesforceError(
    { errorCode: error.statusCode, message: error.message, fields: error.fields },
    context,
  );
}
