import type { ClientBase } from 'pg';
import { VERSION_STAGE_TABLE } from '../history/version-stage.js';
import { changedSinceReadSql } from '../materialize/changed-since-read.js';
import { RELATIONSHIP_SEPARATOR } from '../materialize/relationship-columns.js';
import { qualify, quoteIdent } from '../store/index.js';
import { TRIGGER_LOG_TABLE } from './trigger-log-ddl.js';

/**
 * A captured Salesforce version never overwrites a mirror field that has an unsent local change
 * (DESIGN.md "Correctness rules"; docs/write-back.md "Conflicts"). The materializer's merge calls
 * `guardPendingWrites` before its upsert; when the table has NEW or PENDING trigger-log rows for
 * records of the batch — or FAILED ones whose refused values the rows still hold — the guard
 *
 * - keeps out versions of records deleted locally with the DELETE not yet sent (no revived delete);
 * - finds the fields changed on both sides (Salesforce's value differs from the local one AND from
 *   every value the record's waiting or refused changes of the field set or replaced — the log rows'
 *   `values` and `old`: a version equal to one of those is Salesforce not having changed the field,
 *   e.g. our own earlier write read back, one that landed unacknowledged, or the value before a
 *   change Salesforce refused) and records each in
 *   `ferry.write_conflicts` with what the policy decided;
 * - `restore()`, after the upsert, puts the local value of every pending field back (and the row's
 *   `PENDING` status), except fields the `salesforce-wins` policy gave to Salesforce: those are
 *   dropped from the NEW log rows (a row left with nothing to send becomes IGNORED).
 *
 * A table without pending changes costs two index lookups and the merge runs as before.
 */

export type ConflictPolicy = 'postgres-wins' | 'salesforce-wins';
export const DEFAULT_CONFLICT_POLICY: ConflictPolicy = 'postgres-wins';

const FIELDS = quoteIdent('_ferry_write_guard_fields');
const ROWS = quoteIdent('_ferry_write_guard_rows');
const SKIP = quoteIdent('_ferry_write_guard_skip');

export interface GuardInput {
  readonly schema: string;
  readonly table: string;
  /** Mirror column names the merge writes from the stage (not systemmodstamp / isdeleted). */
  readonly columns: readonly string[];
  /** The typed value of each column, over the stage alias `s` and `fromRecord('s')`. */
  readonly values: readonly string[];
  readonly fromRecord: (alias: string) => string;
  /**
   * The snapshot taken before the batch was read (ChangeBatch.readSnapshot): rows changed since are
   * left out of the merge, so they are not the guard's either.
   */
  readonly readSnapshot?: string;
}

export interface WriteGuard {
  /** A condition on a stage alias: false for versions of records with an unsent local DELETE. */
  keep(alias: string): string;
  /** After the upsert: local values of pending fields (and their PENDING status) back in place. */
  restore(client: ClientBase): Promise<void>;
}

/** The guard for this batch, or null when no staged record has an unsent local change. */
export async function guardPendingWrites(client: ClientBase, input: GuardInput): Promise<WriteGuard | null> {
  const { schema, table } = input;
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const present = await client.query<{ log: string | null }>('SELECT to_regclass($1)::text AS log', [log]);
  if (!present.rows[0]?.log) return null;
  const pending = await client.query(
    `SELECT 1 FROM ${log} WHERE state IN ('NEW', 'PENDING', 'FAILED') AND table_name = $1 LIMIT 1`,
    [table],
  );
  if (pending.rowCount === 0) return null;

  const mirror = qualify(schema, table);
  await client.query(`DROP TABLE IF EXISTS pg_temp.${FIELDS}, pg_temp.${ROWS}, pg_temp.${SKIP}`);
  // Per record and field with an unsent change: the newest log row touching it, whether one is being
  // sent, every value the record's waiting or refused changes of the field set or replaced (a
  // version holding one of them is not Salesforce changing the field: see recordConflicts), and
  // whether one of them set a lookup through its relationship column (`accountid__r__ferry_id__c`).
  //
  // A change Salesforce refused (FAILED) holds the field while the row still has the refused value:
  // the user has not changed the field since, nor ignored the change (IGNORED), so it waits for them
  // to fix and retry it, and the row keeps showing what was refused. Once they change the field
  // again, the refused value is no longer theirs to keep (a later successful write would otherwise
  // leave the field held with nothing left to send it), but what it replaced is still what
  // Salesforce has, unless Salesforce changed it.
  const holds = `(l.state <> 'FAILED' OR (to_jsonb(m) -> e.key) IS NOT DISTINCT FROM (l."values" -> e.key))`;
  await client.query(
    `CREATE TEMPORARY TABLE ${FIELDS} ON COMMIT DROP AS
     SELECT m.id AS record_id, m.sfid, e.key AS field, max(l.id) FILTER (WHERE ${holds}) AS log_id,
            bool_or(l.state = 'PENDING') AS in_flight,
            array_agg(l."values" -> e.key) || coalesce(array_agg(l.old -> e.key) FILTER (WHERE l.old ? e.key), '{}')
              AS known_values,
            bool_or(EXISTS (
              SELECT FROM jsonb_object_keys(coalesce(l."values", '{}'::jsonb) || coalesce(l.old, '{}'::jsonb)) AS r(key)
              WHERE starts_with(r.key, e.key || ${literal(RELATIONSHIP_SEPARATOR)})
            )) AS by_relationship
     FROM ${log} l
     JOIN ${mirror} m ON m.id = l.record_id
     CROSS JOIN LATERAL jsonb_object_keys(coalesce(l."values", '{}'::jsonb)) AS e(key)
     WHERE l.state IN ('NEW', 'PENDING', 'FAILED') AND l.table_name = $1 AND l.action IN ('INSERT', 'UPDATE')
       AND m.sfid IN (SELECT sfid FROM ${VERSION_STAGE_TABLE} WHERE NOT tombstone)${input.readSnapshot === undefined ? '' : `\n       AND NOT ${changedSinceReadSql('m.xmin', '$2::txid_snapshot')}`}
     GROUP BY m.id, m.sfid, e.key
     HAVING bool_or(${holds})`,
    input.readSnapshot === undefined ? [table] : [table, input.readSnapshot],
  );
  await client.query(
    `CREATE TEMPORARY TABLE ${SKIP} ON COMMIT DROP AS
     SELECT DISTINCT l.sfid FROM ${log} l
     WHERE l.state IN ('NEW', 'PENDING') AND l.table_name = $1 AND l.action = 'DELETE' AND l.sfid IS NOT NULL
       AND l.sfid IN (SELECT sfid FROM ${VERSION_STAGE_TABLE} WHERE NOT tombstone)`,
    [table],
  );
  const counts = await client.query<{ fields: string; skip: string }>(
    `SELECT (SELECT count(*) FROM ${FIELDS})::text AS fields, (SELECT count(*) FROM ${SKIP})::text AS skip`,
  );
  const fields = Number(counts.rows[0]?.fields ?? 0);
  const skip = Number(counts.rows[0]?.skip ?? 0);
  if (fields === 0 && skip === 0) return null;

  if (fields > 0) {
    const policy = await conflictPolicyOf(client, schema);
    await recordConflicts(client, input, policy);
    // The rows as they are before the upsert: what restore() puts back.
    await client.query(
      `CREATE TEMPORARY TABLE ${ROWS} ON COMMIT DROP AS
       SELECT m.* FROM ${mirror} m WHERE m.id IN (SELECT record_id FROM ${FIELDS})`,
    );
  }

  return {
    keep: (alias) =>
      skip === 0 ? 'true' : `NOT EXISTS (SELECT 1 FROM pg_temp.${SKIP} k WHERE k.sfid = ${alias}.sfid)`,
    restore: async (c) => {
      if (fields === 0 || input.columns.length === 0) return;
      const cols = input.columns.map(quoteIdent);
      const restored = input.columns.map(
        (col, i) => `CASE WHEN f.fields @> ARRAY[${literal(col)}] THEN r.${cols[i]} ELSE t.${cols[i]} END`,
      );
      await c.query(
        `UPDATE ${mirror} AS t SET
           ${cols.map((c2, i) => `${c2} = ${restored[i]}`).join(',\n           ')},
           _hc_lastop = r._hc_lastop, _hc_err = r._hc_err
         FROM pg_temp.${ROWS} r
         JOIN (SELECT record_id, array_agg(field) AS fields FROM pg_temp.${FIELDS} GROUP BY record_id) f
           ON f.record_id = r.id
         WHERE t.id = r.id
           AND (${cols.map((c2) => `t.${c2}`).join(', ')}, t._hc_lastop, t._hc_err)
               IS DISTINCT FROM (${restored.join(', ')}, r._hc_lastop, r._hc_err)${
                 // A row changed since the read began (the writer recording a result, say): the upsert
                 // left it alone, and so must this, or it would put the _hc_lastop of before back.
                 input.readSnapshot === undefined
                   ? ''
                   : `\n           AND NOT ${changedSinceReadSql('t.xmin', '$1::txid_snapshot')}`
               }`,
        input.readSnapshot === undefined ? [] : [input.readSnapshot],
      );
    },
  };
}

/**
 * Finds the fields changed on both sides in the latest staged version of each record, records them,
 * and applies `salesforce-wins` where it may (a change already being sent cannot be taken back: the
 * local value wins there whatever the policy).
 */
async function recordConflicts(client: ClientBase, input: GuardInput, policy: ConflictPolicy): Promise<void> {
  const { schema, table } = input;
  const mirror = qualify(schema, table);
  const log = qualify(schema, TRIGGER_LOG_TABLE);
  const carried = input.columns.map((c, i) => `${input.values[i]} AS ${quoteIdent(c)}`);
  const versions = `SELECT DISTINCT ON (s.sfid) s.sfid, s.systemmodstamp AT TIME ZONE 'UTC' AS ferry_modstamp
       ${carried.map((c) => `, ${c}`).join('')}
     FROM ${VERSION_STAGE_TABLE} s${input.fromRecord('s')}
     WHERE NOT s.tombstone AND s.op <> 'delete' AND s.sfid IN (SELECT sfid FROM pg_temp.${FIELDS})
     ORDER BY s.sfid, s.systemmodstamp DESC NULLS LAST, s.ord DESC`;
  const { rows } = await client.query<{ record_id: number; field: string; resolution: string }>(
    `WITH v AS (${versions}),
     found AS (
       SELECT g.record_id, g.sfid, g.field, g.log_id, g.in_flight, to_jsonb(m) -> g.field AS local_value,
              to_jsonb(v) -> g.field AS salesforce_value, v.ferry_modstamp
       FROM pg_temp.${FIELDS} g
       JOIN ${mirror} m ON m.id = g.record_id
       JOIN v ON v.sfid = g.sfid
       WHERE to_jsonb(v) ? g.field
         AND (m.systemmodstamp IS NULL OR v.ferry_modstamp IS NULL OR v.ferry_modstamp >= m.systemmodstamp)
         AND (to_jsonb(v) -> g.field) IS DISTINCT FROM (to_jsonb(m) -> g.field)
         -- A value one of the record's changes set or replaced is no change made in Salesforce: the
         -- value before them (Salesforce's own, also when one of them was refused), or one of ours
         -- read back — a write that landed but whose answer never came (the connection dropped, the
         -- writer stopped) is still NEW.
         AND NOT ((to_jsonb(v) -> g.field) = ANY (g.known_values))
         -- A lookup one of the changes set through its relationship column (a parent named by
         -- external id): Salesforce's Id for it is our change too, which the log cannot tell.
         AND NOT g.by_relationship
     )
     INSERT INTO ferry.write_conflicts (schema_name, table_name, record_id, sfid, field, log_id, local_value,
       salesforce_value, systemmodstamp, policy, resolution)
     SELECT $1, $2, record_id, sfid, field, log_id, local_value, salesforce_value, ferry_modstamp, $3,
            CASE WHEN $3 = 'salesforce-wins' AND NOT in_flight THEN 'took-salesforce' ELSE 'kept-local' END
     FROM found
     RETURNING record_id, field, resolution`,
    [schema, table, policy],
  );
  const taken = rows.filter((r) => r.resolution === 'took-salesforce');
  if (taken.length === 0) return;
  const ids = taken.map((r) => r.record_id);
  const names = taken.map((r) => r.field);
  // Salesforce's value stays (not restored) and is no longer sent.
  await client.query(
    `DELETE FROM pg_temp.${FIELDS} g USING unnest($1::int[], $2::text[]) AS x(record_id, field)
     WHERE g.record_id = x.record_id AND g.field = x.field`,
    [ids, names],
  );
  await client.query(
    `UPDATE ${log} l SET "values" = l."values" - x.field, old = CASE WHEN l.old IS NULL THEN NULL ELSE l.old - x.field END,
            updated_at = now()
     FROM unnest($1::int[], $2::text[]) AS x(record_id, field)
     WHERE l.state = 'NEW' AND l.table_name = $3 AND l.record_id = x.record_id AND l."values" ? x.field`,
    [ids, names, table],
  );
  await client.query(
    `UPDATE ${log} SET state = 'IGNORED', processed_at = now(), processed_tx = txid_current(), updated_at = now(),
            sf_message = 'every change was superseded by Salesforce (conflict policy salesforce-wins)'
     WHERE state = 'NEW' AND table_name = $1 AND action = 'UPDATE' AND record_id = ANY ($2::int[])
       AND "values" = '{}'::jsonb`,
    [table, ids],
  );
}

/** The mirror schema's conflict policy as the sync last configured it (setConflictPolicy). */
export async function conflictPolicyOf(client: ClientBase, schema: string): Promise<ConflictPolicy> {
  const { rows } = await client.query<{ conflict_policy: ConflictPolicy }>(
    'SELECT conflict_policy FROM ferry.write_settings WHERE schema_name = $1',
    [schema],
  );
  return rows[0]?.conflict_policy ?? DEFAULT_CONFLICT_POLICY;
}

/**
 * Records the policy of a mirror schema (the sync does at the start of each cycle), so every process
 * applying versions to it — sync, backfills — decides conflicts alike. Writes nothing when unchanged.
 */
export async function setConflictPolicy(
  client: Pick<ClientBase, 'query'>,
  schema: string,
  policy: ConflictPolicy,
): Promise<void> {
  await client.query(
    `INSERT INTO ferry.write_settings (schema_name, conflict_policy) VALUES ($1, $2)
     ON CONFLICT (schema_name) DO UPDATE SET conflict_policy = EXCLUDED.conflict_policy, updated_at = now()
     WHERE ferry.write_settings.conflict_policy IS DISTINCT FROM EXCLUDED.conflict_policy`,
    [schema, policy],
  );
}

/** A column name as an SQL string literal (names are lower-case identifiers; quotes doubled anyway). */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
