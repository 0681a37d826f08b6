import type { ClientBase } from 'pg';
import type { ChangeBatch } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import { InvariantError, isFerryError } from '../errors/index.js';
import { stageVersions } from '../history/index.js';
import { sqlState, wrapPgError } from '../store/index.js';
import { applyArchived } from './archive-apply.js';
import { explainDataError } from './data-error.js';
import { appendDeltaBatch } from './delta-apply.js';
import { mergeBatch } from './merge-apply.js';
import {
  DEFAULT_MIRROR_SCHEMA,
  changesTableName,
  mirrorTableName,
  type MaterializeMode,
} from './mirror-ddl.js';

export interface ApplyOptions {
  /** Default 'salesforce'. */
  readonly schema?: string | undefined;
  /** Default 'merge'. */
  readonly mode?: MaterializeMode | undefined;
  /** The batch is already in the version stage (appendVersions staged it on this client). */
  readonly staged?: boolean | undefined;
}

export interface ApplyResult {
  readonly mode: MaterializeMode;
  /** Merge: mirror rows inserted or changed. */
  readonly upserted: number;
  /** Merge: mirror rows newly marked deleted. */
  readonly deleted: number;
  /** Delta: change rows appended. */
  readonly appended: number;
}

/**
 * Applies a change batch to the object's mirror table (merge) or `<table>_changes` table (delta), on
 * the caller's client and transaction. Sets `ferry.sync = 'on'` for the rest of the transaction
 * (SET LOCAL), so write-back triggers skip these writes. The table must exist (ensureMirrorTable).
 */
export async function applyBatch(
  client: ClientBase,
  batch: ChangeBatch,
  model: ObjectModel,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  if (batch.object.toLowerCase() !== model.name.toLowerCase()) {
    throw new InvariantError(
      `A change batch of ${batch.object} was applied with the model of ${model.name}`,
      {
        code: 'BATCH_MODEL_MISMATCH',
      },
    );
  }
  const schema = options.schema ?? DEFAULT_MIRROR_SCHEMA;
  const mode = options.mode ?? 'merge';
  const table = mode === 'delta' ? changesTableName(model) : mirrorTableName(model);
  try {
    await client.query(`SELECT set_config('ferry.sync', 'on', true)`);
    if (options.staged !== true) await stageVersions(client, batch);
    await applyArchived(client, batch, { schema, table, mode });
    if (mode === 'delta') {
      const appended = await appendDeltaBatch(client, batch, model, schema, table);
      return { mode, upserted: 0, deleted: 0, appended };
    }
    const { upserted, deleted } = await mergeBatch(client, batch, model, schema, table);
    return { mode, upserted, deleted, appended: 0 };
  } catch (err) {
    if (isFerryError(err)) throw err;
    if (sqlState(err)?.startsWith('22')) throw explainDataError(batch, model, `${schema}.${table}`, err);
    throw wrapPgError(
      `Could not apply a ${batch.object} batch of run ${batch.runId} to ${schema}.${table} (${mode} mode)`,
      err,
      sqlState(err) === '42P01' || sqlState(err) === '42703'
        ? `Create or update the table from the object's describe first (ensureMirrorTable).`
        : undefined,
    );
  }
}
