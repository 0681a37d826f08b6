import type { ChangeBatch } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import { mirrorColumns, type MirrorColumn } from '../core/type-map.js';
import { quoteIdent } from '../store/index.js';

/**
 * Mirror column values from the version stage (src/history/version-stage.ts): merge and delta mode
 * read the staged batch's jsonb through `jsonb_to_record(s.fields) AS r(<field> <type>, ...)`, so
 * Postgres converts JSON values to column types in C — the same conversions for every source.
 *
 * Record keys are the fields' API names (describe casing, as capture writes them). Text-like columns
 * are read as `text` and converted by the INSERT's assignment cast, which refuses a value too long for
 * a `varchar(n)` instead of truncating it; datetimes are read as `timestamptz` (the JSON carries a
 * zone) and stored as their UTC wall-clock time, the mirror's `timestamp` convention.
 */
export interface StagedColumns {
  readonly columns: readonly MirrorColumn[];
  /** `jsonb_to_record(<alias>.fields) AS r(...)`, for a FROM list (empty when there are no columns). */
  readonly fromRecord: (alias: string) => string;
  /** The typed value of each column, in `columns` order (from the `r` record). */
  readonly values: readonly string[];
}

const RECORD = 'r';
const AS_IS = new Set(['numeric', 'integer', 'bigint', 'boolean', 'date', 'time']);

function recordType(c: MirrorColumn): string {
  if (c.type === 'timestamp') return 'timestamptz';
  return AS_IS.has(c.type) ? c.type : 'text';
}

function valueOf(c: MirrorColumn): string {
  const v = `${RECORD}.${quoteIdent(c.field.name)}`;
  return c.type === 'timestamp' ? `(${v} AT TIME ZONE 'UTC')` : v;
}

/**
 * The model's columns that some record of the batch carries a field for (a formula refresh carries
 * only the formula fields: the other columns are left as they are), or all of them (`all`).
 */
export function stagedColumns(model: ObjectModel, batch: ChangeBatch | 'all'): StagedColumns {
  let columns = mirrorColumns(model);
  if (batch !== 'all') {
    const present = new Set<string>();
    for (const r of batch.records) for (const k in r.fields) present.add(k);
    columns = columns.filter((c) => present.has(c.field.name));
  }
  const defs = columns.map((c) => `${quoteIdent(c.field.name)} ${recordType(c)}`).join(', ');
  return {
    columns,
    fromRecord: (alias) =>
      columns.length === 0 ? '' : `, jsonb_to_record(${alias}.fields) AS ${RECORD}(${defs})`,
    values: columns.map(valueOf),
  };
}
