/**
 * What both planners share: the plan context (models by table, external-id column), turning a
 * record's log values into a draft write (or a refusal, or nothing to send), packing drafts into
 * groups, and — last — stamping the inserts' external ids into their mirror rows.
 */
import type { ClientBase } from 'pg';
import type { ObjectModel } from '../core/sobject-model.js';
import { DEFAULT_MIRROR_SCHEMA } from '../materialize/mirror-ddl.js';
import { assignExternalIds, DEFAULT_EXTERNAL_ID_FIELD } from './external-id.js';
import { hasColumn, readMirrorRows, readMirrorValues, type LogRow, type MirrorRow } from './log-reader.js';
import { FIELD_NOT_WRITABLE, toSalesforceFields, type ModelLookup } from './log-values.js';
import type {
  PlannedWrite,
  PlanOptions,
  SkippedRows,
  WriteGroup,
  WriteOp,
  WriteOutcome,
} from './write-plan.js';

export const DEFAULT_MAX_ROWS = 20_000;

export interface PlanContext {
  readonly schema: string;
  readonly models: ReadonlyMap<string, ObjectModel>;
  readonly maxRows: number;
  readonly lookup: ModelLookup;
  /** Per table: the external-id field (describe casing) and column, or null when it has none. */
  readonly externalId: ReadonlyMap<string, { field: string; column: string } | null>;
  /** The configured external-id field (`Ferry_Id__c`): parents' field of the relationship columns. */
  readonly externalIdField: string;
}

export async function planContext(client: ClientBase, options: PlanOptions): Promise<PlanContext> {
  const schema = options.schema ?? DEFAULT_MIRROR_SCHEMA;
  const externalIdField = options.externalIdField ?? DEFAULT_EXTERNAL_ID_FIELD;
  const wanted = externalIdField.toLowerCase();
  const externalId = new Map<string, { field: string; column: string } | null>();
  for (const [table, model] of options.models) {
    const field = model.fields.find((f) => f.name.toLowerCase() === wanted);
    const ok = field !== undefined && (await hasColumn(client, schema, table, wanted));
    externalId.set(table, ok ? { field: field.name, column: wanted } : null);
  }
  const byObject = new Map<string, ObjectModel>();
  for (const model of options.models.values()) byObject.set(model.name.toLowerCase(), model);
  return {
    schema,
    models: options.models,
    maxRows: options.maxRows ?? DEFAULT_MAX_ROWS,
    lookup: (name) => byObject.get(name.toLowerCase()),
    externalId,
    externalIdField,
  };
}

export const recordKey = (table: string, recordId: number): string => `${table}\u0000${recordId}`;

/** Current mirror rows (sfid, external id) of every record the log rows name, by table then id. */
export async function readMirrorFor(
  client: ClientBase,
  ctx: PlanContext,
  rows: readonly LogRow[],
): Promise<Map<string, Map<number, MirrorRow>>> {
  const ids = new Map<string, Set<number>>();
  for (const r of rows) {
    let set = ids.get(r.table);
    if (!set) ids.set(r.table, (set = new Set()));
    set.add(r.recordId);
  }
  const out = new Map<string, Map<number, MirrorRow>>();
  for (const [table, set] of ids) {
    const ext = ctx.externalId.get(table)?.column ?? null;
    out.set(table, await readMirrorRows(client, ctx.schema, table, [...set], ext));
  }
  return out;
}

/**
 * The whole current mirror row of each record in `keys` (recordKey), for the inserts sent "as the row
 * is now" (retried ones). Absent: the row was deleted since.
 */
export async function readValuesFor(
  client: ClientBase,
  ctx: PlanContext,
  keys: ReadonlyMap<string, { table: string; recordId: number }>,
): Promise<Map<string, Record<string, unknown>>> {
  const byTable = new Map<string, number[]>();
  for (const { table, recordId } of keys.values()) {
    const list = byTable.get(table);
    if (list) list.push(recordId);
    else byTable.set(table, [recordId]);
  }
  const out = new Map<string, Record<string, unknown>>();
  for (const [table, ids] of byTable) {
    for (const [id, values] of await readMirrorValues(client, ctx.schema, table, ids)) {
      out.set(recordKey(table, id), values);
    }
  }
  return out;
}

/** A write before its external id is stamped. */
export interface Draft {
  readonly object: string;
  readonly table: string;
  readonly op: WriteOp;
  readonly recordId: number;
  readonly sfid: string | null;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly logIds: readonly string[];
  /** insert: the mirror row's external id as read (null: to be generated). */
  readonly externalId: string | null;
}

export type DraftResult =
  | { readonly kind: 'draft'; readonly draft: Draft }
  | { readonly kind: 'rejected'; readonly outcome: WriteOutcome }
  | { readonly kind: 'skipped'; readonly skipped: SkippedRows };

export function skip(
  table: string,
  recordId: number,
  logIds: readonly string[],
  reason: string,
): { readonly kind: 'skipped'; readonly skipped: SkippedRows } {
  return { kind: 'skipped', skipped: { table, recordId, logIds, state: 'IGNORED', reason } };
}

/** One write of one record from (folded) log values. */
export function draftWrite(
  ctx: PlanContext,
  table: string,
  op: WriteOp,
  recordId: number,
  sfid: string | null,
  values: Readonly<Record<string, unknown>>,
  logIds: readonly string[],
  externalId: string | null = null,
): DraftResult {
  const model = ctx.models.get(table);
  if (!model) return skip(table, recordId, logIds, `${table} is not a read-write mapping`);
  const write = (fields: Record<string, unknown>, ext: string | null): PlannedWrite => ({
    object: model.name,
    table,
    op,
    recordId,
    sfid,
    logIds,
    externalId: ext,
    fields,
  });
  if (op === 'delete') return { kind: 'draft', draft: write({}, externalId) };
  const { fields, notWritable } = toSalesforceFields(model, values, op, ctx.lookup, ctx.externalIdField);
  const ext = ctx.externalId.get(table);
  // An insert's external id is the stamped UUID (finalizeGroups), whatever the log row holds.
  if (ext && op === 'insert') delete fields[ext.field];
  if (notWritable.length > 0) {
    return {
      kind: 'rejected',
      outcome: {
        write: write(fields, null),
        ok: false,
        code: FIELD_NOT_WRITABLE,
        message: notWritableMessage(model.name, op, notWritable),
        fields: notWritable,
      },
    };
  }
  if (op === 'update' && Object.keys(fields).length === 0) {
    return skip(
      table,
      recordId,
      logIds,
      'no Salesforce field changed (only columns that are no field of the object)',
    );
  }
  return { kind: 'draft', draft: write(fields, externalId) };
}

/** Salesforce's wording first (so it reads like its own answer), then what to do. */
function notWritableMessage(object: string, op: 'insert' | 'update', fields: readonly string[]): string {
  const names = fields.map((f) => `${object}.${f}`).join(', ');
  const one = fields.length === 1;
  return op === 'insert'
    ? `Unable to create fields: ${fields.join(', ')}. ${names} ${one ? 'is' : 'are'} not createable ` +
        `(Salesforce sets ${one ? 'it' : 'them'}), so the insert was not sent. ` +
        `Set ${one ? 'it' : 'them'} to NULL in the row, then retry: the insert is sent again with the ` +
        `row as it is now (merged writes retry by themselves on the next change of the row).`
    : `Unable to update fields: ${fields.join(', ')}. ${names} ${one ? 'is' : 'are'} not updateable ` +
        `(Salesforce sets ${one ? 'it' : 'them'}), so the update was not sent. ` +
        `The next read from Salesforce restores ${one ? 'its value' : 'their values'} in the row.`;
}

export interface DraftGroup {
  readonly object: string;
  readonly table: string;
  readonly op: WriteOp;
  readonly drafts: Draft[];
}

/**
 * Stamps the external id of every insert (writing new UUIDs into the mirror rows) and returns the
 * final groups. An insert whose row disappeared meanwhile is returned in `gone`.
 */
export async function finalizeGroups(
  client: ClientBase,
  ctx: PlanContext,
  groups: readonly DraftGroup[],
): Promise<{ groups: WriteGroup[]; gone: SkippedRows[] }> {
  const pending = new Map<string, Map<number, string | null>>();
  for (const g of groups) {
    if (g.op !== 'insert' || !ctx.externalId.get(g.table)) continue;
    let m = pending.get(g.table);
    if (!m) pending.set(g.table, (m = new Map<number, string | null>()));
    for (const d of g.drafts) m.set(d.recordId, d.externalId);
  }
  const stamped = new Map<string, Map<number, string>>();
  for (const [table, current] of pending) {
    const ext = ctx.externalId.get(table)!;
    stamped.set(table, await assignExternalIds(client, ctx.schema, table, ext.column, current));
  }
  const out: WriteGroup[] = [];
  const gone: SkippedRows[] = [];
  for (const g of groups) {
    const ext = g.op === 'insert' ? ctx.externalId.get(g.table) : null;
    const writes: PlannedWrite[] = [];
    for (const d of g.drafts) {
      if (!ext) {
        // A draft has a write's shape: without an external id to stamp, it is the write.
        writes.push(d.op === 'insert' ? { ...d, externalId: null } : d);
        continue;
      }
      const uuid = stamped.get(g.table)?.get(d.recordId);
      if (uuid === undefined) {
        gone.push({
          table: d.table,
          recordId: d.recordId,
          logIds: d.logIds,
          state: 'IGNORED',
          reason: 'the row was deleted before it reached Salesforce',
        });
        continue;
      }
      writes.push({ ...d, externalId: uuid, fields: { ...d.fields, [ext.field]: uuid } });
    }
    if (writes.length > 0) out.push({ object: g.object, table: g.table, op: g.op, writes });
  }
  return { groups: out, gone };
}
