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
  /**
   * Merge mode, read-write mappings: relationship external-id columns (`accountid__r__ferry_id__c`,
   * see relationship-columns.ts) to have besides the field columns. Ignored in delta mode.
   */
  readonly relationshipColumns?: readonly ExtraColumn[] | undefined;
}

/** A column that is no field of the object (a relationship external-id column). */
export interface ExtraColumn {
  readonly column: string;
  readonly type: string;
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
export function mirrorTableDdl(
  model: ObjectModel,
  schema: string = DEFAULT_MIRROR_SCHEMA,
  extra: readonly ExtraColumn[] = [],
): string {
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
    ...extra.map((c) => `${quoteIdent(c.column)} ${c.type}`),
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
  /** Columns whose type changed because the field's did (schema drift): see columnTypeChange. */
  readonly changedColumns: readonly ColumnTypeChange[];
  /** Relationship external-id columns added to an existing table (absent when none was). */
  readonly addedRelationshipColumns?: readonly string[];
}

export interface ColumnTypeChange {
  readonly column: string;
  /** Postgres's name of the old type, e.g. `character varying(80)`. */
  readonly from: string;
  /** The new column type, e.g. `varchar(255)`, or `text` when the field's new type cannot hold the old values. */
  readonly to: string;
}

// format_type() spellings of the column types type-map.ts produces.
const CANONICAL: Readonly<Record<string, string>> = {
  timestamp: 'timestamp without time zone',
  time: 'time without time zone',
};
const VARCHAR = /^(?:varchar|character varying)\((\d+)\)$/;
// Changes Postgres converts every value of without loss.
const WIDENING = new Set(['integer>bigint', 'integer>numeric', 'bigint>numeric', 'date>timestamp']);

function canonicalType(type: string): string {
  const m = VARCHAR.exec(type);
  return m ? `character varying(${m[1]})` : (CANONICAL[type] ?? type);
}

/**
 * The change a column needs when its field's type changed in Salesforce, or null. Nothing stored is
 * ever lost: a longer varchar widens the column (no rewrite); a shorter one keeps it; a widening
 * conversion (integer → bigint → numeric, date → timestamp) converts it; any other change turns the
 * column into `text`, which holds every old and new value (the merge casts new values to it).
 */
export function columnTypeChange(column: string, current: string, wanted: string): ColumnTypeChange | null {
  const from = canonicalType(current);
  const to = canonicalType(wanted);
  if (from === to || from === 'text') return null;
  const fromLength = VARCHAR.exec(from)?.[1];
  const toLength = VARCHAR.exec(to)?.[1];
  if (fromLength !== undefined && toLength !== undefined) {
    return Number(toLength) > Number(fromLength) ? { column, from: current, to: wanted } : null;
  }
  const pair = `${current.replace(/ without time zone$/, '')}>${wanted}`;
  if (WIDENING.has(pair)) return { column, from: current, to: wanted };
  return { column, from: current, to: 'text' };
}

/**
 * Creates the object's table if missing; otherwise adds a column for every mapped field it lacks
 * (ALTER TABLE ADD COLUMN) and changes the type of a column whose field's type changed
 * (columnTypeChange: widen, never lose data). Columns of fields no longer in the model are kept
 * (their data stays queryable). The same goes for `relationshipColumns` (merge mode), except that
 * such a column is only ever converted losslessly (a longer varchar...), never to `text`: it may be
 * one the application added itself, with a type of its choosing, before Ferry did.
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
    const found = await client.query<{ column_name: string; type: string }>(
      `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a
       WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
      [target],
    );
    const extra = delta ? [] : (options.relationshipColumns ?? []);
    if (found.rows.length === 0) {
      await client.query(delta ? changesTableDdl(model, schema) : mirrorTableDdl(model, schema, extra));
      return { schema, table, created: true, addedColumns: [], changedColumns: [] };
    }
    const existing = new Map(found.rows.map((r) => [r.column_name, r.type]));
    const missing = mirrorColumns(model).filter((c) => !existing.has(c.column));
    for (const c of missing) {
      await client.query(`ALTER TABLE ${target} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.column)} ${c.type}`);
    }
    const changed: ColumnTypeChange[] = [];
    const alter = async (c: ExtraColumn, lossless: boolean): Promise<void> => {
      const current = existing.get(c.column);
      const change = current === undefined ? null : columnTypeChange(c.column, current, c.type);
      if (change === null || (lossless && change.to !== c.type)) return;
      const col = quoteIdent(c.column);
      await client.query(
        `ALTER TABLE ${target} ALTER COLUMN ${col} TYPE ${change.to} USING ${col}::${change.to}`,
      );
      changed.push(change);
    };
    for (const c of mirrorColumns(model)) await alter(c, false);
    const missingExtra = extra.filter((c) => !existing.has(c.column));
    for (const c of missingExtra) {
      await client.query(`ALTER TABLE ${target} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.column)} ${c.type}`);
    }
    for (const c of extra) await alter(c, true);
    return {
      schema,
      table,
      created: false,
      addedColumns: missing.map((c) => c.column),
      changedColumns: changed,
      ...(missingExtra.length > 0 ? { addedRelationshipColumns: missingExtra.map((c) => c.column) } : {}),
    };
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
