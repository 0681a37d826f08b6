import { createHash } from 'node:crypto';
import type { ClientBase } from 'pg';
import { ConfigError, InvariantError, isFerryError } from '../errors/index.js';
import { qualify, quoteIdent, wrapPgError } from '../store/index.js';
import { captureFunctions, dropCaptureFunctions, type CaptureFunctions } from './capture-function.js';
import type { MirrorColumn } from './capture-sql.js';
import { ensureTriggerLog } from './trigger-log-ddl.js';

/**
 * Installs the capture triggers of one mirror table according to its mapping's access (see
 * docs/write-back.md "Capture in Postgres"):
 *
 * - `read-write`: BEFORE ROW triggers mark changed rows `_hc_lastop = 'PENDING'`; AFTER STATEMENT
 *   triggers with transition tables log every row into `<schema>._trigger_log` in one INSERT per
 *   statement and send one pg_notify per statement; TRUNCATE is refused. Both functions are
 *   generated for the table from its columns (capture-function.ts) and regenerated when they change.
 * - `read-only`: AFTER ROW triggers (shared functions, migration 0005) log each changed row as
 *   `READONLY` (action, record_id, sfid; never sent). Row-level because the sync writes these
 *   tables all the time: a row trigger's WHEN clause skips Ferry's writes without any work, whereas
 *   a statement trigger with transition tables would copy every synced row into a tuplestore just
 *   to find nothing to log (about +50% on a 100k-row sync UPDATE, measured). User writes to read-only tables are rare; no PENDING mark, no notification.
 *
 * Every trigger carries `WHEN (current_setting('ferry.sync', true) IS DISTINCT FROM 'on')`: Ferry's
 * own statements (materializer, writer) are never captured.
 */

export type WriteAccess = 'read-only' | 'read-write';

/**
 * The notification channel: one notification per captured statement, payload `schema.table`. The
 * name is also written in the generated capture functions (capture-function.ts).
 */
export const WRITES_CHANNEL = 'ferry_writes';

interface TriggerSpec {
  readonly name: string;
  /** `BEFORE INSERT`, `AFTER UPDATE`...: what comes before `ON table`. */
  readonly timing: string;
  /** REFERENCING, FOR EACH, WHEN. */
  readonly rest: string;
  readonly fn: string;
  /** The generated function's version (capture-function.ts), part of the trigger's signature. */
  readonly definition?: string;
}

const NOT_FERRY = "current_setting('ferry.sync', true) IS DISTINCT FROM 'on'";
/**
 * The row's bytes changed (record_image_ne): unlike `OLD.* IS DISTINCT FROM NEW.*` it needs no `=`
 * for every column type (a json column has none, and every UPDATE would fail). It may see a change
 * where `=` sees none (10.50 → 10.5). Read-only tables only: building both rows as composite values
 * costs more than the generated function's own comparison (see ferry_pending_update).
 */
const ROW_CHANGED = 'OLD.* *<> NEW.*';
/** A row already marked needs no function call (repeated edits of a waiting row). */
const NOT_MARKED = "(NEW._hc_lastop IS DISTINCT FROM 'PENDING' OR NEW._hc_err IS NOT NULL)";

function readWriteTriggers(fns: CaptureFunctions): readonly TriggerSpec[] {
  const definition = fns.version;
  return [
    {
      name: 'ferry_pending_insert',
      timing: 'BEFORE INSERT',
      rest: `FOR EACH ROW WHEN (${NOT_FERRY} AND ${NOT_MARKED})`,
      fn: `${fns.pending}()`,
      definition,
    },
    {
      name: 'ferry_pending_update',
      timing: 'BEFORE UPDATE',
      // No whole-row comparison here (`OLD.* *<> NEW.*`): it builds both rows as composite values
      // and costs more than the function call (a quarter of a 100,000-row UPDATE's own time, the
      // call with its mark a fifth; bench (a)); the function compares the data columns, stopping at
      // the first difference. Only system columns are named: a trigger that names a column blocks
      // ALTER COLUMN ... TYPE on it, and the mirror changes only the types of data columns.
      rest: `FOR EACH ROW WHEN (${NOT_FERRY} AND ${NOT_MARKED})`,
      fn: `${fns.pending}()`,
      definition,
    },
    {
      name: 'ferry_capture_insert',
      timing: 'AFTER INSERT',
      rest: `REFERENCING NEW TABLE AS ferry_new FOR EACH STATEMENT WHEN (${NOT_FERRY})`,
      fn: `${fns.capture}()`,
      definition,
    },
    {
      name: 'ferry_capture_update',
      timing: 'AFTER UPDATE',
      rest: `REFERENCING OLD TABLE AS ferry_old NEW TABLE AS ferry_new FOR EACH STATEMENT WHEN (${NOT_FERRY})`,
      fn: `${fns.capture}()`,
      definition,
    },
    {
      name: 'ferry_capture_delete',
      timing: 'AFTER DELETE',
      rest: `REFERENCING OLD TABLE AS ferry_old FOR EACH STATEMENT WHEN (${NOT_FERRY})`,
      fn: `${fns.capture}()`,
      definition,
    },
    {
      name: 'ferry_refuse_truncate',
      timing: 'BEFORE TRUNCATE',
      rest: `FOR EACH STATEMENT WHEN (${NOT_FERRY})`,
      fn: 'ferry.refuse_truncate()',
    },
  ];
}

const READ_ONLY: readonly TriggerSpec[] = [
  {
    name: 'ferry_readonly_insert',
    timing: 'AFTER INSERT',
    rest: `FOR EACH ROW WHEN (${NOT_FERRY})`,
    fn: 'ferry.capture_readonly()',
  },
  {
    name: 'ferry_readonly_update',
    timing: 'AFTER UPDATE',
    rest: `FOR EACH ROW WHEN (${NOT_FERRY} AND ${ROW_CHANGED})`,
    fn: 'ferry.capture_readonly()',
  },
  {
    name: 'ferry_readonly_delete',
    timing: 'AFTER DELETE',
    rest: `FOR EACH ROW WHEN (${NOT_FERRY})`,
    fn: 'ferry.capture_readonly()',
  },
];

/** The triggers `access` puts on a table with these columns (read-write ones are generated). */
function triggersFor(
  access: WriteAccess,
  schema: string,
  table: string,
  columns: readonly MirrorColumn[],
): { triggers: readonly TriggerSpec[]; functions: CaptureFunctions | null } {
  if (access === 'read-only') return { triggers: READ_ONLY, functions: null };
  const functions = captureFunctions(schema, table, columns);
  return { triggers: readWriteTriggers(functions), functions };
}

/** Every trigger name Ferry may have put on a mirror table: removed before another set goes on. */
export const WRITE_TRIGGER_NAMES: readonly string[] = [
  'ferry_pending_insert',
  'ferry_pending_update',
  'ferry_capture_insert',
  'ferry_capture_update',
  'ferry_capture_delete',
  'ferry_refuse_truncate',
  ...READ_ONLY.map((t) => t.name),
];

/** The columns the trigger functions read (mirror-ddl.ts creates them on every merge-mode table). */
const REQUIRED_COLUMNS = ['id', 'sfid', 'systemmodstamp', 'isdeleted', '_hc_lastop', '_hc_err'];

export interface SetWriteAccessResult {
  readonly access: WriteAccess;
  /** False when the table already had exactly these triggers (nothing was done). */
  readonly changed: boolean;
}

/**
 * Puts the triggers of `access` on `schema.table` (a mirror table in merge mode) and removes any
 * other Ferry trigger from it, creating the schema's trigger log if needed. Idempotent: a table
 * already in that state is left untouched (no DDL, no lock). The trigger DDL goes in one
 * simple-protocol query, hence one transaction (or the caller's), so a failure leaves the previous
 * triggers in place. Changes
 * captured before a switch keep their state: NEW rows are still sent after a switch to read-only,
 * READONLY rows are not sent after a switch to read-write (as Heroku Connect; reference 1.7).
 */
export async function setWriteAccess(
  client: ClientBase,
  schema: string,
  table: string,
  access: WriteAccess,
): Promise<SetWriteAccessResult> {
  const target = qualify(schema, table);
  try {
    const columns = await checkMirrorTable(client, schema, table);
    // Even when the triggers are in place: without its log, every write to the table would fail.
    await ensureTriggerLog(client, schema);
    const { triggers, functions } = triggersFor(access, schema, table, columns);
    if (sameSet(await installedTriggers(client, schema, table), triggers.map(signature))) {
      return { access, changed: false };
    }
    const roomForUpdates = access === 'read-write' && !(await hasFillfactor(client, schema, table));
    await client.query(
      [
        ...(functions ? [functions.ddl] : []),
        ...(roomForUpdates ? [`ALTER TABLE ${target} SET (fillfactor = ${READ_WRITE_FILLFACTOR});`] : []),
        ...dropStatements(target),
        ...triggers.flatMap((t) => [
          `CREATE TRIGGER ${quoteIdent(t.name)} ${t.timing} ON ${target} ${t.rest} EXECUTE FUNCTION ${t.fn};`,
          `COMMENT ON TRIGGER ${quoteIdent(t.name)} ON ${target} IS '${versionOf(t)}';`,
        ]),
        // A read-only table needs no generated functions (after the triggers that used them).
        ...(functions ? [] : [dropCaptureFunctions(schema, table)]),
      ].join('\n'),
    );
    return { access, changed: true };
  } catch (err) {
    if (isFerryError(err)) throw err;
    throw wrapPgError(`Could not make ${schema}.${table} ${access}`, err);
  }
}

/**
 * Removes every Ferry capture trigger from the table (the mapping is gone), and its generated
 * functions. Idempotent; true when there were triggers to remove.
 */
export async function removeWriteTriggers(
  client: ClientBase,
  schema: string,
  table: string,
): Promise<boolean> {
  try {
    const present = (await installedTriggers(client, schema, table)).length > 0;
    await client.query(
      [...(present ? dropStatements(qualify(schema, table)) : []), dropCaptureFunctions(schema, table)].join(
        '\n',
      ),
    );
    return present;
  } catch (err) {
    throw wrapPgError(`Could not remove the write-back triggers of ${schema}.${table}`, err);
  }
}

/**
 * Which access the table's triggers implement: null when it has none, an incomplete set, or triggers
 * of an older Ferry or for other columns (setWriteAccess replaces those).
 */
export async function writeAccessOf(
  client: ClientBase,
  schema: string,
  table: string,
): Promise<WriteAccess | null> {
  const present = await installedTriggers(client, schema, table);
  if (present.length === 0) return null;
  const columns = await mirrorColumns(client, schema, table);
  const accesses: readonly WriteAccess[] = ['read-write', 'read-only'];
  return (
    accesses.find((access) =>
      sameSet(present, triggersFor(access, schema, table, columns).triggers.map(signature)),
    ) ?? null
  );
}

function dropStatements(target: string): string[] {
  return WRITE_TRIGGER_NAMES.map((name) => `DROP TRIGGER IF EXISTS ${quoteIdent(name)} ON ${target};`);
}

/**
 * Each trigger's comment records a hash of its definition (with the generated function's), so a
 * table whose triggers a Ferry with different definitions installed, or that were generated for
 * other columns, is not mistaken for "already done" and gets the current ones.
 */
function versionOf(t: TriggerSpec): string {
  const hash = createHash('sha256')
    .update(`${t.timing} ${t.rest} ${t.fn} ${t.definition ?? ''}`, 'utf8')
    .digest('hex');
  return `ferry write-back ${hash.slice(0, 16)}`;
}

const signature = (t: TriggerSpec): string => `${t.name} ${versionOf(t)}`;

/** `name comment` of each of Ferry's triggers on the table (an absent table has none). */
/**
 * Pages of a read-write table keep this much room (percent filled) for new row versions. The writer
 * updates `_hc_lastop` and `_hc_err` of every row it sends — columns no index covers — so with room on
 * the page Postgres writes that version in place of an index entry per index (a HOT update): the
 * writer's mirror UPDATE measured 15–20% faster. Applies to pages written from then on (the initial
 * load, when the mapping is read-write from the start); a fillfactor the user set is left alone.
 */
const READ_WRITE_FILLFACTOR = 90;

async function hasFillfactor(client: ClientBase, schema: string, table: string): Promise<boolean> {
  const { rows } = await client.query<{ set: boolean }>(
    `SELECT coalesce(bool_or(o LIKE 'fillfactor=%'), false) AS set
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN LATERAL unnest(c.reloptions) o ON true
     WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, table],
  );
  return rows[0]?.set === true;
}

async function installedTriggers(client: ClientBase, schema: string, table: string): Promise<string[]> {
  const { rows } = await client.query<{ signature: string }>(
    `SELECT t.tgname || ' ' || coalesce(obj_description(t.oid, 'pg_trigger'), '') AS signature
     FROM pg_trigger t
     JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2 AND NOT t.tgisinternal AND t.tgname = ANY ($3::text[])`,
    [schema, table, WRITE_TRIGGER_NAMES],
  );
  return rows.map((r) => r.signature);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

/** The table's columns in attnum order (none: no such table). */
async function mirrorColumns(client: ClientBase, schema: string, table: string): Promise<MirrorColumn[]> {
  // Types outside pg_catalog are named 'user-defined': their text depends on the search_path, and
  // the generated code compares them as jsonb anyway.
  const { rows } = await client.query<MirrorColumn>(
    `SELECT a.attname AS name,
            CASE WHEN t.typnamespace = 'pg_catalog'::regnamespace THEN format_type(a.atttypid, NULL)
                 ELSE 'user-defined' END AS type
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_type t ON t.oid = a.atttypid
     WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum`,
    [schema, table],
  );
  return rows;
}

async function checkMirrorTable(client: ClientBase, schema: string, table: string): Promise<MirrorColumn[]> {
  const columns = await mirrorColumns(client, schema, table);
  if (columns.length === 0) {
    throw new InvariantError(
      `The mirror table ${schema}.${table} does not exist, so its write access cannot be set`,
      {
        code: 'MIRROR_TABLE_MISSING',
        hint: 'Create the table from the object describe first (ensureMirrorTable).',
      },
    );
  }
  const names = new Set(columns.map((c) => c.name));
  const missing = REQUIRED_COLUMNS.filter((c) => !names.has(c));
  if (missing.length > 0) {
    throw new ConfigError(
      `${schema}.${table} is not a merge-mode mirror table (it lacks ${missing.join(', ')}), so it cannot be captured for write-back`,
      {
        code: 'NOT_A_MIRROR_TABLE',
        fields: missing,
        hint: 'Only merge-mode mappings can be read-write; set the mapping to read-only or mode: merge.',
      },
    );
  }
  return columns;
}
