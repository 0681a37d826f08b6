/**
 * Replication API: ids updated or deleted in a window (`GET …/sobjects/{T}/updated|deleted`).
 * Salesforce truncates start/end to the minute, keeps deletes for about 15 days and refuses windows
 * with more than 600,000 ids (EXCEEDED_ID_LIMIT): callers page through time, not through ids.
 * `earliestDateAvailable` later than the requested start means deletes were lost: resync.
 */
import { z } from 'zod';
import { InvariantError } from '../../errors/index.js';
import type { ApiContext } from '../api-context.js';
import { identifier } from '../soql.js';

const UpdatedSchema = z.looseObject({ ids: z.array(z.string()), latestDateCovered: z.string() });
export type UpdatedResult = z.output<typeof UpdatedSchema>;

const DeletedSchema = z.looseObject({
  deletedRecords: z.array(z.looseObject({ id: z.string(), deletedDate: z.string() })),
  earliestDateAvailable: z.string(),
  latestDateCovered: z.string(),
});
export type DeletedResult = z.output<typeof DeletedSchema>;

/** `2024-05-01T00:00:00+00:00`, the form jsforce and the docs use. */
export function replicationDate(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new InvariantError('replication window bound is an invalid Date');
  return d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function window(
  ctx: ApiContext,
  kind: 'updated' | 'deleted',
  type: string,
  start: Date,
  end: Date,
  signal: AbortSignal | undefined,
) {
  const t = identifier(type);
  if (end.getTime() < start.getTime()) throw new InvariantError(`get ${kind} ${t}: end is before start`);
  return {
    method: 'GET' as const,
    path: `${ctx.basePath}/sobjects/${t}/${kind}`,
    query: { start: replicationDate(start), end: replicationDate(end) },
    context: `get ${kind} ${t}`,
    signal,
  };
}

export function getUpdated(
  ctx: ApiContext,
  type: string,
  start: Date,
  end: Date,
  signal?: AbortSignal,
): Promise<UpdatedResult> {
  return ctx.transport.json(window(ctx, 'updated', type, start, end, signal), UpdatedSchema);
}

export function getDeleted(
  ctx: ApiContext,
  type: string,
  start: Date,
  end: Date,
  signal?: AbortSignal,
): Promise<DeletedResult> {
  return ctx.transport.json(window(ctx, 'deleted', type, start, end, signal), DeletedSchema);
}
