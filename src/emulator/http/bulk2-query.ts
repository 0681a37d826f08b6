/**
 * Bulk API 2.0 query routes (`/services/data/vXX.X/jobs/query...`, API ≥ 47.0). The SOQL is compiled
 * at creation, so syntax errors and queries Bulk refuses (aggregates, OFFSET, compound fields...) are
 * a 400 on the POST, as in Salesforce; results are streamed page by page (src/emulator/bulk/query-job.ts).
 */
import { BulkError } from '../bulk/bulk-error.js';
import { toStream } from '../bulk/csv-chunks.js';
import type { BulkJobs } from '../bulk/job-store.js';
import { QueryJob, type QueryOperation } from '../bulk/query-job.js';
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

const { base: BASE, job: JOB, route } = bulk2Resource('query', 47);

const isQueryOperation = (value: unknown): value is QueryOperation =>
  value === 'query' || value === 'queryAll';

export function bulk2QueryRoutes(jobs: BulkJobs): Route[] {
  const job = (req: EmuRequest): QueryJob => jobs.query.get(req.params['id'] ?? '');
  return [
    route('POST', `${BASE}/?$`, 'bulk2-query-create', (req, env) => {
      const created = createJob(req, env, jobs.ids.next('750'));
      jobs.query.add(created.id, created);
      env.recordUsage?.('DailyBulkV2QueryJobs');
      created.start();
      return jsonResponse(200, created.summary());
    }),
    route('GET', `${BASE}/?$`, 'bulk2-query-list', () =>
      jsonResponse(200, {
        done: true,
        records: jobs.query.values().map((j) => ({ ...j.summary(), jobType: 'V2Query' })),
        nextRecordsUrl: null,
      }),
    ),
    route('GET', `${JOB}/?$`, 'bulk2-query-get', (req) => jsonResponse(200, job(req).info())),
    route('PATCH', `${JOB}/?$`, 'bulk2-query-state', (req) => {
      const target = job(req);
      const state = optionalString(jsonBody(req), 'state');
      if (state !== 'Aborted') {
        throw new BulkError(400, 'INVALIDJOBSTATE', `Unsupported state change to ${state ?? '(none)'}`);
      }
      target.abort();
      return jsonResponse(200, target.summary());
    }),
    route('DELETE', `${JOB}/?$`, 'bulk2-query-delete', (req) => deleteJob(job(req), jobs.query)),
    route('GET', `${JOB}/results/?$`, 'bulk2-query-results', (req) => {
      const page = job(req).page(req.query.get('locator') ?? undefined, maxRecords(req));
      return csvResponse(toStream(page.body), {
        'Sforce-NumberOfRecords': String(page.count),
        // The literal string `null` after the last page: clients loop `while (locator !== 'null')`.
        'Sforce-Locator': page.locator,
      });
    }),
  ];
}

function maxRecords(req: EmuRequest): number | undefined {
  const raw = req.query.get('maxRecords');
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new BulkError(400, 'INVALIDPARAMETER', `maxRecords must be a positive integer, not ${raw}`);
  }
  return Number(raw);
}

function createJob(req: EmuRequest, env: EmulatorEnv, id: string): QueryJob {
  const body = jsonBody(req);
  const soql = optionalString(body, 'query');
  if (optionalString(body, 'operation') === undefined) {
    throw new BulkError(400, 'INVALIDJOB', 'Operation is required to create a query job');
  }
  const operation = enumValue(body, 'operation', isQueryOperation, 'query');
  if (soql === undefined || soql.trim() === '') {
    throw new BulkError(400, 'INVALIDJOB', 'A query is required to create a query job');
  }
  const { columnDelimiter, lineEnding } = csvFormat(body);
  const query = env.org.compile(soql); // SoqlError → 400 with its errorCode
  if (!query.object.bulkQueryable) {
    throw new BulkError(400, 'API_ERROR', `Entity '${query.object.name}' is not supported by the Bulk API.`);
  }
  if (query.bulkRefusal !== null) throw new BulkError(400, 'API_ERROR', query.bulkRefusal);
  return new QueryJob(
    {
      id,
      operation,
      query,
      columnDelimiter,
      lineEnding,
      apiVersion: req.params['version'] ?? '',
      createdById: createdBy(req, env),
    },
    env.org,
  );
}
