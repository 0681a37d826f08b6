import type { Pool } from 'pg';
import { readCursor } from '../materialize/index.js';
import { qualify } from '../store/index.js';
import { writeCounts, type TableWriteCounts } from '../writeback/results-queries.js';
import { readWriterStatus, type WriterStatus } from '../writeback/writer-state.js';
import { readObjectStates, type ObjectPhase } from './object-state.js';

/** What `ferry status` shows; no secrets (nothing here comes from the org settings). */
export interface ObjectStatus {
  readonly object: string;
  readonly state: ObjectPhase;
  readonly table: string;
  /** Live rows of the mirror table (delta mode: change rows); null if the table is missing. */
  readonly rows: number | null;
  readonly cursor: { readonly systemModstamp: string | null; readonly id: string | null } | null;
  readonly lastPollAt: string | null;
  /** Seconds since the last completed poll (how stale the mirror may be); null before any poll. */
  readonly lagSeconds: number | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  readonly nextAttemptAt: string | null;
}

export interface RunStatus {
  readonly id: string;
  readonly state: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly records: number;
  readonly warning: string | null;
  readonly error: string | null;
}

export interface SyncStatus {
  readonly objects: readonly ObjectStatus[];
  /** Daily API requests used of the org's limit, as last seen by a sync run. */
  readonly api: {
    readonly used: number;
    readonly max: number;
    readonly share: number;
    readonly at: string;
  } | null;
  readonly lastRun: RunStatus | null;
  /** Write-back: changes waiting / failed per mirror table, and the writer of each org. */
  readonly writes: {
    readonly tables: readonly (TableWriteCounts & { readonly schema: string })[];
    readonly writers: readonly WriterStatus[];
  };
}

export async function readStatus(pool: Pool): Promise<SyncStatus> {
  const now = Date.now();
  const objects: ObjectStatus[] = [];
  for (const s of await readObjectStates(pool)) {
    const cursor = await readCursor(pool, s.object);
    objects.push({
      object: s.object,
      state: s.phase,
      table: `${s.schemaName}.${s.tableName}`,
      rows: await rowCount(pool, s.schemaName, s.tableName),
      cursor: cursor ? { systemModstamp: cursor.systemModstamp, id: cursor.id } : null,
      lastPollAt: s.lastPollAt?.toISOString() ?? null,
      lagSeconds: s.lastPollAt ? Math.max(0, Math.round((now - s.lastPollAt.getTime()) / 1000)) : null,
      lastError: s.lastError,
      lastErrorAt: s.lastErrorAt?.toISOString() ?? null,
      nextAttemptAt: s.nextAttemptAt?.toISOString() ?? null,
    });
  }
  const runs = await pool.query<{
    id: string;
    state: string;
    started_at: Date;
    ended_at: Date | null;
    records: string;
    warning: string | null;
    error: string | null;
  }>(
    `SELECT id, state, started_at, ended_at, records::text, warning, error FROM ferry.runs
     WHERE kind = 'sync' ORDER BY started_at DESC, id DESC LIMIT 1`,
  );
  const run = runs.rows[0];
  const usage = await pool.query<{ api_used: number; api_max: number; ended_at: Date }>(
    `SELECT api_used, api_max, coalesce(ended_at, started_at) AS ended_at FROM ferry.runs
     WHERE kind = 'sync' AND api_used IS NOT NULL AND api_max > 0 ORDER BY started_at DESC LIMIT 1`,
  );
  const u = usage.rows[0];
  const schemas = new Set(objects.map((o) => o.table.split('.')[0]!));
  const tables: (TableWriteCounts & { schema: string })[] = [];
  for (const schema of schemas) {
    for (const t of await writeCounts(pool, schema)) tables.push({ schema, ...t });
  }
  return {
    writes: { tables, writers: await readWriterStatus(pool) },
    objects,
    api: u
      ? { used: u.api_used, max: u.api_max, share: u.api_used / u.api_max, at: u.ended_at.toISOString() }
      : null,
    lastRun: run
      ? {
          id: run.id,
          state: run.state,
          startedAt: run.started_at.toISOString(),
          endedAt: run.ended_at?.toISOString() ?? null,
          records: Number(run.records),
          warning: run.warning,
          error: run.error,
        }
      : null,
  };
}

async function rowCount(pool: Pool, schema: string, table: string): Promise<number | null> {
  const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [
    qualify(schema, table),
  ]);
  if (!exists.rows[0]?.t) return null;
  const hasDeleted = await pool.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = 'isdeleted'`,
    [schema, table],
  );
  const result = await pool.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${qualify(schema, table)}${hasDeleted.rowCount ? ' WHERE isdeleted IS NOT TRUE' : ''}`,
  );
  return Number(result.rows[0]?.n ?? 0);
}

/** A fixed-width table of the status for people. */
export function formatStatus(status: SyncStatus): string {
  const header = ['OBJECT', 'STATE', 'ROWS', 'CURSOR', 'LAST POLL', 'LAG', 'LAST ERROR'];
  const rows = status.objects.map((o) => [
    o.object,
    o.state,
    o.rows === null ? '-' : String(o.rows),
    o.cursor?.systemModstamp ?? (o.cursor?.id ? `Id > ${o.cursor.id}` : '-'),
    o.lastPollAt ?? '-',
    o.lagSeconds === null ? '-' : `${o.lagSeconds}s`,
    o.lastError ? o.lastError.slice(0, 80) : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  if (status.objects.length === 0) out.push('(no objects synced yet: run ferry sync)');
  out.push('');
  out.push(
    status.api
      ? `API usage: ${status.api.used} of ${status.api.max} daily requests (${Math.round(status.api.share * 100)}%) as of ${status.api.at}`
      : 'API usage: unknown (no sync run yet)',
  );
  if (status.lastRun) {
    const r = status.lastRun;
    out.push(`Last run: ${r.id} ${r.state}, ${r.records} records, started ${r.startedAt}`);
    if (r.warning) out.push(`Warning: ${r.warning}`);
    if (r.error) out.push(`Errors: ${r.error}`);
  }
  const { tables, writers } = status.writes;
  if (tables.length > 0 || writers.length > 0) {
    out.push('');
    for (const w of writers) {
      const state = WRITER_STATES[w.state] ?? w.state;
      out.push(
        `Writer: ${state}${w.detail ? ` (${w.detail.slice(0, 80)})` : ''}${w.pid !== null && w.state !== 'not-running' ? `, process ${w.pid}` : ''}, since ${w.updatedAt}`,
      );
    }
    for (const t of tables) {
      out.push(
        `Writes to ${t.schema}.${t.table}: ${t.pending} pending, ${t.failed} failed${t.failed > 0 ? ' (ferry writes --state FAILED)' : ''}`,
      );
    }
  }
  return out.join('\n') + '\n';
}

const WRITER_STATES: Readonly<Record<string, string>> = {
  idle: 'idle',
  writing: 'writing',
  'waiting-for-salesforce': 'waiting for Salesforce',
  stopped: 'stopped',
  'not-running': 'not running',
};
