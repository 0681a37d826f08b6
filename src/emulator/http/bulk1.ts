/**
 * Bulk API 1.0 routes (`/services/async/XX.X/job...`, session in `X-SFDC-Session`). Errors are
 * `<error><exceptionCode>…` documents with status 400 — jsforce refreshes its session only on a
 * 400 whose body holds `<exceptionCode>InvalidSessionId</exceptionCode>`.
 */
import { Bulk1Job } from '../bulk/bulk1-job.js';
import { isIngestOperation } from '../bulk/chunk-writer.js';
import { ingestResults, queryResult, queryResultList, type RenderedResult } from '../bulk/bulk1-results.js';
import type { Bulk1ContentType } from '../bulk/bulk1-records.js';
import {
  formatOfContentType,
  JSON_TYPE,
  parseJobRequest,
  renderBatchList,
  renderError,
  renderInfo,
  XML_TYPE,
  type Bulk1Format,
} from '../bulk/bulk1-wire.js';
import type { Bulk1Operation } from '../bulk/bulk1-batch.js';
import { BulkError } from '../bulk/bulk-error.js';
import { toStream } from '../bulk/csv-chunks.js';
import type { BulkJobs } from '../bulk/job-store.js';
import { OrgError } from '../org/types.js';
import type { EmuRequest, EmuResponse, EmulatorEnv, Route } from './types.js';

const BASE = String.raw`^/services/async/(?<version>\d+\.\d+)/job`;
const JOB = String.raw`${BASE}/(?<jobId>[A-Za-z0-9]{15,18})`;
const BATCH = String.raw`${JOB}/batch/(?<batchId>[A-Za-z0-9]{15,18})`;

const OPERATIONS: readonly Bulk1Operation[] = [
  'insert',
  'update',
  'upsert',
  'delete',
  'hardDelete',
  'query',
  'queryAll',
];
const CONTENT_TYPES: readonly Bulk1ContentType[] = ['CSV', 'XML', 'JSON'];

function document(status: number, body: string, format: Bulk1Format): EmuResponse {
  return { status, headers: { 'Content-Type': format === 'json' ? JSON_TYPE : XML_TYPE }, body };
}

function rendered(result: RenderedResult): EmuResponse {
  const body = typeof result.body === 'string' ? result.body : toStream(result.body);
  return { status: 200, headers: { 'Content-Type': result.contentType }, body };
}

export function bulk1Routes(jobs: BulkJobs): Route[] {
  const jobOf = (req: EmuRequest): Bulk1Job => {
    const id = req.params['jobId'] ?? '';
    const job = jobs.classic.find(id);
    if (job === undefined) throw new BulkError(400, 'InvalidJob', `Invalid job id: ${id}`);
    return job;
  };

  const route = (
    method: Route['method'],
    pattern: string,
    name: string,
    handle: (req: EmuRequest, env: EmulatorEnv) => EmuResponse,
  ): Route => ({
    method,
    pattern: new RegExp(pattern),
    auth: 'bulk1',
    name,
    counted: true,
    handle: (req, env) => {
      // Errors answer in the job's format when there is a job, else in the request's.
      const format =
        jobs.classic.find(req.params['jobId'] ?? '')?.format ??
        formatOfContentType(req.headers['content-type']);
      try {
        // Sessions are checked before handlers run (dispatch.ts answers 400 InvalidSessionId).
        return handle(req, env);
      } catch (error) {
        if (error instanceof BulkError)
          return document(400, renderError(error.errorCode, error.message, format), format);
        if (error instanceof OrgError)
          return document(400, renderError(error.errorCode, error.message, format), format);
        throw error;
      }
    },
  });

  return [
    route('POST', `${BASE}/?$`, 'bulk1-job-create', (req, env) => {
      const format = formatOfContentType(req.headers['content-type']);
      const job = createJob(req, env, jobs);
      jobs.classic.add(job.id, job);
      return document(201, renderInfo('jobInfo', job.info(), format), format);
    }),
    route('GET', `${JOB}/?$`, 'bulk1-job-get', (req) => {
      const job = jobOf(req);
      return document(200, renderInfo('jobInfo', job.info(), job.format), job.format);
    }),
    route('POST', `${JOB}/?$`, 'bulk1-job-state', (req) => {
      const job = jobOf(req);
      const { state } = parseJobRequest(req.body, formatOfContentType(req.headers['content-type']));
      if (state === 'Closed') job.close();
      else if (state === 'Aborted') job.abort();
      else throw new BulkError(400, 'InvalidJobState', `Unsupported state change to ${state ?? '(none)'}`);
      return document(200, renderInfo('jobInfo', job.info(), job.format), job.format);
    }),
    route('POST', `${JOB}/batch/?$`, 'bulk1-batch-create', (req, env) => {
      const job = jobOf(req);
      const batch = job.addBatch(jobs.ids.next('751'), req.body);
      env.recordUsage?.('DailyBulkApiBatches');
      return document(201, renderInfo('batchInfo', batch.info(), job.format), job.format);
    }),
    route('GET', `${JOB}/batch/?$`, 'bulk1-batch-list', (req) => {
      const job = jobOf(req);
      return document(
        200,
        renderBatchList(
          job.batches.map((b) => b.info()),
          job.format,
        ),
        job.format,
      );
    }),
    route('GET', `${BATCH}/?$`, 'bulk1-batch-get', (req) => {
      const job = jobOf(req);
      const batch = job.batch(req.params['batchId'] ?? '');
      return document(200, renderInfo('batchInfo', batch.info(), job.format), job.format);
    }),
    route('GET', `${BATCH}/request/?$`, 'bulk1-batch-request', (req) => {
      const job = jobOf(req);
      const batch = job.batch(req.params['batchId'] ?? '');
      const type = { CSV: 'text/csv', XML: XML_TYPE, JSON: JSON_TYPE }[job.settings.contentType];
      return { status: 200, headers: { 'Content-Type': type }, body: batch.data };
    }),
    route('GET', `${BATCH}/result/?$`, 'bulk1-batch-result', (req) => {
      const job = jobOf(req);
      const batch = job.batch(req.params['batchId'] ?? '');
      if (batch.state !== 'Completed' && batch.state !== 'Failed') {
        throw new BulkError(400, 'InvalidBatch', 'Batch not completed');
      }
      const operation = job.settings.operation;
      if (!isIngestOperation(operation)) {
        // A failed query batch has no result to list; its stateMessage says why.
        if (batch.query === null) throw new BulkError(400, 'InvalidBatch', 'Batch failed: no results');
        return rendered(queryResultList(batch.query.resultId, job.format));
      }
      return rendered(ingestResults(batch.results, job.settings.contentType, operation));
    }),
    route('GET', `${BATCH}/result/(?<resultId>[A-Za-z0-9]{15,18})/?$`, 'bulk1-query-result', (req, env) => {
      const job = jobOf(req);
      const batch = job.batch(req.params['batchId'] ?? '');
      const resultId = req.params['resultId'] ?? '';
      const result = batch.query;
      if (result === null || (result.resultId !== resultId && result.resultId.slice(0, 15) !== resultId)) {
        throw new BulkError(400, 'InvalidBatch', `Invalid result id: ${resultId}`);
      }
      const source = { cursor: result.cursor, ctx: env.org.ctx };
      return rendered(queryResult(source, job.settings.contentType, job.settings.apiVersion));
    }),
  ];
}

function createJob(req: EmuRequest, env: EmulatorEnv, jobs: BulkJobs): Bulk1Job {
  const format = formatOfContentType(req.headers['content-type']);
  const request = parseJobRequest(req.body, format);
  const operation = OPERATIONS.find((op) => op === request.operation);
  if (operation === undefined)
    throw new BulkError(400, 'InvalidJob', `Invalid operation: ${request.operation ?? '(none)'}`);
  const object = env.org.schema.object(request.object ?? '');
  if (object === undefined)
    throw new BulkError(400, 'InvalidJob', `Unable to find object: ${request.object ?? ''}`);
  // Salesforce's default content type for Bulk 1.0 jobs is XML.
  const contentType = CONTENT_TYPES.find((t) => t === (request.contentType ?? 'XML'));
  if (contentType === undefined) {
    throw new BulkError(400, 'InvalidJob', `Unsupported content type: ${request.contentType ?? ''}`);
  }
  const concurrencyMode = request.concurrencyMode ?? 'Parallel';
  if (concurrencyMode !== 'Parallel' && concurrencyMode !== 'Serial') {
    throw new BulkError(400, 'InvalidJob', `Invalid concurrency mode: ${concurrencyMode}`);
  }
  let externalIdFieldName: string | null = null;
  if (operation === 'upsert') {
    const name = request.externalIdFieldName ?? '';
    if (name === '') {
      throw new BulkError(
        400,
        'InvalidJob',
        `External ID was blank for ${object.name}. An External ID must be specified for upsert.`,
      );
    }
    const field = object.fieldIndex.get(name.toLowerCase());
    if (field === undefined) throw new BulkError(400, 'InvalidJob', `Field name not found : ${name}`);
    externalIdFieldName = field.name;
  }
  const id = jobs.ids.next('750');
  return new Bulk1Job(
    {
      id,
      operation,
      object: object.name,
      externalIdFieldName,
      assignmentRuleId: request.assignmentRuleId ?? null,
      concurrencyMode,
      contentType,
      apiVersion: req.params['version'] ?? '',
      createdById: req.session?.userId ?? env.org.identity.userId,
    },
    env.org,
    () => jobs.ids.next('752'),
  );
}
