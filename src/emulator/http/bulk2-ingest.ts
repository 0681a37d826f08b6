/**
 * Bulk API 2.0 ingest routes (`/services/data/vXX.X/jobs/ingest...`, API ≥ 41.0). Thin: parse and
 * validate the request, call the job (src/emulator/bulk/ingest-job.ts), render.
 */
import { BulkError } from '../bulk/bulk-error.js';
import { isIngestOperation } from '../bulk/chunk-writer.js';
import { toStream } from '../bulk/csv-chunks.js';
import { IngestJob } from '../bulk/ingest-job.js';
import type { BulkJobs } from '../bulk/job-store.js';
import type { ObjectDef } from '../schema/types.js';
import {
  bulk2Resource,
  createdBy,
  csvFormat,
  csvResponse,
  deleteJob,
  enumValue,
  jsonBody,
  jsonResponse,
  optionalString,
} from './bulk2-http.js';
import type { EmuRequest, EmulatorEnv, Route } from './types.js';

const { base: BASE, job: JOB, route } = bulk2Resource('ingest', 41);

export function bulk2IngestRoutes(jobs: BulkJobs): Route[] {
  const job = (req: EmuRequest): IngestJob => jobs.ingest.get(req.params['id'] ?? '');
  return [
    route('POST', `${BASE}/?$`, 'bulk2-ingest-create', (req, env) => {
      const created = createJob(req, env, jobs.ids.next('750'));
      jobs.ingest.add(created.id, created);
      return jsonResponse(200, created.summary());
    }),
    route('GET', `${BASE}/?$`, 'bulk2-ingest-list', (req) => {
      const jobType = req.query.get('jobType');
      const records = jobType === null || jobType === 'V2Ingest' ? jobs.ingest.values() : [];
      return jsonResponse(200, {
        done: true,
        records: records.map((j) => ({ ...j.summary(), jobType: 'V2Ingest' })),
        nextRecordsUrl: null,
      });
    }),
    route('GET', `${JOB}/?$`, 'bulk2-ingest-get', (req) => jsonResponse(200, job(req).info())),
    route('PATCH', `${JOB}/?$`, 'bulk2-ingest-state', (req) => {
      const target = job(req);
      const state = optionalString(jsonBody(req), 'state');
      if (state === 'UploadComplete') target.close();
      else if (state === 'Aborted') target.abort();
      else throw new BulkError(400, 'INVALIDJOBSTATE', `Unsupported state change to ${state ?? '(none)'}`);
      return jsonResponse(200, target.summary());
    }),
    route('DELETE', `${JOB}/?$`, 'bulk2-ingest-delete', (req) => deleteJob(job(req), jobs.ingest)),
    // 201 with no body (jsforce expects no JSON). The body may have come chunked: the server reads it whole.
    route('PUT', `${JOB}/batches/?$`, 'bulk2-ingest-upload', (req) => {
      job(req).upload(req.body);
      return { status: 201, body: null };
    }),
    route('GET', `${JOB}/successfulResults/?$`, 'bulk2-ingest-results', (req) =>
      csvResponse(toStream(job(req).successfulResults())),
    ),
    route('GET', `${JOB}/failedResults/?$`, 'bulk2-ingest-results', (req) =>
      csvResponse(toStream(job(req).failedResults())),
    ),
    route('GET', `${JOB}/unprocessedrecords/?$`, 'bulk2-ingest-results', (req) =>
      csvResponse(toStream(job(req).unprocessedRecords())),
    ),
  ];
}

function createJob(req: EmuRequest, env: EmulatorEnv, id: string): IngestJob {
  const body = jsonBody(req);
  const objectName = optionalString(body, 'object');
  const operationValue = optionalString(body, 'operation');
  if (objectName === undefined || objectName === '') {
    throw new BulkError(400, 'INVALIDJOB', 'Object is required to create a job');
  }
  if (operationValue === undefined) {
    throw new BulkError(400, 'INVALIDJOB', 'Operation is required to create a job');
  }
  const operation = enumValue(body, 'operation', isIngestOperation, 'insert');
  const { columnDelimiter, lineEnding } = csvFormat(body);
  const object = env.org.schema.object(objectName);
  if (object === undefined) throw new BulkError(400, 'INVALIDJOB', `Unable to find object: ${objectName}`);
  const externalIdFieldName =
    operation === 'upsert' ? externalIdField(object, optionalString(body, 'externalIdFieldName')) : null;
  return new IngestJob(
    {
      id,
      object: object.name,
      operation,
      externalIdFieldName,
      assignmentRuleId: optionalString(body, 'assignmentRuleId') ?? null,
      columnDelimiter,
      lineEnding,
      apiVersion: req.params['version'] ?? '',
      createdById: createdBy(req, env),
    },
    env.org,
    () => env.recordUsage?.('DailyBulkApiBatches'),
  );
}

/** Upsert needs a field usable as a key: Id, an External ID field, or an idLookup field. */
function externalIdField(object: ObjectDef, name: string | undefined): string {
  if (name === undefined || name === '') {
    throw new BulkError(
      400,
      'INVALIDJOB',
      `External ID was blank for ${object.name}. An External ID must be specified for upsert.`,
    );
  }
  const field = object.fieldIndex.get(name.toLowerCase());
  if (field === undefined) throw new BulkError(400, 'INVALIDJOB', `Field name not found : ${name}`);
  if (!field.externalId && !field.idLookup && field.type !== 'id') {
    throw new BulkError(
      400,
      'INVALIDJOB',
      `Field ${field.name} is not an External ID or Id field on ${object.name}`,
    );
  }
  return field.name;
}
