/** A change batch that only takes records out of the mirror (they left the mapping's scope). */
import type { ArchivedRecord, ChangeBatch, VersionSource } from '../core/change-batch.js';
import { changeBatch } from './changes.js';
import type { CaptureContext } from './types.js';

/** No records, no tombstones, cursor left as it is: an archive never moves the poll position. */
export function archiveBatch(
  ctx: CaptureContext,
  source: VersionSource,
  archived: readonly ArchivedRecord[],
): ChangeBatch {
  return { ...changeBatch(ctx, source, [], [], null), archived };
}
