import type { ClientBase, Pool } from 'pg';
import type { Cursor } from '../core/change-batch.js';
import { UnrecoverableError } from '../errors/index.js';
import { wrapPgError } from '../store/index.js';

/**
 * ferry.cursors: each object's `(SystemModstamp, Id)` position, and the lease that fences a stale
 * worker. A worker takes the lease (bumping its epoch) before polling; each batch transaction locks
 * the cursor row and checks it still holds that epoch, so a worker that lost the lease (paused, then
 * replaced) can no longer commit anything.
 */
export interface Lease {
  readonly object: string;
  readonly owner: string;
  /** bigint as text. */
  readonly epoch: string;
}

export interface StoredCursor extends Cursor {
  readonly leaseOwner: string | null;
  readonly leaseEpoch: string;
  readonly updatedAt: Date;
}

/** Takes (or takes over) the object's lease; any earlier holder is fenced out from now on. */
export async function acquireLease(pool: Pool, object: string, owner: string): Promise<Lease> {
  try {
    const result = await pool.query<{ lease_epoch: string }>(
      `INSERT INTO ferry.cursors AS c (object, lease_owner, lease_epoch) VALUES ($1, $2, 1)
       ON CONFLICT (object) DO UPDATE SET lease_owner = EXCLUDED.lease_owner,
         lease_epoch = c.lease_epoch + 1, updated_at = now()
       RETURNING lease_epoch::text`,
      [object, owner],
    );
    return { object, owner, epoch: result.rows[0]?.lease_epoch ?? '0' };
  } catch (err) {
    throw wrapPgError(`Could not take the cursor lease of ${object} for ${owner}`, err);
  }
}

export async function readCursor(db: Pool | ClientBase, object: string): Promise<StoredCursor | undefined> {
  const result = await db.query<{
    systemmodstamp: Date | null;
    sfid: string | null;
    lease_owner: string | null;
    lease_epoch: string;
    updated_at: Date;
  }>(
    `SELECT systemmodstamp, sfid, lease_owner, lease_epoch::text, updated_at FROM ferry.cursors WHERE object = $1`,
    [object],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    systemModstamp: row.systemmodstamp?.toISOString() ?? null,
    id: row.sfid,
    leaseOwner: row.lease_owner,
    leaseEpoch: row.lease_epoch,
    updatedAt: row.updated_at,
  };
}

/**
 * Locks the object's cursor row for the rest of the transaction (creating it if needed), so batches of
 * one object apply one at a time, and checks the lease when one is given. Call it first in the batch
 * transaction.
 */
export async function lockCursor(client: ClientBase, object: string, lease?: Lease): Promise<void> {
  await client.query(`INSERT INTO ferry.cursors (object) VALUES ($1) ON CONFLICT (object) DO NOTHING`, [
    object,
  ]);
  const result = await client.query<{ lease_owner: string | null; lease_epoch: string }>(
    `SELECT lease_owner, lease_epoch::text FROM ferry.cursors WHERE object = $1 FOR UPDATE`,
    [object],
  );
  const row = result.rows[0];
  if (lease && (row?.lease_owner !== lease.owner || row.lease_epoch !== lease.epoch)) {
    throw new UnrecoverableError(
      `The cursor lease of ${object} held by ${lease.owner} (epoch ${lease.epoch}) was taken over by ` +
        `${row?.lease_owner ?? 'nobody'} (epoch ${row?.lease_epoch ?? '?'}); this worker's batch was not applied`,
      {
        code: 'CURSOR_LEASE_LOST',
        hint: 'Stop this worker: another one now syncs the object. Its batches are re-read by the new holder.',
      },
    );
  }
}

/** Moves the cursor (the row must be locked by lockCursor in the same transaction). */
export async function saveCursor(client: ClientBase, object: string, cursor: Cursor): Promise<void> {
  await client.query(
    `UPDATE ferry.cursors SET systemmodstamp = $2::timestamptz, sfid = $3, updated_at = now() WHERE object = $1`,
    [object, cursor.systemModstamp, cursor.id],
  );
}
