/**
 * Schema drift, the engine's side of a field refresh (mapping option `refreshNewFields`): which new
 * mirror columns are fields worth refreshing, and running a pending refresh to the end with its
 * position kept in ferry.mappings (refresh_fields, refresh_after_id), so a stop or crash resumes it.
 */
import type { Pool } from 'pg';
import type { CaptureApi, CaptureContext } from '../capture/types.js';
import type { ChangeBatch } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import { endFieldRefresh, saveFieldRefreshPosition, type ObjectState } from './object-state.js';

/** The model's fields (describe names) whose columns were just added; other columns are not fields. */
export function newMappedFields(model: ObjectModel, addedColumns: readonly string[]): string[] {
  const added = new Set(addedColumns);
  return model.fields.filter((f) => added.has(f.name.toLowerCase())).map((f) => f.name);
}

type Apply = (
  batches: AsyncIterable<ChangeBatch>,
  afterBatch: (batch: ChangeBatch) => Promise<void>,
) => Promise<void>;

/**
 * Reads the pending fields for every live row (from the stored position) and applies them; each
 * applied batch moves the position to its last Id. The position is written after the batch's own
 * transaction: a crash in between re-applies one batch, which stores and writes nothing new.
 * A refresh the mapping no longer asks for (option turned off) is dropped.
 */
export async function refreshNewFields(
  pool: Pool,
  capture: CaptureApi,
  ctx: CaptureContext,
  state: ObjectState,
  apply: Apply,
): Promise<void> {
  const object = ctx.model.name;
  const fields = state.refreshFields ?? [];
  if (fields.length === 0) return;
  if (ctx.mapping.refreshNewFields !== true) {
    ctx.logger.info(
      { object, fields },
      `${object}: refreshNewFields is off; the pending field refresh is dropped`,
    );
    await endFieldRefresh(pool, object, fields);
    return;
  }
  ctx.logger.info(
    { object, fields, afterId: state.refreshAfterId },
    state.refreshAfterId
      ? `${object}: resuming the refresh of new fields after ${state.refreshAfterId}`
      : `${object}: reading new fields for every row`,
  );
  await apply(capture.refreshFields(ctx, { fields, afterId: state.refreshAfterId }), async (batch) => {
    const last = batch.records.at(-1);
    if (last) await saveFieldRefreshPosition(pool, object, last.sfid);
  });
  await endFieldRefresh(pool, object, fields);
}
