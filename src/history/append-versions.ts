import type { ClientBase } from 'pg';
import type { ChangeBatch } from '../core/change-batch.js';
import { isFerryError } from '../errors/index.js';
import { wrapPgError } from '../store/index.js';
import { CONTENT_HASH_SQL } from './content-hash.js';
import { VERSION_STAGE_TABLE, stageVersions } from './version-stage.js';

export interface AppendOptions {
  /** The batch is already in the version stage (stageVersions ran on this client for it). */
  readonly staged?: boolean | undefined;
}

/**
 * Appends a change batch to ferry.record_versions, set-based: the batch is staged (one COPY, see
 * version-stage.ts) and ONE INSERT ... SELECT keeps only the versions that differ from the version
 * before them — the newest stored version of the record for the first version of a record in the
 * batch, the previous version in the batch for the others. Re-reading unchanged records (the poll's
 * overlap window, a backfill) therefore stores nothing. Content hashes are computed in Postgres
 * (content-hash.ts).
 *
 * A tombstone following a version that is already a deletion is not stored either (the same delete
 * seen through queryAll and getDeleted). Records of a batch come before its tombstones.
 *
 * A partial batch (ChangeBatch.partial: a formula refresh reads only Id + formula fields) has each
 * record merged over the newest stored version of the record (jsonb `||`: the fields read win), so
 * every stored version stays whole. Records without a stored upsert version are stored as read.
 *
 * Run it inside the caller's transaction (applyChangeBatch does), which must also keep other writers
 * of the same object out (the cursor row lock does): two concurrent appends could both store a version.
 */
export async function appendVersions(
  client: ClientBase,
  batch: ChangeBatch,
  options: AppendOptions = {},
): Promise<number> {
  if (batch.records.length === 0 && batch.tombstones.length === 0) return 0;
  try {
    if (options.staged !== true) await stageVersions(client, batch);
    const result = await client.query(batch.partial === true ? INSERT_PARTIAL : INSERT_WHOLE, [
      batch.object,
      batch.source,
      batch.runId,
    ]);
    return result.rowCount ?? 0;
  } catch (err) {
    if (isFerryError(err)) throw err;
    throw wrapPgError(`Could not store the ${batch.object} versions of run ${batch.runId}`, err);
  }
}

/** The newest stored version of the record of the row `alias` when `when` holds, as a LATERAL subquery. */
function newest(alias: string, when = 'true'): string {
  return `LATERAL (
    SELECT v.content_hash, v.op, v.fields FROM ferry.record_versions v
    WHERE ${when} AND v.object = $1 AND v.sfid = ${alias}.sfid
    ORDER BY v.id DESC LIMIT 1
  )`;
}

// The newest stored version is looked up only for the first staged version of each record; later
// ones compare with the staged version before them (lag), whether or not that one is stored: a
// skipped version equals the newest one, so the comparison is the same.
function insertChanged(contentSql: string): string {
  return `
WITH content AS (${contentSql}
), staged AS (
  SELECT h.*, row_number() OVER w AS nth, lag(h.content_hash) OVER w AS prev_hash, lag(h.op) OVER w AS prev_op
  FROM content h
  WINDOW w AS (PARTITION BY h.sfid ORDER BY h.ord)
), compared AS (
  SELECT st.*,
         CASE WHEN st.nth = 1 THEN newest.content_hash ELSE st.prev_hash END AS before_hash,
         CASE WHEN st.nth = 1 THEN newest.op ELSE st.prev_op END AS before_op
  FROM staged st
  LEFT JOIN ${newest('st', 'st.nth = 1')} newest ON true
)
INSERT INTO ferry.record_versions (object, sfid, systemmodstamp, captured_at, op, fields, content_hash, source, run_id)
SELECT $1, c.sfid, coalesce(c.systemmodstamp, now()), now(), c.op, c.fields, c.content_hash, $2, $3
FROM compared c
WHERE c.content_hash IS DISTINCT FROM c.before_hash
  AND NOT (c.tombstone AND c.before_op IS NOT DISTINCT FROM 'delete')
ORDER BY c.ord`;
}

// Whole records: the stage computed each row's hash as it was filled.
const INSERT_WHOLE = insertChanged(`
  SELECT s.ord, s.sfid, s.systemmodstamp, s.op, s.fields, s.tombstone, s.content_hash
  FROM ${VERSION_STAGE_TABLE} s`);

// Partial records: hashed once merged over the newest stored version.
const INSERT_PARTIAL = insertChanged(`
  SELECT m.*, ${CONTENT_HASH_SQL('m.op', 'm.fields')} AS content_hash FROM (
    SELECT s.ord, s.sfid, s.systemmodstamp, s.op, s.tombstone,
           CASE WHEN base.op = 'upsert' THEN base.fields || s.fields ELSE s.fields END AS fields
    FROM ${VERSION_STAGE_TABLE} s LEFT JOIN ${newest('s')} base ON true
  ) m`);
