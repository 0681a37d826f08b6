/**
 * Sends one WriteGroup to Salesforce and says how each write went (WriteOutcome, in the group's
 * order). The API is chosen per group, as Heroku Connect does (reference sync-algorithms.md 1.5):
 *
 * - sObject Collections (≤ 200 records per call) below the Bulk threshold: inserts as upserts on the
 *   external id (idempotent: a resend after a lost answer updates the record it created), plain
 *   creates only for objects without one; updates by Id; deletes by Id.
 * - Bulk 2.0 ingest from `bulkThreshold` writes (default 2,000; ordered plans only — pass Infinity
 *   for merged ones), in jobs of ≤ `bulkJobSize` records (default 10,000, Salesforce's batch size).
 *   Results are matched back by external id (upsert) or Id. A record that failed in Bulk, or that
 *   Bulk never processed, is sent once more through collections, and that answer counts (Heroku
 *   Connect falls back from Bulk to SOAP the same way); Bulk refusals are often transient
 *   (UNABLE_TO_LOCK_ROW between parallel batches).
 *
 * Per-record answers:
 * - `DUPLICATE_VALUE` on the external id for an insert means the record already exists with our
 *   UUID — a previous send whose acknowledgement was lost, or a race with it: success, with the Id
 *   queried by external id.
 * - `ENTITY_IS_DELETED` for a delete: the record is already gone, which is what was asked: success.
 * - `UNABLE_TO_LOCK_ROW`: a failure with `retry: true` (the record was not refused; send it later).
 *
 * Errors of a whole call — 503, network, a session that cannot be refreshed, limits — are thrown
 * (TransientError, RateLimitError…), never turned into record failures: the writer keeps the rows
 * and retries the group. Resending is safe: inserts are upserts on the external id, updates set the
 * same values again and deletes of deleted records succeed.
 */
import { InvariantError } from '../errors/index.js';
import type { SalesforceClient } from '../salesforce/client.js';
import { flattenRecord } from '../salesforce/bulk/csv-encode.js';
import { ExactNumber } from '../salesforce/http/exact-json.js';
import type { IngestFailure, IngestSuccess } from '../salesforce/bulk/ingest-results.js';
import type { PollOptions } from '../salesforce/http/backoff.js';
import { soql } from '../salesforce/soql.js';
import type { SaveResult, SObjectRecord } from '../salesforce/types.js';
import { DEFAULT_EXTERNAL_ID_FIELD } from './external-id.js';
import type { PlannedWrite, WriteGroup, WriteOutcome } from './write-plan.js';

export const DEFAULT_BULK_THRESHOLD = 2_000;
export const DEFAULT_BULK_JOB_SIZE = 10_000;

export interface SendOptions {
  /** The external-id field inserts are upserted on (default `Ferry_Id__c`). */
  readonly externalIdField?: string | undefined;
  /** Groups of at least this many writes go through Bulk 2.0 (default 2,000; Infinity: never). */
  readonly bulkThreshold?: number | undefined;
  /** Records per Bulk job (default 10,000). */
  readonly bulkJobSize?: number | undefined;
  /** Collections call size, 1..200 (default 200). */
  readonly collectionSize?: number | undefined;
  /**
   * Run assignment rules (Lead, Case owners) on inserts and updates. Default false: Ferry sends
   * `Sforce-Auto-Assign: FALSE`, since REST would otherwise apply the active rule. With true, Bulk
   * is used only when `assignmentRuleId` names the rule (Bulk jobs apply no rule without one).
   */
  readonly assignmentRules?: boolean | undefined;
  readonly assignmentRuleId?: string | undefined;
  readonly poll?: Partial<PollOptions> | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * Called with final outcomes as soon as a collections call has answered them, before the next call
   * is sent, so the writer can record them while the rest of the group travels. Every outcome is
   * also in the returned array. Must not block: it is called between calls.
   */
  readonly onOutcomes?: ((outcomes: readonly WriteOutcome[]) => void) | undefined;
}

const DUPLICATE_VALUE = 'DUPLICATE_VALUE';
const ENTITY_IS_DELETED = 'ENTITY_IS_DELETED';
const RETRY_CODES = new Set(['UNABLE_TO_LOCK_ROW']);

/** Sends the group; outcomes in the order of `group.writes`. */
export async function sendGroup(
  sf: SalesforceClient,
  group: WriteGroup,
  options: SendOptions = {},
): Promise<WriteOutcome[]> {
  if (group.writes.length === 0) return [];
  for (const w of group.writes) {
    if (w.object !== group.object || w.op !== group.op) {
      throw new InvariantError(
        `write group ${group.op} ${group.object} holds a ${w.op} of ${w.object} (record ${w.recordId})`,
      );
    }
  }
  const threshold = options.bulkThreshold ?? DEFAULT_BULK_THRESHOLD;
  const bulkAllowed =
    !(options.assignmentRules === true && options.assignmentRuleId === undefined) &&
    group.writes.length >= threshold;
  if (!bulkAllowed) return sendCollections(sf, group.writes, options);

  // Bulk matches results by external id or Id: plain inserts (no external id) cannot be matched.
  const viaBulk = group.writes.filter((w) => w.op !== 'insert' || w.externalId !== null);
  const viaCollections = group.writes.filter((w) => w.op === 'insert' && w.externalId === null);
  const outcomes = new Map<PlannedWrite, WriteOutcome>();
  const size = options.bulkJobSize ?? DEFAULT_BULK_JOB_SIZE;
  const retry: PlannedWrite[] = [...viaCollections];
  for (let i = 0; i < viaBulk.length; i += size) {
    const chunk = viaBulk.slice(i, i + size);
    const done = await sendBulkJob(sf, group, chunk, options);
    for (const w of chunk) {
      const o = done.get(w);
      if (o?.ok) outcomes.set(w, o);
      else retry.push(w); // failed or never processed: once more through collections
    }
  }
  for (const o of await sendCollections(sf, retry, options)) outcomes.set(o.write, o);
  return group.writes.map((w) => {
    const o = outcomes.get(w);
    if (!o) throw new InvariantError(`no outcome for ${w.op} of ${w.object} record ${w.recordId}`);
    return o;
  });
}

function extFieldOf(options: SendOptions): string {
  return options.externalIdField ?? DEFAULT_EXTERNAL_ID_FIELD;
}

/** Writes of one op on one object through collections; outcomes in input order. */
async function sendCollections(
  sf: SalesforceClient,
  writes: readonly PlannedWrite[],
  options: SendOptions,
): Promise<WriteOutcome[]> {
  if (writes.length === 0) return [];
  const first = writes[0]!;
  const common = {
    chunkSize: options.collectionSize,
    signal: options.signal,
  };
  const autoAssign = options.assignmentRules ?? false;
  const outcomes = new Map<PlannedWrite, WriteOutcome>();
  /** Outcomes of `list` chunk by chunk; `final` says which may be reported before the call ends. */
  const collect =
    (list: readonly PlannedWrite[], final: (o: WriteOutcome) => boolean = () => true) =>
    (results: readonly SaveResult[], offset: number): void => {
      const done: WriteOutcome[] = [];
      results.forEach((r, i) => {
        const w = list[offset + i]!;
        const o = toOutcome(w, r);
        outcomes.set(w, o);
        if (final(o)) done.push(o);
      });
      if (done.length > 0) options.onOutcomes?.(done);
    };

  if (first.op === 'insert') {
    const upserts = writes.filter((w) => w.externalId !== null);
    const creates = writes.filter((w) => w.externalId === null);
    if (upserts.length > 0) {
      const ext = extFieldOf(options);
      await sf.upsert(
        first.object,
        ext,
        upserts.map((w) => withExternalId(w, ext)),
        // DUPLICATE_VALUE on our external id is settled below (a query), then reported.
        {
          ...common,
          autoAssign,
          idempotent: true,
          onChunk: collect(upserts, (o) => !isOurDuplicate(o, ext)),
        },
      );
      const settled = await settleDuplicates(sf, first.object, ext, upserts, outcomes, options);
      if (settled.length > 0) options.onOutcomes?.(settled);
    }
    if (creates.length > 0) {
      await sf.create(
        first.object,
        creates.map((w) => ({ ...w.fields })),
        { ...common, autoAssign, onChunk: collect(creates) },
      );
    }
  } else if (first.op === 'update') {
    await sf.update(
      first.object,
      writes.map((w) => ({ ...w.fields, Id: sfidOf(w) })),
      // Setting the same values twice is harmless: a lost answer may be resent.
      { ...common, autoAssign, idempotent: true, onChunk: collect(writes) },
    );
  } else {
    await sf.delete(
      writes.map((w) => sfidOf(w)),
      { ...common, onChunk: collect(writes) },
    );
  }
  return writes.map((w) => outcomes.get(w) ?? toOutcome(w, undefined));
}

/** The insert's fields with its UUID under `ext` (replacing the same field in any other casing). */
function withExternalId(w: PlannedWrite, ext: string): SObjectRecord {
  const lower = ext.toLowerCase();
  const out: SObjectRecord = {};
  for (const [k, v] of Object.entries(w.fields)) if (k.toLowerCase() !== lower) out[k] = v;
  out[ext] = w.externalId;
  return out;
}

function sfidOf(w: PlannedWrite): string {
  if (w.sfid === null) {
    throw new InvariantError(
      `${w.op} of ${w.object} record ${w.recordId} (log ${w.logIds.join(', ')}) has no sfid`,
    );
  }
  return w.sfid;
}

function toOutcome(write: PlannedWrite, r: SaveResult | undefined): WriteOutcome {
  if (!r) {
    return {
      write,
      ok: false,
      code: 'UNKNOWN_EXCEPTION',
      message: 'Salesforce returned no result',
      fields: [],
    };
  }
  if (r.success) {
    const sfid = r.id ?? write.sfid;
    if (sfid === null) {
      throw new InvariantError(
        `Salesforce reported success for ${write.op} of ${write.object} without an Id`,
      );
    }
    return { write, ok: true, sfid };
  }
  const first = r.errors[0];
  const code = first?.statusCode ?? 'UNKNOWN_EXCEPTION';
  if (write.op === 'delete' && code === ENTITY_IS_DELETED && write.sfid !== null) {
    return { write, ok: true, sfid: write.sfid };
  }
  const message = r.errors.map((e) => e.message).join('; ') || 'Salesforce refused the record';
  const fields = [...new Set(r.errors.flatMap((e) => e.fields))];
  return RETRY_CODES.has(code)
    ? { write, ok: false, code, message, fields, retry: true }
    : { write, ok: false, code, message, fields };
}

/** DUPLICATE_VALUE on the external id of an insert: the record exists already (a resend). */
function isOurDuplicate(o: WriteOutcome, ext: string): boolean {
  if (o.ok || o.code !== DUPLICATE_VALUE) return false;
  const extLower = ext.toLowerCase();
  return o.fields.some((f) => f.toLowerCase() === extLower) || o.message.toLowerCase().includes(extLower);
}

/**
 * DUPLICATE_VALUE on our external id: the record exists already; take its Id. Returns the outcomes of
 * those writes (success when found, the refusal otherwise), now final.
 */
async function settleDuplicates(
  sf: SalesforceClient,
  object: string,
  ext: string,
  writes: readonly PlannedWrite[],
  outcomes: Map<PlannedWrite, WriteOutcome>,
  options: SendOptions,
): Promise<WriteOutcome[]> {
  const dup = writes.filter((w) => {
    const o = outcomes.get(w);
    return o !== undefined && isOurDuplicate(o, ext);
  });
  if (dup.length === 0) return [];
  const found = new Map<string, string>();
  for (let i = 0; i < dup.length; i += 200) {
    const values = dup.slice(i, i + 200).map((w) => w.externalId!);
    const query = soql.select(['Id', ext]).from(object).where(soql.in(ext, values));
    for await (const rec of sf.query<SObjectRecord>(query, { signal: options.signal })) {
      const key = valueOf(rec, ext);
      if (typeof key === 'string' && typeof rec.Id === 'string') found.set(key.toLowerCase(), rec.Id);
    }
  }
  for (const w of dup) {
    const id = found.get(w.externalId!.toLowerCase());
    if (id !== undefined) outcomes.set(w, { write: w, ok: true, sfid: id });
  }
  return dup.map((w) => outcomes.get(w)!);
}

function valueOf(rec: SObjectRecord, field: string): unknown {
  const lower = field.toLowerCase();
  const key = Object.keys(rec).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : rec[key];
}

/** One Bulk 2.0 job; returns the outcome of each write that has a result row. */
async function sendBulkJob(
  sf: SalesforceClient,
  group: WriteGroup,
  writes: readonly PlannedWrite[],
  options: SendOptions,
): Promise<Map<PlannedWrite, WriteOutcome>> {
  const ext = extFieldOf(options);
  const records = writes.map((w): SObjectRecord => {
    if (w.op === 'insert') return csvValues(withExternalId(w, ext));
    if (w.op === 'update') return csvValues({ Id: sfidOf(w), ...w.fields });
    return { Id: sfidOf(w) };
  });
  // Every column any record has; a record without one leaves an empty cell (= not set / unchanged).
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(flattenRecord(r))) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  const { job, info } = await sf.bulkIngest({
    object: group.object,
    operation: group.op === 'insert' ? 'upsert' : group.op,
    externalIdFieldName: group.op === 'insert' ? ext : undefined,
    assignmentRuleId: options.assignmentRules ? options.assignmentRuleId : undefined,
    records,
    columns,
    poll: options.poll,
    signal: options.signal,
  });
  // Key: external id (insert) or Id (update/delete), lower-cased; 15-char Ids never occur here.
  const byKey = new Map<string, PlannedWrite>();
  for (const w of writes) byKey.set(keyOfWrite(w), w);
  const out = new Map<PlannedWrite, WriteOutcome>();
  const keyOfRow = (row: IngestSuccess | IngestFailure): string | undefined => {
    const cell = group.op === 'insert' ? row.record[ext] : (row.record.Id ?? row.id);
    return cell === null || cell === undefined ? undefined : cell.toLowerCase();
  };
  for await (const row of job.successfulResults()) {
    const key = keyOfRow(row);
    const w = key === undefined ? undefined : byKey.get(key);
    if (w) out.set(w, { write: w, ok: true, sfid: row.id });
  }
  if (info.numberRecordsFailed !== 0) {
    for await (const row of job.failedResults()) {
      const key = keyOfRow(row);
      const w = key === undefined ? undefined : byKey.get(key);
      if (w) {
        const o = toOutcome(w, { id: row.id, success: false, errors: [row.error] });
        out.set(w, o);
      }
    }
  }
  return out;
}

/** CSV cells are text: an exact number is its digits (the CSV encoder knows no ExactNumber). */
function csvValues(record: SObjectRecord): SObjectRecord {
  let out: SObjectRecord | undefined;
  for (const [k, v] of Object.entries(record)) {
    if (v instanceof ExactNumber) (out ??= { ...record })[k] = v.text;
  }
  return out ?? record;
}

function keyOfWrite(w: PlannedWrite): string {
  return (w.op === 'insert' ? w.externalId! : sfidOf(w)).toLowerCase();
}
