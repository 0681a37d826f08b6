/**
 * Id reconciliation: the org's ids in Id order (queryAll, so recycle-bin rows count as present)
 * merged against the ids Ferry holds, ascending. A known id the org no longer has at all — purged
 * from the recycle bin, hard-deleted — becomes a tombstone. No filter: a record that stopped
 * matching the mapping's filter still exists. Both sides must be in the same (binary, `COLLATE "C"`)
 * order; an out-of-order id is a bug and stops the run rather than tombstoning live records.
 */
import type { ChangeBatch, Tombstone } from '../core/change-batch.js';
import { InvariantError } from '../errors/index.js';
import { changeBatch } from './changes.js';
import { readByIdKeyset } from './id-keyset.js';
import { Progress } from './progress.js';
import { REST_PAGE_MAX, sizesOf } from './settings.js';
import type { CaptureContext } from './types.js';

async function* orgIds(ctx: CaptureContext): AsyncGenerator<string, void, undefined> {
  const pages = readByIdKeyset(ctx, {
    fields: ['Id'],
    filter: null,
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

export async function* reconcile(
  ctx: CaptureContext,
  knownIds: AsyncIterable<string>,
): AsyncGenerator<ChangeBatch, void, undefined> {
  const object = ctx.model.name;
  const { batchSize } = sizesOf(ctx);
  const progress = new Progress(ctx.logger.child({ object }), `Id reconciliation of ${object}`);
  const org = orgIds(ctx)[Symbol.asyncIterator]();
  let current: string | undefined;
  let orgDone = false;
  const advance = async (): Promise<void> => {
    const next = await org.next();
    if (next.done) {
      orgDone = true;
      current = undefined;
    } else {
      current = next.value;
    }
  };
  let previousKnown: string | undefined;
  let known = 0;
  let pending: Tombstone[] = [];
  try {
    await advance();
    for await (const id of knownIds) {
      if (previousKnown !== undefined && id <= previousKnown) {
        throw new InvariantError(
          `Id reconciliation of ${object}: known ids are not strictly ascending (${id} after ${previousKnown}); sort them with COLLATE "C"`,
        );
      }
      previousKnown = id;
      known++;
      while (!orgDone && current !== undefined && current < id) await advance();
      if (current === id) continue;
      pending.push({ sfid: id, deletedAt: null });
      if (pending.length >= batchSize) {
        progress.add(0, pending.length);
        yield changeBatch(ctx, 'reconcile', [], pending, null);
        pending = [];
      }
    }
    if (pending.length > 0) {
      progress.add(0, pending.length);
      yield changeBatch(ctx, 'reconcile', [], pending, null);
    }
  } finally {
    await org.return?.();
  }
  progress.done({ known });
}
