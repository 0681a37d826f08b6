import type { Pool } from 'pg';
import { qualify, withTransaction } from '../store/index.js';
import { TRIGGER_LOG_ARCHIVE_TABLE, TRIGGER_LOG_TABLE } from './trigger-log-ddl.js';

/**
 * Trigger-log housekeeping, as Heroku Connect does it (reference 1.1): rows the writer is done with
 * move to `_trigger_log_archive` (same id) once `archiveAfter` has passed since they were processed,
 * and archived rows are deleted after `purgeAfter`. NEW and PENDING rows never move: they are the
 * queue. FAILED rows move too (after the same delay), where `ferry writes --archived` still shows them
 * and `ferry writes retry` can copy them back.
 */

/** States of rows that are finished with (the others — NEW, PENDING, REQUEUE — stay). */
export const ARCHIVABLE_STATES = ['SUCCESS', 'FAILED', 'MERGED', 'IGNORE', 'IGNORED', 'READONLY'] as const;

export interface HousekeepingResult {
  readonly archived: number;
  readonly purged: number;
}

export async function archiveTriggerLog(
  pool: Pool,
  schema: string,
  options: { archiveAfterMs: number; purgeAfterMs: number; now?: Date },
): Promise<HousekeepingResult> {
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const archive = qualify(schema, TRIGGER_LOG_ARCHIVE_TABLE);
  const present = await pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [log]);
  if (!present.rows[0]?.t) return { archived: 0, purged: 0 };
  const now = options.now ?? new Date();
  const archiveBefore = new Date(now.getTime() - options.archiveAfterMs);
  const purgeBefore = new Date(now.getTime() - options.purgeAfterMs);
  return withTransaction(pool, async (client) => {
    // IGNORE and READONLY rows are never processed: their capture time counts.
    const moved = await client.query(
      `WITH moved AS (
         DELETE FROM ${log}
         WHERE state = ANY ($1::text[]) AND coalesce(processed_at, created_at) < $2
         RETURNING *
       )
       INSERT INTO ${archive} SELECT * FROM moved ON CONFLICT (id) DO NOTHING`,
      [ARCHIVABLE_STATES, archiveBefore],
    );
    const purged = await client.query(
      `DELETE FROM ${archive} WHERE coalesce(processed_at, created_at) < $1`,
      [purgeBefore],
    );
    return { archived: moved.rowCount ?? 0, purged: purged.rowCount ?? 0 };
  });
}
