/**
 * What Bulk 2.0 ingest and query jobs share: the JobInfo shape, state names, and waiting for a job
 * with polls that start quick (~0.5 s, so small jobs finish fast) and slow down geometrically to a
 * cap (so a two-hour job costs a few hundred calls, not seven thousand).
 */
import { z } from 'zod';
import { InvariantError, TransientError, fromSalesforceError, type FerryError } from '../../errors/index.js';
import type { ApiContext } from '../api-context.js';
import { pollDelays, type PollOptions } from '../http/backoff.js';

export type JobKind = 'ingest' | 'query';

export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

export const TERMINAL_STATES: ReadonlySet<string> = new Set(['JobComplete', 'Failed', 'Aborted']);

export const JobInfoSchema = z.looseObject({
  id: z.string(),
  state: z.string(),
  operation: z.string().optional(),
  object: z.string().optional(),
  createdDate: z.string().optional(),
  systemModstamp: z.string().optional(),
  externalIdFieldName: z.string().nullable().optional(),
  contentType: z.string().optional(),
  apiVersion: z.union([z.number(), z.string()]).optional(),
  jobType: z.string().optional(),
  lineEnding: z.string().optional(),
  columnDelimiter: z.string().optional(),
  numberRecordsProcessed: z.number().optional(),
  numberRecordsFailed: z.number().optional(),
  retries: z.number().optional(),
  totalProcessingTime: z.number().optional(),
  errorMessage: z.string().nullable().optional(),
});
export type JobInfo = z.output<typeof JobInfoSchema>;

export function jobPath(ctx: ApiContext, kind: JobKind, id?: string): string {
  const base = `${ctx.basePath}/jobs/${kind}`;
  if (id === undefined) return base;
  if (!/^[A-Za-z0-9]{15,18}$/.test(id)) throw new InvariantError(`not a Bulk job id: ${JSON.stringify(id)}`);
  return `${base}/${id}`;
}

export function getJobInfo(
  ctx: ApiContext,
  kind: JobKind,
  id: string,
  signal?: AbortSignal,
): Promise<JobInfo> {
  return ctx.transport.json(
    { method: 'GET', path: jobPath(ctx, kind, id), context: `Bulk ${kind} job ${id}`, signal },
    JobInfoSchema,
  );
}

export function setJobState(
  ctx: ApiContext,
  kind: JobKind,
  id: string,
  state: 'UploadComplete' | 'Aborted',
  signal?: AbortSignal,
): Promise<JobInfo> {
  return ctx.transport.json(
    {
      method: 'PATCH',
      path: jobPath(ctx, kind, id),
      body: { json: { state } },
      // Setting a state twice is harmless (Salesforce refuses the second with a clear error at worst).
      idempotent: true,
      context: `set Bulk ${kind} job ${id} to ${state}`,
      signal,
    },
    JobInfoSchema,
  );
}

export async function deleteJob(
  ctx: ApiContext,
  kind: JobKind,
  id: string,
  signal?: AbortSignal,
): Promise<void> {
  await ctx.transport.empty({
    method: 'DELETE',
    path: jobPath(ctx, kind, id),
    context: `delete Bulk ${kind} job ${id}`,
    signal,
  });
}

/** Polls until the job reaches JobComplete, Failed or Aborted, and returns its last JobInfo. */
export async function waitForJob(
  ctx: ApiContext,
  kind: JobKind,
  id: string,
  poll: PollOptions,
  signal?: AbortSignal,
): Promise<JobInfo> {
  const started = Date.now();
  let polls = 0;
  for (const delay of pollDelays(poll)) {
    if (poll.timeoutMs !== undefined && Date.now() - started + delay > poll.timeoutMs) {
      throw new TransientError(`Bulk ${kind} job ${id} is still running after ${poll.timeoutMs} ms`, {
        code: 'BULK_JOB_TIMEOUT',
        hint: `wait longer, or abort the job (PATCH state Aborted) if it is stuck`,
      });
    }
    await ctx.sleep(delay, signal);
    const info = await getJobInfo(ctx, kind, id, signal);
    polls++;
    ctx.logger.debug({ jobId: id, kind, state: info.state, polls }, 'Bulk job state');
    if (TERMINAL_STATES.has(info.state)) {
      ctx.logger.info(
        {
          jobId: id,
          kind,
          state: info.state,
          processed: info.numberRecordsProcessed,
          failed: info.numberRecordsFailed,
          ms: Date.now() - started,
          polls,
        },
        'Bulk job finished',
      );
      return info;
    }
  }
  throw new InvariantError('poll schedule ended');
}

/** The error for a Failed / Aborted job, classified from the Salesforce code in its errorMessage. */
export function jobError(kind: JobKind, info: JobInfo): FerryError {
  const message = info.errorMessage ?? `job ended in state ${info.state}`;
  // errorMessage often embeds a code: "InvalidBatch : Failed to process query: INVALID_FIELD: …".
  const code = /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/.exec(message)?.[1];
  const errorCode = code ?? (info.state === 'Aborted' ? 'BULK_JOB_ABORTED' : 'BULK_JOB_FAILED');
  return fromSalesforceError({ errorCode, message }, `Bulk ${kind} job ${info.id} ${info.state}`);
}
