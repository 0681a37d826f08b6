import type { Pool } from 'pg';
import { advisoryLockKey } from '../store/index.js';

/**
 * The writer's state as `ferry status` shows it: the process holding the writer lock records it in
 * ferry.writer_state; whether the lock is held at all comes from pg_locks (a writer that died leaves
 * its last state behind, but not its lock).
 */
export type WriterState = 'idle' | 'writing' | 'waiting-for-salesforce' | 'stopped' | 'lock-held-elsewhere';

export async function setWriterState(
  pool: Pool,
  lockName: string,
  state: WriterState,
  detail: string | null,
): Promise<void> {
  if (state === 'lock-held-elsewhere') return; // the holder's row says what it does
  await pool.query(
    `INSERT INTO ferry.writer_state (lock_name, state, pid, detail, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (lock_name) DO UPDATE SET state = EXCLUDED.state, pid = EXCLUDED.pid,
       detail = EXCLUDED.detail, updated_at = now()`,
    [lockName, state, process.pid, detail],
  );
}

export interface WriterStatus {
  readonly lockName: string;
  /** What the writer last recorded; `not-running` when no process holds the writer lock. */
  readonly state: WriterState | 'not-running';
  readonly pid: number | null;
  readonly detail: string | null;
  readonly updatedAt: string;
}

export async function readWriterStatus(pool: Pool): Promise<WriterStatus[]> {
  const { rows } = await pool.query<{
    lock_name: string;
    state: WriterState;
    pid: number | null;
    detail: string | null;
    updated_at: Date;
  }>('SELECT lock_name, state, pid, detail, updated_at FROM ferry.writer_state ORDER BY lock_name');
  const out: WriterStatus[] = [];
  for (const r of rows) {
    out.push({
      lockName: r.lock_name,
      state: (await lockHeld(pool, r.lock_name)) ? r.state : 'not-running',
      pid: r.pid,
      detail: r.detail,
      updatedAt: r.updated_at.toISOString(),
    });
  }
  return out;
}

/** Whether some session holds the advisory lock (pg_advisory_lock(bigint) shows as classid/objid). */
async function lockHeld(pool: Pool, name: string): Promise<boolean> {
  const key = advisoryLockKey(name);
  const { rows } = await pool.query<{ held: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
         AND classid = (($1::bigint >> 32) & x'FFFFFFFF'::bigint)::bigint::oid
         AND objid = ($1::bigint & x'FFFFFFFF'::bigint)::bigint::oid
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
     ) AS held`,
    [key.toString()],
  );
  return rows[0]?.held === true;
}
