/**
 * Ordered writes (Heroku Connect's default; reference sync-algorithms.md 1.5): every NEW log row is
 * one write, sent in log order — within a transaction too. Contiguous rows of one operation on one
 * object are packed into one group (one API choice: collections or Bulk); a group never holds two
 * writes of one record (the second starts a new group), so Salesforce sees them in order.
 *
 * Records not yet in Salesforce (no sfid):
 * - an UPDATE or DELETE of a record whose INSERT is in this plan needs that insert's sfid: the plan
 *   ends before it; the writer applies the insert's outcome and the next plan continues from there;
 * - a record whose INSERT failed (FAILED, or refused by this plan) or is still being sent holds back
 *   its later changes: they stay NEW while other records proceed. Requeue the insert (state NEW) to
 *   send it again; the held changes follow it.
 * - a row deleted before its insert was sent: nothing is sent, its rows become IGNORED (the DELETE
 *   was already logged IGNORE, having no sfid). Sending the insert would leave a record in
 *   Salesforce that Postgres no longer has (Heroku Connect's "re-inserted records" anomaly).
 */
import type { ClientBase } from 'pg';
import { readNewRows } from './log-reader.js';
import {
  draftWrite,
  finalizeGroups,
  planContext,
  readMirrorFor,
  readValuesFor,
  recordKey,
  skip,
  type DraftGroup,
  type DraftResult,
} from './plan-support.js';
import type { Planner, PlanOptions, SkippedRows, WriteOp, WriteOutcome, WritePlan } from './write-plan.js';

const OPS: Readonly<Record<string, WriteOp>> = { INSERT: 'insert', UPDATE: 'update', DELETE: 'delete' };

export const planOrdered: Planner = async (client: ClientBase, options: PlanOptions): Promise<WritePlan> => {
  const ctx = await planContext(client, options);
  const rows = await readNewRows(client, ctx.schema, [...ctx.models.keys()], ctx.maxRows);
  const mirror = await readMirrorFor(client, ctx, rows);
  // A retried insert is sent with the row as it is now: only those need the whole row.
  const retriedInserts = new Map<string, { table: string; recordId: number }>();
  for (const r of rows) {
    if (r.action === 'INSERT' && r.retried) retriedInserts.set(recordKey(r.table, r.recordId), r);
  }
  const current = await readValuesFor(client, ctx, retriedInserts);
  const groups: DraftGroup[] = [];
  const rejected: WriteOutcome[] = [];
  const skipped: SkippedRows[] = [];
  /** Records whose later changes wait (failed or in-flight insert). */
  const held = new Set<string>();
  /** Records whose insert is in this plan, not yet sent. */
  const inserting = new Set<string>();
  /** Log rows folded into a retried insert. */
  const folded = new Set<string>();
  let inGroup = new Set<string>();

  for (const [index, row] of rows.entries()) {
    const key = recordKey(row.table, row.recordId);
    if (held.has(key) || folded.has(row.id)) continue;
    const m = mirror.get(row.table)?.get(row.recordId);
    const op = OPS[row.action] ?? 'update';
    const ids: string[] = [row.id];
    let result: DraftResult;
    if (op === 'insert') {
      if (!m) result = skip(row.table, row.recordId, ids, 'the row was deleted before it reached Salesforce');
      else if (m.sfid !== null) {
        result = skip(
          row.table,
          row.recordId,
          ids,
          `the inserted row already has an sfid (${m.sfid}): not created again`,
        );
      } else if (row.retried) {
        const now = current.get(key);
        if (!now) {
          skipped.push(
            skip(row.table, row.recordId, ids, 'the row was deleted before it reached Salesforce').skipped,
          );
          continue;
        }
        // The changes held back behind the failed insert go with it; the row holds their effect.
        for (const later of rows.slice(index + 1)) {
          if (later.table === row.table && later.recordId === row.recordId && later.action === 'UPDATE') {
            ids.push(later.id);
            folded.add(later.id);
          }
        }
        result = draftWrite(ctx, row.table, 'insert', row.recordId, null, now, ids, m.externalId);
      } else {
        result = draftWrite(
          ctx,
          row.table,
          'insert',
          row.recordId,
          null,
          row.values ?? {},
          ids,
          m.externalId,
        );
      }
    } else {
      const sfid = row.sfid ?? m?.sfid ?? null;
      if (sfid === null) {
        if (inserting.has(key)) break; // needs the sfid of an insert in this plan: next plan
        if (!m) {
          skipped.push(
            skip(row.table, row.recordId, ids, 'the row was deleted before it reached Salesforce').skipped,
          );
          continue;
        }
        held.add(key); // its insert failed or is being sent: wait for it
        continue;
      }
      result = draftWrite(ctx, row.table, op, row.recordId, sfid, row.values ?? {}, ids);
    }

    if (result.kind === 'skipped') {
      skipped.push(result.skipped);
      continue;
    }
    if (result.kind === 'rejected') {
      rejected.push(result.outcome);
      if (op === 'insert') held.add(key);
      continue;
    }
    const draft = result.draft;
    const last = groups[groups.length - 1];
    if (last && last.table === draft.table && last.op === draft.op && !inGroup.has(key)) {
      last.drafts.push(draft);
    } else {
      groups.push({ object: draft.object, table: draft.table, op: draft.op, drafts: [draft] });
      inGroup = new Set();
    }
    inGroup.add(key);
    if (op === 'insert') inserting.add(key);
  }

  const final = await finalizeGroups(client, ctx, groups);
  return { groups: final.groups, rejected, skipped: [...skipped, ...final.gone] };
};
