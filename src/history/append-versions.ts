import type { ClientBase } from 'pg';
import type { ChangeBatch, FieldValue } from '../core/change-batch.js';
import { isFerryError } from '../errors/index.js';
import { copyRows, qualify, quoteIdent, wrapPgError } from '../store/index.js';
import { contentHash, type VersionOp } from './content-hash.js';

/**
 * Appends a change batch to ferry.record_versions, set-based: the batch is COPYed into a temporary
 * staging table, and ONE INSERT ... SELECT keeps only the versions that differ from the version
 * before them — the newest stored version of the record for the first version of a record in the
 * batch, the previous version in the batch for the others. Re-reading unchanged records (the poll's
 * overlap window, a backfill) therefore stores nothing.
 *
 * A tombstone following a version that is already a deletion is not stored either (the same delete
 * seen through queryAll and getDeleted). Records of a batch come before its tombstones.
 *
 * Run it inside the caller's transaction (applyChangeBatch does), which must also keep other writers
 * of the same object out (the cursor row lock does): two concurrent appends could both store a version.
 */
export async function appendVersions(client: ClientBase, batch: ChangeBatch): Promise<number> {
  if (batch.records.length === 0 && batch.tombstones.length === 0) return 0;
  try {
    await client.query(`DROP TABLE IF EXISTS ${STAGE_TABLE}`);
    await client.query(
      `CREATE TEMPORARY TABLE ${quoteIdent(STAGE)} (ord integer NOT NULL, sfid varchar(18) NOT NULL,
         systemmodstamp timestamptz, op text NOT NULL, fields jsonb NOT NULL, content_hash bytea NOT NULL,
         tombstone boolean NOT NULL)`,
    );
    const base = batch.partial === true ? await latestFields(client, batch) : undefined;
    await copyRows(client, STAGE, STAGE_COLUMNS, stagedRows(batch, base));
    const result = await client.query(INSERT_CHANGED, [batch.object, batch.source, batch.runId]);
    await client.query(`DROP TABLE ${STAGE_TABLE}`);
    return result.rowCount ?? 0;
  } catch (err) {
    if (isFerryError(err)) throw err;
    throw wrapPgError(`Could not store the ${batch.object} versions of run ${batch.runId}`, err);
  }
}

const STAGE = '_ferry_version_stage';
const STAGE_TABLE = qualify('pg_temp', STAGE);
const STAGE_COLUMNS = ['ord', 'sfid', 'systemmodstamp', 'op', 'fields', 'content_hash', 'tombstone'];

type Fields = Readonly<Record<string, FieldValue>>;

/**
 * A partial batch (a formula refresh reads only Id + formula fields): each of its records is merged over the newest
 * stored version of the record (jsonb `||`: the refreshed fields win) so every stored version stays
 * whole. Records without a stored upsert version are stored as read.
 */
async function latestFields(client: ClientBase, batch: ChangeBatch): Promise<Map<string, Fields>> {
  const result = await client.query<{ sfid: string; fields: Fields }>(
    `SELECT DISTINCT ON (sfid) sfid, op, fields FROM ferry.record_versions
     WHERE object = $1 AND sfid = ANY($2::varchar[]) ORDER BY sfid, id DESC`,
    [batch.object, batch.records.map((r) => r.sfid)],
  );
  const latest = new Map<string, Fields>();
  for (const row of result.rows as { sfid: string; op: string; fields: Fields }[]) {
    if (row.op === 'upsert') latest.set(row.sfid, row.fields);
  }
  return latest;
}

function* stagedRows(batch: ChangeBatch, base?: Map<string, Fields>): Generator<unknown[]> {
  let ord = 0;
  for (const r of batch.records) {
    const op: VersionOp = r.isDeleted ? 'delete' : 'upsert';
    const before = base?.get(r.sfid);
    const fields: Fields = before ? { ...before, ...r.fields } : r.fields;
    yield [ord++, r.sfid, r.systemModstamp, op, fields, contentHash(op, fields), false];
  }
  const none: Readonly<Record<string, FieldValue>> = {};
  for (const t of batch.tombstones) {
    yield [ord++, t.sfid, t.deletedAt, 'delete', none, contentHash('delete', none), true];
  }
}

// The newest stored version is looked up only for the first staged version of each record; later
// ones compare with the staged version before them (lag), whether or not that one is stored: a
// skipped version equals the newest one, so the comparison is the same.
const INSERT_CHANGED = `
WITH staged AS (
  SELECT s.*, row_number() OVER w AS nth, lag(s.content_hash) OVER w AS prev_hash, lag(s.op) OVER w AS prev_op
  FROM ${STAGE_TABLE} s
  WINDOW w AS (PARTITION BY s.sfid ORDER BY s.ord)
), compared AS (
  SELECT st.*,
         CASE WHEN st.nth = 1 THEN newest.content_hash ELSE st.prev_hash END AS before_hash,
         CASE WHEN st.nth = 1 THEN newest.op ELSE st.prev_op END AS before_op
  FROM staged st
  LEFT JOIN LATERAL (
    SELECT v.content_hash, v.op FROM ferry.record_versions v
    WHERE st.nth = 1 AND v.object = $1 AND v.sfid = st.sfid
    ORDER BY v.id DESC LIMIT 1
  ) newest ON true
)
INSERT INTO ferry.record_versions (object, sfid, systemmodstamp, captured_at, op, fields, content_hash, source, run_id)
SELECT $1, c.sfid, coalesce(c.systemmodstamp, now()), now(), c.op, c.fields, c.content_hash, $2, $3
FROM compared c
WHERE c.content_hash IS DISTINCT FROM c.before_hash
  AND NOT (c.tombstone AND c.before_op IS NOT DISTINCT FROM 'delete')
ORDER BY c.ord`;
