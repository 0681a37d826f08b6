/**
 * Merged writes (Heroku Connect's "Merged Writes"; reference sync-algorithms.md 1.5): the NEW log
 * rows of each record collapse into at most one write, so rapid successive edits cost one call and
 * never flip-flop. Per record, rows in log order:
 *
 * - a DELETE wins: one delete of the record (earlier rows MERGED into it); a record that never
 *   reached Salesforce (no sfid) sends nothing and its rows become IGNORED;
 * - INSERT then UPDATEs: one insert with the merged values (last value per column wins);
 * - UPDATEs: one update with the merged values;
 * - UPDATEs of a record whose insert FAILED: the insert is sent again with the row as it is now
 *   (which holds every change since), the FAILED rows folded in (MERGED on success) — whichever row
 *   of the failed attempt took FAILED, since a record without sfid can only have failed as an
 *   insert; a record whose insert is still being sent (PENDING) waits;
 * - a row deleted before it reached Salesforce: nothing is sent, its rows become IGNORED.
 *
 * `logIds` of a write lists every folded row; the writer gives the last one the result and the
 * others MERGED. Groups are ordered parents before children (describe `referenceTo` between the
 * mapped objects, topologically; cycles and self-references are broken in log order), so a child
 * inserted with its parent's external id finds the parent; deletes come last, children first.
 * Merged plans should not go through Bulk (Heroku Connect: "no bulk"): one write per record is
 * already the saving, and Bulk's parallel processing would reorder parents and children.
 */
import type { ClientBase } from 'pg';
import type { ObjectModel } from '../core/sobject-model.js';
import { foldValues } from './log-values.js';
import { readFailedAttempts, readNewRows, type LogRow } from './log-reader.js';
import {
  draftWrite,
  finalizeGroups,
  planContext,
  readMirrorFor,
  readValuesFor,
  recordKey,
  skip,
  type Draft,
  type DraftGroup,
  type DraftResult,
} from './plan-support.js';
import type { Planner, PlanOptions, SkippedRows, WriteOp, WriteOutcome, WritePlan } from './write-plan.js';

export const planMerged: Planner = async (client: ClientBase, options: PlanOptions): Promise<WritePlan> => {
  const ctx = await planContext(client, options);
  const rows = await readNewRows(client, ctx.schema, [...ctx.models.keys()], ctx.maxRows);
  const mirror = await readMirrorFor(client, ctx, rows);

  // Rows per record, records in order of their first row.
  const byRecord = new Map<string, LogRow[]>();
  for (const row of rows) {
    const key = recordKey(row.table, row.recordId);
    const list = byRecord.get(key);
    if (list) list.push(row);
    else byRecord.set(key, [row]);
  }

  // Records without sfid and without a NEW insert: the FAILED rows of their failed insert, if any.
  const orphans = new Map<string, number[]>();
  for (const list of byRecord.values()) {
    const first = list[0]!;
    const m = mirror.get(first.table)?.get(first.recordId);
    const sfid = lastSfid(list) ?? m?.sfid ?? null;
    if (m && sfid === null && !list.some((r) => r.action === 'INSERT' || r.action === 'DELETE')) {
      const ids = orphans.get(first.table) ?? [];
      ids.push(first.recordId);
      orphans.set(first.table, ids);
    }
  }
  const failedInserts = new Map<string, string[]>();
  for (const [table, ids] of orphans) {
    for (const r of await readFailedAttempts(client, ctx.schema, table, ids)) {
      const key = recordKey(table, r.recordId);
      failedInserts.set(key, [...(failedInserts.get(key) ?? []), r.id]);
    }
  }

  // Inserts sent "as the row is now" (retried, or a failed insert sent again): only those need the
  // whole row.
  const asNow = new Map<string, { table: string; recordId: number }>();
  for (const [key, list] of byRecord) {
    const first = list[0]!;
    if (
      failedInserts.has(key) ||
      (list.some((r) => r.action === 'INSERT' && r.retried) && !list.some((r) => r.action === 'DELETE'))
    ) {
      asNow.set(key, first);
    }
  }
  const current = await readValuesFor(client, ctx, asNow);

  const drafts: Draft[] = [];
  const rejected: WriteOutcome[] = [];
  const skipped: SkippedRows[] = [];
  for (const [key, list] of byRecord) {
    const first = list[0]!;
    const { table, recordId } = first;
    const m = mirror.get(table)?.get(recordId);
    const now = current.get(key);
    const sfid = lastSfid(list) ?? m?.sfid ?? null;
    const ids = list.map((r) => r.id);
    let result: DraftResult | undefined;
    if (list.some((r) => r.action === 'DELETE')) {
      result =
        sfid === null
          ? skip(table, recordId, ids, 'the row was deleted before it reached Salesforce')
          : draftWrite(ctx, table, 'delete', recordId, sfid, {}, ids);
    } else if (!m || (asNow.has(key) && !now)) {
      result = skip(table, recordId, ids, 'the row was deleted before it reached Salesforce');
    } else if (list.some((r) => r.action === 'INSERT')) {
      result =
        m.sfid !== null
          ? skip(table, recordId, ids, `the inserted row already has an sfid (${m.sfid}): not created again`)
          : draftWrite(
              ctx,
              table,
              'insert',
              recordId,
              null,
              // A retried insert (requeued after a failure or a crash): the row as it is now.
              now ?? foldValues(list.map((r) => r.values)),
              ids,
              m.externalId,
            );
    } else if (sfid !== null) {
      result = draftWrite(ctx, table, 'update', recordId, sfid, foldValues(list.map((r) => r.values)), ids);
    } else {
      const failed = failedInserts.get(key);
      // No failed insert: it is being sent (PENDING); these changes wait for its sfid.
      if (failed && now) {
        result = draftWrite(ctx, table, 'insert', recordId, null, now, [...failed, ...ids], m.externalId);
      }
    }
    if (!result) continue;
    if (result.kind === 'draft') drafts.push(result.draft);
    else if (result.kind === 'rejected') rejected.push(result.outcome);
    else skipped.push(result.skipped);
  }

  const final = await finalizeGroups(client, ctx, groupInDependencyOrder(ctx.models, drafts));
  return { groups: final.groups, rejected, skipped: [...skipped, ...final.gone] };
};

function lastSfid(list: readonly LogRow[]): string | null {
  for (let i = list.length - 1; i >= 0; i--) {
    const s = list[i]!.sfid;
    if (s !== null) return s;
  }
  return null;
}

/**
 * Groups per (object, op): inserts and updates of parents before those of children, then deletes
 * of children before parents (a parent's delete may cascade to its children).
 */
export function groupInDependencyOrder(
  models: ReadonlyMap<string, ObjectModel>,
  drafts: readonly Draft[],
): DraftGroup[] {
  // One pass: drafts by table, then op (in log order within each).
  const byTable = new Map<string, Map<WriteOp, Draft[]>>();
  for (const d of drafts) {
    let ops = byTable.get(d.table);
    if (!ops) byTable.set(d.table, (ops = new Map<WriteOp, Draft[]>()));
    const list = ops.get(d.op);
    if (list) list.push(d);
    else ops.set(d.op, [d]);
  }
  const order = dependencyOrder(models, [...byTable.keys()]);
  const groups: DraftGroup[] = [];
  const groupOf = (table: string, op: WriteOp): DraftGroup | undefined => {
    const list = byTable.get(table)?.get(op);
    if (!list) return undefined;
    return { object: list[0]!.object, table, op, drafts: list };
  };
  for (const table of order) {
    for (const op of ['insert', 'update'] as const) {
      const g = groupOf(table, op);
      if (g) groups.push(g);
    }
  }
  for (const table of [...order].reverse()) {
    const g = groupOf(table, 'delete');
    if (g) groups.push(g);
  }
  return groups;
}

/**
 * `tables` ordered so that each comes after the tables it references (lookups between them,
 * self-references ignored). A cycle is broken by taking the earliest remaining table in the given
 * order (log order), so the result is deterministic.
 */
export function dependencyOrder(
  models: ReadonlyMap<string, ObjectModel>,
  tables: readonly string[],
): string[] {
  const present = new Set(tables);
  const parents = new Map<string, Set<string>>();
  for (const table of tables) {
    const set = new Set<string>();
    for (const f of models.get(table)?.fields ?? []) {
      if (f.type !== 'reference') continue;
      for (const target of f.referenceTo) {
        const t = target.toLowerCase();
        if (t !== table && present.has(t)) set.add(t);
      }
    }
    parents.set(table, set);
  }
  const out: string[] = [];
  const done = new Set<string>();
  while (out.length < tables.length) {
    const ready =
      tables.find((t) => !done.has(t) && [...(parents.get(t) ?? [])].every((p) => done.has(p))) ??
      tables.find((t) => !done.has(t))!;
    out.push(ready);
    done.add(ready);
  }
  return out;
}
