/**
 * Which rows of an object a mapping mirrors, as SOQL conditions. Two settings narrow it:
 *
 * - `filter`: trusted SOQL the user wrote (checked against the org by `ferry config check`),
 *   parenthesized and ANDed to every read;
 * - `retention` (activities: Task, Event): only activities created within the window are read,
 *   `CreatedDate >= <now − retention>` (see RETENTION_FIELD for why CreatedDate).
 *
 * What the mirror *keeps* is a separate question (`keepScopeOf`): a record that stops matching the
 * filter leaves the mirror only with `archiveNonMatching`; an activity that ages out of retention
 * always leaves it. Both only in merge mode: a delta table is an append-only log of versions and
 * nothing ever leaves it.
 */
import { soql, SoqlFragment } from '../salesforce/soql.js';
import type { CaptureContext } from './types.js';

/**
 * The field `retention` is measured on. CreatedDate, rather than the activity's own date, because
 * it is the only candidate every Task and Event has and that never moves:
 * - `ActivityDate` is nillable (a Task without due date, a timed Event) and editable, so
 *   `ActivityDate >= X` would drop every undated task and let an edit move a record back into a
 *   window it had left without the poll's filter noticing;
 * - `ActivityDateTime` exists only on Event and is null for all-day events;
 * - `LastModifiedDate` would re-admit any old activity touched by automation.
 * CreatedDate is a non-null datetime set once at insert, so a record can only leave the window by
 * ageing — never enter it except by being created, which a poll sees — and it is one of
 * Salesforce's standard indexed fields, so the condition keeps big reads selective.
 */
export const RETENTION_FIELD = 'CreatedDate';

/** The mapping's filter, parenthesized, or null. */
export function userFilterOf(ctx: CaptureContext): SoqlFragment | null {
  const filter = ctx.mapping.filter;
  return filter === undefined ? null : SoqlFragment.unsafeRaw(`(${filter})`);
}

/** `CreatedDate >= <now − retention>` (a dateTime literal), or null without `retention`. */
export function retentionOf(ctx: CaptureContext, now: Date): SoqlFragment | null {
  const ms = ctx.mapping.retention;
  if (ms === undefined) return null;
  return soql.gte(RETENTION_FIELD, new Date(now.getTime() - ms));
}

function all(conditions: readonly (SoqlFragment | null)[]): SoqlFragment | null {
  const present = conditions.filter((c): c is SoqlFragment => c !== null);
  return present.length === 0 ? null : soql.and(...present);
}

/** The condition every read of the object carries (initial load, poll, formula refresh), or null. */
export function readScopeOf(ctx: CaptureContext, now: Date): SoqlFragment | null {
  return all([userFilterOf(ctx), retentionOf(ctx, now)]);
}

/**
 * What a merge mirror keeps: the retention window, plus the filter with `archiveNonMatching`. Null
 * when nothing ever leaves the mirror (no such setting, or delta mode).
 */
export function keepScopeOf(ctx: CaptureContext, now: Date): SoqlFragment | null {
  if (ctx.mapping.mode !== 'merge') return null;
  return all([ctx.mapping.archiveNonMatching ? userFilterOf(ctx) : null, retentionOf(ctx, now)]);
}

/**
 * Whether a poll also looks for records that stopped matching the filter: only with a filter and
 * `archiveNonMatching`, in merge mode. (Retention alone needs no poll query: CreatedDate never
 * changes, so no edit moves a record out of the window; ageing out is left to the reconciliation.)
 */
export function pollsForArchived(ctx: CaptureContext): boolean {
  return ctx.mapping.mode === 'merge' && ctx.mapping.archiveNonMatching && ctx.mapping.filter !== undefined;
}
