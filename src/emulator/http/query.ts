/**
 * Query and QueryAll (§2.4). Pages hold 2,000 rows unless `Sforce-Query-Options: batchSize=N`
 * asks for 200..2,000; `nextRecordsUrl` is present only while more pages remain, and its locator
 * is served under both `/query/` and `/queryAll/` (jsforce always rebuilds `/query/`). COUNT()
 * queries return `records: []` with the count in totalSize.
 */
import type { OrgApi, QueryCursor } from '../org/types.js';
import type { CompiledQuery } from '../soql/types.js';
import { REST_PREFIX } from './api-version.js';
import { columnMetadata } from './column-metadata.js';
import type { HttpContext } from './context.js';
import { HttpError } from './errors.js';
import { locatorOf, parseLocator } from './query-locators.js';
import { JSON_TYPE, json } from './respond.js';
import type { EmuRequest, EmuResponse, Route } from './types.js';

export const DEFAULT_BATCH = 2000;
const MIN_BATCH = 200;

/** `Sforce-Query-Options: batchSize=N`, clamped as Salesforce does (it is a hint, not a promise). */
export function batchSizeOf(req: EmuRequest): number {
  const raw = req.headers['sforce-query-options'];
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  const m = /batchSize\s*=\s*(\d+)/i.exec(text);
  if (!m?.[1]) return DEFAULT_BATCH;
  return Math.min(DEFAULT_BATCH, Math.max(MIN_BATCH, Number(m[1])));
}

interface PageSource {
  readonly query: CompiledQuery;
  readonly cursor: QueryCursor;
  readonly batchSize: number;
  /** The cursor's key, registering it on first need (single-page results leave nothing behind). */
  readonly key: () => string;
}

function pageBody(org: OrgApi, src: PageSource, position: number, version: string) {
  const { query, cursor } = src;
  if (query.isCount) return { totalSize: cursor.totalSize, done: true, records: [] };
  const rows = cursor.page(position, src.batchSize);
  const next = position + rows.length;
  const done = rows.length === 0 || next >= cursor.totalSize;
  const records = rows.map((row) => query.toJson(row, org.ctx, version));
  if (done) return { totalSize: cursor.totalSize, done: true, records };
  return {
    totalSize: cursor.totalSize,
    done: false,
    nextRecordsUrl: `/services/data/v${version}/query/${locatorOf(src.key(), next)}`,
    records,
  };
}

/** `?explain=`: a single plausible plan (the emulator has no optimizer to explain). */
function explain(org: OrgApi, soql: string): EmuResponse {
  const q = org.compile(soql);
  const matching = org.openCursor(q, { scanAll: false }).totalSize;
  const all = org.openCursor(org.compile(`SELECT Id FROM ${q.object.name}`), { scanAll: false }).totalSize;
  return json(200, {
    plans: [
      {
        cardinality: matching,
        fields: [],
        leadingOperationType: 'TableScan',
        notes: [],
        relativeCost: all === 0 ? 0 : Math.max(0.1, matching / all),
        sobjectCardinality: all,
        sobjectType: q.object.name,
      },
    ],
  });
}

/** Next pages rendered ahead, while the client reads the current one. */
interface Prefetched {
  readonly position: number;
  readonly version: string;
  readonly orgVersion: number;
  readonly text: string;
  /** Position of the page after this one, or null on the last page. */
  readonly next: number | null;
}
const MAX_PREFETCHED = 32;

export function queryRoutes(ctx: HttpContext): Route[] {
  const { locators } = ctx;
  const prefetched = new Map<string, Prefetched>();

  /**
   * A client pages through a cursor one request at a time, so the server would sit idle while each
   * page crosses the wire and is parsed. Rendering the next page right after answering overlaps the
   * two. The result is dropped if any record changed meanwhile (org.version), so it never serves
   * rows staler than a page rendered on request would be.
   */
  function render(org: OrgApi, src: PageSource, position: number, version: string): Prefetched {
    const orgVersion = org.version;
    const body = pageBody(org, src, position, version);
    const next = body.done ? null : position + body.records.length;
    return { position, version, orgVersion, text: JSON.stringify(body), next };
  }

  function prefetch(org: OrgApi, src: PageSource, position: number, version: string): void {
    const key = src.key();
    setImmediate(() => {
      try {
        if (prefetched.size >= MAX_PREFETCHED) prefetched.delete(prefetched.keys().next().value!);
        prefetched.set(key, render(org, src, position, version));
      } catch {
        // Prefetching is an optimisation; the request itself reports any error.
      }
    });
  }

  function respond(org: OrgApi, src: PageSource, page: Prefetched): EmuResponse {
    if (page.next !== null) prefetch(org, src, page.next, page.version);
    return { status: 200, headers: { 'Content-Type': JSON_TYPE }, body: page.text };
  }

  function first(req: EmuRequest, org: OrgApi, scanAll: boolean): EmuResponse {
    const plan = req.query.get('explain');
    if (plan !== null) return explain(org, plan);
    const soql = req.query.get('q');
    if (soql === null || soql.trim() === '') {
      throw new HttpError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    }
    const query = org.compile(soql);
    if (req.query.get('columns') === 'true') return json(200, { columnMetadata: columnMetadata(query) });
    const cursor = org.openCursor(query, { scanAll });
    const batchSize = batchSizeOf(req);
    const key = () => locators.register({ soql, scanAll, batchSize, query, cursor });
    const src: PageSource = { query, cursor, batchSize, key };
    return respond(org, src, render(org, src, 0, req.params['version'] ?? ''));
  }

  function more(req: EmuRequest, org: OrgApi): EmuResponse {
    const parsed = parseLocator(req.params['locator'] ?? '');
    const entry = parsed ? locators.get(parsed.key, org) : undefined;
    if (!parsed || !entry) {
      throw new HttpError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    const src: PageSource = {
      query: entry.query,
      cursor: entry.cursor,
      batchSize: entry.batchSize,
      key: () => parsed.key,
    };
    const version = req.params['version'] ?? '';
    const ahead = prefetched.get(parsed.key);
    prefetched.delete(parsed.key);
    const fresh =
      ahead?.position === parsed.offset && ahead.version === version && ahead.orgVersion === org.version;
    return respond(org, src, fresh ? ahead : render(org, src, parsed.offset, version));
  }

  const routes: Route[] = [];
  for (const resource of ['query', 'queryAll'] as const) {
    routes.push(
      {
        method: 'GET',
        pattern: new RegExp(`${REST_PREFIX}/${resource}$`),
        auth: 'bearer',
        name: resource,
        counted: true,
        handle: (req, env) => first(req, env.org, resource === 'queryAll'),
      },
      {
        method: 'GET',
        pattern: new RegExp(`${REST_PREFIX}/${resource}/(?<locator>[^/]+)$`),
        auth: 'bearer',
        name: `${resource}-more`,
        counted: true,
        handle: (req, env) => more(req, env.org),
      },
    );
  }
  return routes;
}
