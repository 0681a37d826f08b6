import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

/**
 * How a run ended (ferry.runs.state, migration 0004_run_outcomes.sql): `partial` = some objects
 * failed (listed in `error`) while the others were synced; `failed` = the run as a whole failed.
 */
export type RunState = 'succeeded' | 'partial' | 'failed' | 'cancelled';

/** ferry.runs rows of sync cycles: started, then ended with counts, API usage and any warning. */
export interface RunEnd {
  readonly state: RunState;
  readonly records: number;
  readonly apiUsed: number | null;
  readonly apiMax: number | null;
  readonly warning: string | null;
  readonly error: string | null;
}

export function newRunId(kind: string): string {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15);
  return `${kind}-${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function startRun(pool: Pool, kind: string): Promise<string> {
  const id = newRunId(kind);
  await pool.query(`INSERT INTO ferry.runs (id, kind) VALUES ($1, $2)`, [id, kind]);
  return id;
}

export async function endRun(pool: Pool, id: string, end: RunEnd): Promise<void> {
  await pool.query(
    `UPDATE ferry.runs SET state = $2, ended_at = now(), records = $3, api_used = $4, api_max = $5,
       warning = $6, error = $7 WHERE id = $1`,
    [id, end.state, end.records, end.apiUsed, end.apiMax, end.warning, end.error],
  );
}
