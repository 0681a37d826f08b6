import type { Pool } from 'pg';
import type { ObjectMapping } from '../config/object-mapping.js';
import type { ObjectModel } from '../core/sobject-model.js';
import type { Logger } from '../log/index.js';
import { ensureMirrorTable, type MirrorTableOptions } from '../materialize/index.js';
import { withTransaction } from '../store/index.js';
import { setWriteAccess } from '../writeback/write-triggers.js';
import { newMappedFields } from './new-fields.js';
import { ensureObjectState, markFieldRefresh, type ObjectState } from './object-state.js';

export interface ObjectTableSpec {
  readonly mapping: ObjectMapping;
  /** The mapped model from this cycle's describe. */
  readonly model: ObjectModel;
  readonly schema: string;
  /** `<lookup>__r__<externalid>` columns of a read-write table (parent-models.ts). */
  readonly relationshipColumns: MirrorTableOptions['relationshipColumns'];
}

/**
 * Brings an object's table in line with this cycle's describe and the mapping, and registers the
 * object: columns added or widened (schema drift), capture triggers following the mapping's access,
 * the settings and scope hashes stored, and a field refresh recorded for new columns when the mapping
 * asks for one. All in one transaction, so a crash cannot add a column and lose the refresh it owes.
 * Logs what changed; returns the object's state.
 */
export async function prepareObjectTable(
  pool: Pool,
  logger: Logger,
  spec: ObjectTableSpec,
): Promise<ObjectState> {
  const { mapping, model, schema, relationshipColumns } = spec;
  const name = mapping.name;
  const { ensured, state } = await withTransaction(pool, async (c) => {
    const table = await ensureMirrorTable(c, model, { schema, mode: mapping.mode, relationshipColumns });
    // Capture triggers follow the mapping's access (and create the trigger log). A delta table
    // cannot be captured: read-only there means no triggers; read-write is refused (ConfigError).
    if (mapping.mode === 'merge' || mapping.access === 'read-write') {
      await setWriteAccess(c, schema, table.table, mapping.access);
    }
    const current = await ensureObjectState(c, mapping, schema, table.table);
    const added = mapping.refreshNewFields ? newMappedFields(model, table.addedColumns) : [];
    return {
      ensured: table,
      state:
        added.length > 0
          ? { ...(await markFieldRefresh(c, name, added)), scopeChanged: current.scopeChanged }
          : current,
    };
  });
  if (ensured.addedColumns.length > 0) {
    logger.info(
      { object: name, columns: ensured.addedColumns, refresh: state.refreshFields },
      state.refreshFields
        ? 'new fields became columns; they are read for every row after the poll'
        : 'new fields became columns',
    );
  }
  if (ensured.addedRelationshipColumns) {
    logger.info(
      { object: name, columns: ensured.addedRelationshipColumns },
      'relationship external-id columns added (a child can name its parent by external id)',
    );
  }
  for (const change of ensured.changedColumns) {
    logger.warn(
      { object: name, ...change },
      `${name}: a field's type changed in Salesforce; column ${change.column} is now ${change.to} (was ${change.from})`,
    );
  }
  if (state.scopeChanged) {
    logger.warn(
      { object: name },
      `${name}: the mapping's filter, retention or archiveNonMatching changed; reading the object again in full, then reconciling`,
    );
  }
  return state;
}
