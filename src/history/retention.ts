import type { Pool } from 'pg';
import { wrapPgError } from '../store/index.js';

export interface PurgeOptions {
  /** Versions captured before this moment may go. */
  readonly olderThan: Date;
  /** Only this object (default: all objects). */
  readonly object?: string | undefined;
}

/**
 * Retention: deletes versions captured before `olderThan` that a newer version of the same record,
 * itself captured before `olderThan`, supersedes. So the newest version of every record is never
 * deleted, and "as of T" stays answerable for every T from `olderThan` on. Returns the count deleted.
 */
export async function purgeVersions(pool: Pool, options: PurgeOptions): Promise<number> {
  try {
    const result = await pool.query(
      `DELETE FROM ferry.record_versions v
       WHERE v.captured_at < $1
         AND ($2::text IS NULL OR v.object = $2)
         AND EXISTS (
           SELECT 1 FROM ferry.record_versions n
           WHERE n.object = v.object AND n.sfid = v.sfid AND n.id > v.id AND n.captured_at < $1
         )`,
      [options.olderThan, options.object ?? null],
    );
    return result.rowCount ?? 0;
  } catch (err) {
    throw wrapPgError(`Could not purge record versions older than ${options.olderThan.toISOString()}`, err);
  }
}
