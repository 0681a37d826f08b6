/**
 * The UUID external id every insert carries (DESIGN.md "Correctness rules": writes). Inserts are sent
 * as upserts on it, so a resend after a lost acknowledgement updates the record it already created
 * instead of creating a second one. The UUID is kept in the mirror row's external-id column
 * (`ferry_id__c`): a row that has one keeps it (an application may set its own), a row without one
 * gets `crypto.randomUUID()` written BEFORE the insert is sent — and that write must commit before
 * sending, so a resend after a crash finds the same value (see write-plan.ts "Planners and sender").
 *
 * The write runs with `ferry.sync = 'on'`, so capture does not log it as a change to send. It is set
 * inside the statement itself, which also covers a caller outside an explicit transaction (where a
 * separate `set_config(..., true)` would have ended with its own statement); in a transaction it
 * stays on for the rest of it, as for every statement of Ferry's writer.
 */
import { randomUUID } from 'node:crypto';
import type { ClientBase } from 'pg';
import { qualify, quoteIdent, wrapPgError } from '../store/index.js';

export const DEFAULT_EXTERNAL_ID_FIELD = 'Ferry_Id__c';

/**
 * Gives each record without an external id a new UUID in `column` and returns every record's value
 * (`current`: the value already read, null when none). A value set concurrently wins over ours.
 */
export async function assignExternalIds(
  client: ClientBase,
  schema: string,
  table: string,
  column: string,
  current: ReadonlyMap<number, string | null>,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const ids: number[] = [];
  const uuids: string[] = [];
  for (const [id, value] of current) {
    if (value !== null && value !== '') out.set(id, value);
    else {
      ids.push(id);
      uuids.push(randomUUID());
    }
  }
  if (ids.length === 0) return out;
  const col = quoteIdent(column);
  try {
    const { rows } = await client.query<{ id: number; ext: string }>(
      `UPDATE ${qualify(schema, table)} t SET ${col} = coalesce(nullif(t.${col}, ''), v.ext)
       FROM (SELECT unnest($1::int[]) AS id, unnest($2::text[]) AS ext,
                    set_config('ferry.sync', 'on', true) AS sync) v
       WHERE t.id = v.id AND v.sync = 'on'
       RETURNING t.id, t.${col}::text AS ext`,
      [ids, uuids],
    );
    for (const r of rows) out.set(r.id, r.ext);
    return out;
  } catch (err) {
    throw wrapPgError(`Could not store external ids in ${schema}.${table}.${column}`, err);
  }
}
