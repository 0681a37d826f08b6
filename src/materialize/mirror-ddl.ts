import { createHash } from 'node:crypto';
import type { ClientBase } from 'pg';
import type { ObjectModel } from '../core/sobject-model.js';
import { mirrorColumns } from '../core/type-map.js';
import { MAX_IDENTIFIER_BYTES, qualify, quoteIdent, wrapPgError } from '../store/index.js';

/**
 * Mirror tables in Heroku Connect's layout (DESIGN.md "Postgres layout"; reference 1.2): table =
 * lower-case object name, `id serial` primary key, `sfid varchar(18)` with a unique index
 * `hcu_idx_<table>_sfid`, `systemmodstamp timestamp` (UTC) indexed by `hc_idx_<table>_systemmodstamp`,
 * `isdeleted boolean`, `_hc_lastop varchar(32)`, `_hc_err text`, then one lower-case column per field.
 *
 * Delta mode writes `<table>_changes` instead: one row per captured version (see delta-apply.ts).
 */

export type MaterializeMode = 'merge' | 'delta';

export interface MirrorTableOptions {
  /** Default 'salesforce'. */
  readonly schema?: string | undefined;
  /** 'merge' (default): the mirror table; 'delta': the `<table>_changes` table. */
  readonly mode?: MaterializeMode | undefined;
}

export const DEFAULT_MIRROR_SCHEMA = 'salesforce';

/** Heroku Connect's table name: the object's API name in lower case. */
export function mirrorTableName(model: ObjectModel): string {
  return model.name.toLowerCase();
}

/** The delta-mode table of an object: `<table>_changes`. */
export function changesTableName(model: ObjectModel): string {
  return fitName(`${mirrorTableName(model)}_changes`);
}

/** CREATE statements (idempotent) for an object's mirror table and its indexes. */
export function mirrorTableDdl(model: ObjectModel, schema: string = DEFAULT_MIRROR_SCHEMA): string {
  const name = mirrorTableName(model);
  const table = qualify(schema, name);
  const lines = [
    'id serial PRIMARY KEY',
    'sfid varchar(18)',
    'systemmodstamp timestamp',
    'isdeleted boolean',
    '_hc_lastop varchar(32)',
    '_hc_err text',
    ...mirrorColumns(model).map((c) => `${quoteIdent(c.column)} ${c.type}`),
  ];
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`,
    `CREATE TABLE IF NOT EXISTS ${table} (\n  ${lines.join(',\n  ')}\n);`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(fitName(`hcu_idx_${name}_sfid`))} ON ${table} (sfid);`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(fitName(`hc_idx_${name}_systemmodstamp`))} ON ${table} (systemmodstamp);`,
  ].join('\n');
}

/** CREATE statements (idempotent) for an object's delta-mode `<table>_changes` table. */
export function changesTableDdl(model: ObjectModel, schema: string = DEFAULT_MIRROR_SCHEMA): string {
  const name = changesTableName(model);
  const table = qualify(schema, name);
  const lines = [
    'change_id bigserial PRIMARY KEY',
    'sfid varchar(18) NOT NULL',
    'systemmodstamp timestamp',
    'isdeleted boolean',
    "_op varchar(16) NOT NULL CHECK (_op IN ('upsert', 'delete'))",
    "_captured_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')",
    '_run_id text',
    ...mirrorColumns(model).map((c) => `${quoteIdent(c.column)} ${c.type}`),
  ];
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};`,
    `CREATE TABLE IF NOT EXISTS ${table} (\n  ${lines.join(',\n  ')}\n);`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(fitName(`${name}_sfid_idx`))} ON ${table} (sfid, change_id DESC);`,
  ].join('\n');
}

export interface EnsureResult {
  readonly schema: string;
  readonly table: string;
  readonly created: boolean;
  /** Columns added for fields the table did not have yet (schema drift). */
  readonly addedColumns: readonly string[];
}

/**
 * Creates the object's table if missing; otherwise adds a column for every mapped field it lacks
 * (ALTER TABLE ADD COLUMN). Columns of fields no longer in the model are kept (their data stays
 * queryable); type changes of existing columns are not made here.
 */
export async function ensureMirrorTable(
  client: ClientBase,
  model: ObjectModel,
  options: MirrorTableOptions = {},
): Promise<EnsureResult> {
  const schema = options.schema ?? DEFAULT_MIRROR_SCHEMA;
  const delta = options.mode === 'delta';
  const table = delta ? changesTableName(model) : mirrorTableName(model);
  const target = qualify(schema, table);
  try {
    const found = await client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2`,
      [schema, table],
    );
    if (found.rows.length === 0) {
      await client.query(delta ? changesTableDdl(model, schema) : mirrorTableDdl(model, schema));
      return { schema, table, created: true, addedColumns: [] };
    }
    const existing = new Set(found.rows.map((r) => r.column_name));
    const missing = mirrorColumns(model).filter((c) => !existing.has(c.column));
    for (const c of missing) {
      await client.query(`ALTER TABLE ${target} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.column)} ${c.type}`);
    }
    return { schema, table, created: false, addedColumns: missing.map((c) => c.column) };
  } catch (err) {
    throw wrapPgError(`Could not create or update the table ${schema}.${table} of ${model.name}`, err);
  }
}

/** Postgres keeps 63 bytes of a name: longer ones are shortened with a hash so they stay distinct. */
export function fitName(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENTIFIER_BYTES) return name;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_IDENTIFIER_BYTES - 9)}_${hash}`;
}
