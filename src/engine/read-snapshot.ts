import type { Pool } from 'pg';
import type { ChangeBatch } from '../core/change-batch.js';

/** The database's current snapshot (`txid_current_snapshot()`, as text). */
export async function currentSnapshot(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ snapshot: string }>('SELECT txid_current_snapshot()::text AS snapshot');
  return rows[0]!.snapshot;
}

/**
 * The batches of one read, each carrying the snapshot taken before the read began
 * (ChangeBatch.readSnapshot). One snapshot for the whole read, not one per batch: a read hands out
 * batches from pages fetched earlier (the first page, a Bulk job's results), so only a snapshot from
 * before its first request is known to precede every version in it.
 */
export async function* withReadSnapshot(
  batches: AsyncIterable<ChangeBatch>,
  readSnapshot: string,
): AsyncGenerator<ChangeBatch, void, undefined> {
  for await (const batch of batches) yield { ...batch, readSnapshot };
}
