/**
 * REST query and queryAll as async iterables, one page in memory at a time. Pages follow
 * `nextRecordsUrl` until `done`; `Sforce-Query-Options: batchSize=N` asks for page size (Salesforce
 * treats it as a hint, 200..2000). queryAll includes deleted and archived rows (`IsDeleted = true`),
 * which Ferry needs to see deletes; its cursor URLs are followed the same way.
 */
import { z } from 'zod';
import { ConfigError, UnrecoverableError } from '../../errors/index.js';
import type { ApiContext } from '../api-context.js';
import { soqlText, type SoqlLike } from '../soql.js';
import type { SObjectRecord } from '../types.js';

export interface QueryOptions {
  /** Records per page, 200..2000 (a hint to Salesforce). */
  readonly batchSize?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface QueryPage<R> {
  readonly records: R[];
  /** Rows in the whole result, on every page. */
  readonly totalSize: number;
  readonly done: boolean;
  readonly nextRecordsUrl: string | undefined;
}

const PageSchema = z.looseObject({
  totalSize: z.number(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(z.looseObject({})),
});

/** Iterate records with `for await`, or whole pages with `.pages()`. Each iteration re-runs the query. */
export class QueryStream<R extends SObjectRecord = SObjectRecord> implements AsyncIterable<R> {
  readonly #ctx: ApiContext;
  readonly #soql: string;
  readonly #scanAll: boolean;
  readonly #options: QueryOptions;

  constructor(ctx: ApiContext, soql: SoqlLike, scanAll: boolean, options: QueryOptions = {}) {
    this.#ctx = ctx;
    this.#soql = soqlText(soql);
    this.#scanAll = scanAll;
    if (options.batchSize !== undefined) {
      const n = options.batchSize;
      if (!Number.isInteger(n) || n < 200 || n > 2000) {
        throw new ConfigError(`query batchSize must be an integer from 200 to 2000, got ${n}`, {
          code: 'INVALID_BATCH_SIZE',
        });
      }
    }
    this.#options = options;
  }

  async *pages(): AsyncGenerator<QueryPage<R>, void, undefined> {
    const { transport, basePath } = this.#ctx;
    const { batchSize, signal } = this.#options;
    const headers =
      batchSize !== undefined ? { 'sforce-query-options': `batchSize=${batchSize}` } : undefined;
    const what = this.#scanAll ? 'queryAll' : 'query';
    let path = `${basePath}/${what}`;
    let query: Record<string, string> | undefined = { q: this.#soql };
    for (let n = 1; ; n++) {
      const page = await transport.json(
        // Records' long numbers (Number(18,0), currency(18,2)) keep every digit.
        { method: 'GET', path, query, headers, signal, context: `${what} page ${n}`, exactNumbers: true },
        PageSchema,
      );
      const next = page.done ? undefined : page.nextRecordsUrl;
      yield {
        records: page.records as R[],
        totalSize: page.totalSize,
        done: page.done,
        nextRecordsUrl: next,
      };
      if (page.done) return;
      if (next === undefined) {
        throw new UnrecoverableError(`${what} page ${n}: done is false but there is no nextRecordsUrl`, {
          code: 'UNEXPECTED_RESPONSE',
        });
      }
      path = cursorPath(next);
      query = undefined;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<R, void, undefined> {
    for await (const page of this.pages()) yield* page.records;
  }

  /** Every record in memory. Only for results known to be small. */
  async toArray(): Promise<R[]> {
    const out: R[] = [];
    for await (const r of this) out.push(r);
    return out;
  }
}

/**
 * The path part of a nextRecordsUrl. It is normally already a path; if a server ever sends an
 * absolute URL, only its path is kept so the bearer token never goes to another host.
 */
function cursorPath(next: string): string {
  if (/^https?:\/\//i.test(next)) {
    const u = new URL(next);
    return u.pathname + u.search;
  }
  return next.startsWith('/') ? next : `/${next}`;
}
