/**
 * sObject Collections: create / update / upsert / delete in calls of at most 200 records (the API's
 * limit), sent one after another so results come back in input order. `allOrNone` applies per call:
 * Salesforce cannot roll back a call that already succeeded, so when a call fails under allOrNone
 * the following chunks are not sent and their records are reported as `NOT_SENT`.
 *
 * Inserts are not idempotent: a call whose answer is lost may have been applied, so the transport
 * resends it only if the caller passes `idempotent: true` (Ferry's writer does, because every insert
 * carries a UUID external id and is sent as an upsert on it).
 */
import { z } from 'zod';
import { InvariantError } from '../../errors/index.js';
import type { ApiContext } from '../api-context.js';
import type { HttpRequest } from '../http/transport.js';
import { identifier } from '../soql.js';
import type { SaveResult, SObjectRecord } from '../types.js';

/** The API's per-call record limit. */
export const COLLECTION_LIMIT = 200;

/** Status code of records in chunks that were never sent (an earlier chunk failed under allOrNone). */
export const NOT_SENT = 'NOT_SENT';

export interface CollectionOptions {
  /** Per call of ≤200 records: all succeed or none is saved. Default false. */
  readonly allOrNone?: boolean | undefined;
  /**
   * The request may be resent after a lost answer (e.g. the records carry external ids). Default:
   * delete is idempotent; create, update and upsert are not.
   */
  readonly idempotent?: boolean | undefined;
  /** Chunk size, 1..200 (default 200). */
  readonly chunkSize?: number | undefined;
  /**
   * Called after each chunk with its results and the input index of its first record, before the
   * next chunk is sent: lets a caller persist progress so a later failure loses nothing.
   */
  readonly onChunk?: ((results: readonly SaveResult[], offset: number) => void | Promise<void>) | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * Assignment rules (Lead, Case) on create / update / upsert: header `Sforce-Auto-Assign`. REST
   * applies the active rule when the header is absent; false turns that off. Default: no header.
   */
  readonly autoAssign?: boolean | undefined;
}

const SaveErrorSchema = z.looseObject({
  statusCode: z.string(),
  message: z.string(),
  fields: z.array(z.string()).optional(),
});
const SaveResultSchema = z.looseObject({
  id: z.string().nullable().optional(),
  success: z.boolean(),
  errors: z.array(SaveErrorSchema).optional(),
  created: z.boolean().optional(),
});
const ResultsSchema = z.array(SaveResultSchema);

function toSaveResult(r: z.output<typeof SaveResultSchema>): SaveResult {
  const base = {
    id: r.id ?? null,
    success: r.success,
    errors: (r.errors ?? []).map((e) => ({
      statusCode: e.statusCode,
      message: e.message,
      fields: e.fields ?? [],
    })),
  };
  return r.created === undefined ? base : { ...base, created: r.created };
}

function chunkSizeOf(options: CollectionOptions): number {
  const n = options.chunkSize ?? COLLECTION_LIMIT;
  if (!Number.isInteger(n) || n < 1 || n > COLLECTION_LIMIT) {
    throw new InvariantError(`collections chunkSize must be 1..${COLLECTION_LIMIT}, got ${n}`);
  }
  return n;
}

/** Sends `items` chunk by chunk; `build` makes the request for one chunk. */
async function inChunks<T>(
  ctx: ApiContext,
  items: readonly T[],
  options: CollectionOptions,
  build: (chunk: readonly T[], first: number) => HttpRequest,
): Promise<SaveResult[]> {
  const size = chunkSizeOf(options);
  const results: SaveResult[] = [];
  for (let offset = 0; offset < items.length; offset += size) {
    const chunk = items.slice(offset, offset + size);
    const req = build(chunk, offset);
    const raw = await ctx.transport.json(req, ResultsSchema);
    if (raw.length !== chunk.length) {
      throw new InvariantError(
        `${req.context ?? 'collections'}: Salesforce returned ${raw.length} results for ${chunk.length} records`,
      );
    }
    const chunkResults = raw.map(toSaveResult);
    results.push(...chunkResults);
    await options.onChunk?.(chunkResults, offset);
    if (options.allOrNone && chunkResults.some((r) => !r.success)) {
      const rest = items.length - results.length;
      const message = `not sent: records ${offset + 1}..${offset + chunk.length} failed and allOrNone was asked`;
      for (let i = 0; i < rest; i++) {
        results.push({ id: null, success: false, errors: [{ statusCode: NOT_SENT, message, fields: [] }] });
      }
      break;
    }
  }
  return results;
}

function withType(type: string, record: SObjectRecord): SObjectRecord {
  return { ...record, attributes: { type } };
}

function range(first: number, n: number): string {
  return `records ${first + 1}..${first + n}`;
}

/** Create, update and upsert share one request shape: typed records and the caller's allOrNone. */
function saveRecords(
  ctx: ApiContext,
  type: string,
  records: readonly SObjectRecord[],
  options: CollectionOptions,
  method: 'POST' | 'PATCH',
  path: string,
  verb: string,
): Promise<SaveResult[]> {
  return inChunks(ctx, records, options, (chunk, first) => ({
    method,
    path,
    body: { json: { allOrNone: options.allOrNone ?? false, records: chunk.map((r) => withType(type, r)) } },
    headers:
      options.autoAssign === undefined
        ? undefined
        : { 'Sforce-Auto-Assign': options.autoAssign ? 'TRUE' : 'FALSE' },
    idempotent: options.idempotent ?? false,
    signal: options.signal,
    context: `${verb} ${range(first, chunk.length)}`,
  }));
}

/** `POST /composite/sobjects`; records without Id. */
export function createRecords(
  ctx: ApiContext,
  type: string,
  records: readonly SObjectRecord[],
  options: CollectionOptions = {},
): Promise<SaveResult[]> {
  const t = identifier(type);
  return saveRecords(ctx, t, records, options, 'POST', `${ctx.basePath}/composite/sobjects`, `create ${t}`);
}

/** `PATCH /composite/sobjects`; each record carries its `Id` (or `id`). */
export function updateRecords(
  ctx: ApiContext,
  type: string,
  records: readonly SObjectRecord[],
  options: CollectionOptions = {},
): Promise<SaveResult[]> {
  const t = identifier(type);
  records.forEach((r, i) => {
    if (typeof (r.Id ?? r.id) !== 'string')
      throw new InvariantError(`update ${t}: record ${i + 1} has no Id`);
  });
  return saveRecords(ctx, t, records, options, 'PATCH', `${ctx.basePath}/composite/sobjects`, `update ${t}`);
}

/** `PATCH /composite/sobjects/{T}/{extIdField}`; each record carries the external id field. */
export function upsertRecords(
  ctx: ApiContext,
  type: string,
  externalIdField: string,
  records: readonly SObjectRecord[],
  options: CollectionOptions = {},
): Promise<SaveResult[]> {
  const t = identifier(type);
  const ext = identifier(externalIdField);
  return saveRecords(
    ctx,
    t,
    records,
    options,
    'PATCH',
    `${ctx.basePath}/composite/sobjects/${t}/${ext}`,
    `upsert ${t} on ${ext}`,
  );
}

/** `DELETE /composite/sobjects?ids=…` (to the recycle bin). Deleting twice only reports ENTITY_IS_DELETED. */
export function deleteRecords(
  ctx: ApiContext,
  ids: readonly string[],
  options: CollectionOptions = {},
): Promise<SaveResult[]> {
  ids.forEach((id, i) => {
    // Ids go into a comma-separated query parameter: anything else would corrupt the list.
    if (!/^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/.test(id)) {
      throw new InvariantError(`delete: item ${i + 1} is not a record id: ${JSON.stringify(id)}`);
    }
  });
  return inChunks(ctx, ids, options, (chunk, first) => ({
    method: 'DELETE',
    path: `${ctx.basePath}/composite/sobjects`,
    query: { ids: chunk.join(','), allOrNone: options.allOrNone ? 'true' : undefined },
    idempotent: options.idempotent ?? true,
    signal: options.signal,
    context: `delete ${range(first, chunk.length)}`,
  }));
}
