import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fromDescribe } from '../../src/core/sobject-model.js';
import { ensureMirrorTable } from '../../src/materialize/index.js';
import { withTransaction } from '../../src/store/index.js';
import { recordOutcomes, setWriteAccess, type PlannedWrite } from '../../src/writeback/index.js';
import { claimLogRowsWith } from '../../src/writeback/results.js';
import { useTestDatabase } from '../support/database.js';

/**
 * Recording one collections call's answers must cost in proportion to that call, not to the plan:
 * the writer records each call while the next travels, so a recording that reads every waiting row
 * of the table makes a plan of n writes cost n²/200 index reads (it did: 60% of the writer's
 * Postgres time at 10,000 writes).
 */

const db = useTestDatabase();
const SCHEMA = 'salesforce';
const TABLE = 'invoice__c';
const MIRROR = `${SCHEMA}.${TABLE}`;
const ROWS = 3_000;

const invoice = fromDescribe({
  name: 'Invoice__c',
  custom: true,
  fields: [
    { name: 'Id', type: 'id', length: 18, nillable: false },
    { name: 'Name', type: 'string', length: 80, createable: true, updateable: true },
  ],
});

/**
 * One connection, for the recording and the statistics both: Postgres 15 flushes a session's
 * statistics when asked by that session (pg_stat_force_next_flush); others' come up to 10 s late.
 */
let session: pg.Pool;

afterEach(async () => {
  await session?.end();
});

beforeEach(async () => {
  session = new pg.Pool({ connectionString: db().url, max: 1 });
  await db().pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await withTransaction(db().pool, async (client) => {
    await ensureMirrorTable(client, invoice, { schema: SCHEMA });
    await setWriteAccess(client, SCHEMA, TABLE, 'read-write');
    await client.query(`SELECT set_config('ferry.sync', 'on', true)`);
    await client.query(
      `INSERT INTO ${MIRROR} (id, sfid, systemmodstamp, isdeleted, _hc_lastop, name)
       SELECT g, 'a01' || lpad(g::text, 15, '0'), '2024-05-01 10:00', false, 'SYNCED', 'Invoice ' || g
       FROM generate_series(1, ${ROWS}) g`,
    );
  });
});

/** Log rows read so far, by scans and through any index (statistics are flushed late: polled by the caller). */
async function logReads(): Promise<number> {
  // Not in a transaction block: the flush happens when the session goes idle.
  const { rows: version } = await session.query<{ v: string }>(
    `SELECT current_setting('server_version_num') AS v`,
  );
  if (Number(version[0]!.v) >= 150_000) await session.query('SELECT pg_stat_force_next_flush()');
  await session.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await session.query<{ n: string }>(
    `SELECT (t.seq_tup_read + (SELECT sum(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid))::text AS n
     FROM pg_stat_user_tables t WHERE t.schemaname = $1 AND t.relname = '_trigger_log'`,
    [SCHEMA],
  );
  return Number(rows[0]!.n);
}

it('recording a call’s outcomes reads the log rows of its own records, not every row of the plan', async () => {
  // A user's edit of every row, claimed by the writer as one plan (3,000 PENDING rows).
  await db().pool.query(`UPDATE ${MIRROR} SET name = name || ' (edited)'`);
  const { rows: logged } = await db().pool.query<{ id: string; record_id: number }>(
    `SELECT id::text, record_id FROM ${SCHEMA}._trigger_log ORDER BY id`,
  );
  expect(logged).toHaveLength(ROWS);
  await withTransaction(db().pool, (client) =>
    claimLogRowsWith(
      client,
      SCHEMA,
      logged.map((r) => r.id),
    ),
  );
  // As autovacuum would have it on a busy log: the planner knows how many rows wait.
  await db().pool.query(`ANALYZE ${SCHEMA}._trigger_log`);

  const first = logged.slice(0, 200).map((r) => ({
    write: {
      object: 'Invoice__c',
      table: TABLE,
      op: 'update',
      recordId: r.record_id,
      sfid: `a01${String(r.record_id).padStart(15, '0')}`,
      externalId: null,
      fields: {},
      logIds: [r.id],
    } satisfies PlannedWrite,
    ok: true as const,
    sfid: `a01${String(r.record_id).padStart(15, '0')}`,
  }));
  const before = await logReads();
  const recorded = await recordOutcomes(session, SCHEMA, first, { stillPlanned: () => false });
  expect(recorded).toEqual({ succeeded: 200, failed: 0 });
  // Poll until the recording's own reads (at least its 200 log rows) show.
  let after = await logReads();
  for (let waited = 0; after - before < 200 && waited < 5_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    after = await logReads();
  }
  const reads = after - before;
  expect(reads).toBeGreaterThanOrEqual(200);
  // A few probes per record (its log row by id, its waiting rows by record): 800 here. Reading every
  // waiting row of the table once more, as the recording did, is over 3,000.
  expect(reads).toBeLessThan(1_500);

  const { rows: states } = await db().pool.query<{ lastop: string; n: number }>(
    `SELECT _hc_lastop AS lastop, count(*)::int AS n FROM ${MIRROR} GROUP BY 1 ORDER BY 1`,
  );
  expect(states).toEqual([
    { lastop: 'PENDING', n: ROWS - 200 },
    { lastop: 'UPDATED', n: 200 },
  ]);
});
