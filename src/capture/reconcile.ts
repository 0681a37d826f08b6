/**
 * Id reconciliation: the org's ids in Id order (queryAll, so recycle-bin rows count as present)
 * merged against the ids Ferry holds, ascending. A known id the org no longer has at all — purged
 * from the recycle bin, hard-deleted — becomes a tombstone. Both sides must be in the same (binary,
 * `COLLATE "C"`) order; an out-of-order id is a bug and stops the run rather than tombstoning live
 * records.
 *
 * Without a scope (no `archiveNonMatching` filter, no `retention`, or delta mode) the org side is
 * every id, unfiltered: a record that stopped matching the filter still exists and its row stays.
 * With one, the org side is only the ids in scope (`keepScopeOf`): cheaper, and a known id it lacks
 * is either out of scope or gone. Those few are looked up by Id (id-lookup.ts): still there → it
 * leaves the mirror (archived; history untouched), not there → tombstone. This covers a filter
 * changed in the configuration, records that changed before Ferry looked, and activities ageing out
 * of retention.
 */
import type { ArchivedRecord, ChangeBatch, Tombstone } from '../core/change-batch.js';
import { InvariantError } from '../errors/index.js';
import type { SoqlFragment } from '../salesforce/soql.js';
import { archiveBatch } from './archive-batch.js';
import { changeBatch } from './changes.js';
import { existingIds, ID_LOOKUP_CHUNK } from './id-lookup.js';
import { readByIdKeyset } from './id-keyset.js';
import { Progress } from './progress.js';
import { keepScopeOf } from './scope.js';
import { REST_PAGE_MAX, sizesOf } from './settings.js';
import type { CaptureContext } from './types.js';

async function* orgIds(
  ctx: CaptureContext,
  scope: SoqlFragment | null,
): AsyncGenerator<string, void, undefined> {
  const pages = readByIdKeyset(ctx, {
    fields: ['Id'],
    filter: scope,
    scanAll: true,
    afterId: null,
    what: 'Id reconciliation',
    // Only ids, consumed one by one: read them in full REST pages whatever the batch size.
    rowsPerYield: REST_PAGE_MAX,
  });
  for await (const rows of pages) {
    for (const row of rows) yield String(row['Id']);
  }
}

/** Known ids (checked strictly ascending) that the org side does not have, in order. */
async function* unmatchedIds(
  object: string,
  org: AsyncIterator<string>,
  knownIds: AsyncIterable<string>,
  onKnown: () => void,
): AsyncGenerator<string, void, undefined> {
  let current: string | undefined;
  let orgDone = false;
  const advance = async (): Promise<void> => {
    const next = await org.next();
    orgDone = next.done === true;
    current = next.done ? undefined : next.value;
  };
  let previousKnown: string | undefined;
  await advance();
  for await (const id of knownIds) {
    if (previousKnown !== undefined && id <= previousKnown) {
      throw new InvariantError(
        `Id reconciliation of ${object}: known ids are not strictly ascending (${id} after ${previousKnown}); sort them with COLLATE "C"`,
      );
    }
    previousKnown = id;
    onKnown();
    while (!orgDone && current !== undefined && current < id) await advance();
    if (current !== id) yield id;
  }
}

export async function* reconcile(
  ctx: CaptureContext,
  knownIds: AsyncIterable<string>,
): AsyncGenerator<ChangeBatch, void, undefined> {
  const object = ctx.model.name;
  const { batchSize } = sizesOf(ctx);
  const scope = keepScopeOf(ctx, new Date());
  const progress = new Progress(ctx.logger.child({ object }), `Id reconciliation of ${object}`);
  const org = orgIds(ctx, scope)[Symbol.asyncIterator]();
  let known = 0;
  let archivedCount = 0;
  let tombstones: Tombstone[] = [];
  let archived: ArchivedRecord[] = [];
  let lookup: string[] = [];

  /** Sorts the looked-up ids into archived (still in the org) and tombstones (gone). */
  const classify = async (): Promise<void> => {
    const present = await existingIds(ctx, lookup);
    for (const id of lookup) {
      if (present.has(id)) archived.push({ sfid: id, systemModstamp: null });
      else tombstones.push({ sfid: id, deletedAt: null });
    }
    lookup = [];
  };
  const flush = function* (final: boolean): Generator<ChangeBatch, void, undefined> {
    while (tombstones.length >= batchSize || (final && tombstones.length > 0)) {
      const part = tombstones.slice(0, batchSize);
      tombstones = tombstones.slice(batchSize);
      progress.add(0, part.length);
      yield changeBatch(ctx, 'reconcile', [], part, null);
    }
    while (archived.length >= batchSize || (final && archived.length > 0)) {
      const part = archived.slice(0, batchSize);
      archived = archived.slice(batchSize);
      archivedCount += part.length;
      yield archiveBatch(ctx, 'reconcile', part);
    }
  };

  try {
    for await (const id of unmatchedIds(object, org, knownIds, () => known++)) {
      if (scope === null) {
        tombstones.push({ sfid: id, deletedAt: null });
      } else {
        lookup.push(id);
        if (lookup.length >= ID_LOOKUP_CHUNK) await classify();
      }
      yield* flush(false);
    }
    if (lookup.length > 0) await classify();
    yield* flush(true);
  } finally {
    await org.return?.();
  }
  progress.done({ known, ...(scope !== null ? { archived: archivedCount } : {}) });
}
