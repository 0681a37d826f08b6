import type { ClientBase } from 'pg';
import type { ChangeBatch } from '../core/change-batch.js';
import { copyRows, qualify, quoteIdent } from '../store/index.js';
import { CONTENT_HASH_SQL } from './content-hash.js';

/**
 * A change batch as rows of a temporary table — `(ord, sfid, systemmodstamp, op, fields jsonb,
 * tombstone)` plus the content hash Postgres computes as the rows arrive, records first, then
 * tombstones — filled with ONE COPY. It is the only place a batch
 * is encoded for Postgres: history computes content hashes from it and materialize types the mirror
 * columns from the same jsonb (jsonb_to_record), so the batch crosses the wire once and all the
 * per-value work runs in Postgres's C code rather than in the single-threaded capture process.
 *
 * The table lives until the next staging on the same connection (or the session's end): history and
 * materialize read it within the caller's transaction.
 */
export const VERSION_STAGE = '_ferry_version_stage';
/** Quoted, for SQL text. */
export const VERSION_STAGE_TABLE = qualify('pg_temp', VERSION_STAGE);

const COLUMNS = ['ord', 'sfid', 'systemmodstamp', 'op', 'fields', 'tombstone'];
const NO_FIELDS = Object.freeze({});

/** Stages `batch`; returns the number of rows staged. */
export async function stageVersions(client: ClientBase, batch: ChangeBatch): Promise<number> {
  // For the rest of the transaction: the stage has no statistics, so the planner guesses it large
  // and JIT-compiles the history and mirror statements — more time than running them takes — and
  // the sorts by sfid spill to disk under the default work_mem.
  await client.query(`SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`);
  await client.query(`DROP TABLE IF EXISTS ${VERSION_STAGE_TABLE}`);
  await client.query(
    `CREATE TEMPORARY TABLE ${quoteIdent(VERSION_STAGE)} (ord integer NOT NULL, sfid varchar(18) NOT NULL,
       systemmodstamp timestamptz, op text NOT NULL, fields jsonb NOT NULL, tombstone boolean NOT NULL,
       content_hash bytea GENERATED ALWAYS AS (${CONTENT_HASH_SQL('op', 'fields')}) STORED)`,
  );
  return copyRows(client, VERSION_STAGE, COLUMNS, stagedRows(batch));
}

function* stagedRows(batch: ChangeBatch): Generator<unknown[]> {
  let ord = 0;
  for (const r of batch.records) {
    yield [ord++, r.sfid, r.systemModstamp, r.isDeleted ? 'delete' : 'upsert', r.fields, false];
  }
  for (const t of batch.tombstones) yield [ord++, t.sfid, t.deletedAt, 'delete', NO_FIELDS, true];
}
