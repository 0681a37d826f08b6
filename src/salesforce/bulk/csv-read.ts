/**
 * Bulk 2.0 CSV responses → records, streamed: undici's body chunks go through CsvRowParser and rows
 * are yielded as they are parsed, so a page of any size never sits in memory whole. Result pages
 * are stable for a job's life, so when the connection drops mid-page the page is fetched again and
 * the rows already yielded are skipped — the consumer sees each row exactly once.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import { TransientError, UnrecoverableError, isFerryError } from '../../errors/index.js';
import type { ApiContext } from '../api-context.js';
import { backoffDelay } from '../http/backoff.js';
import { classifyNetworkError } from '../http/network-error.js';
import type { HttpRequest } from '../http/transport.js';
import type { CsvRecord } from '../types.js';
import { shapeBuilder, type ShapeBuilder } from '../../core/record-shape.js';
import { CsvRowParser } from './csv-parser.js';

export interface CsvReadOptions {
  /** Empty cells as null (Bulk query: an empty cell is a null field). Default true. */
  readonly emptyAsNull?: boolean | undefined;
}

/** The rows of cells of a CSV byte stream, as its chunks arrive. */
async function* cellRows(body: Readable): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  const parser = new CsvRowParser();
  for await (const chunk of body as AsyncIterable<Buffer>) yield* parser.push(decoder.write(chunk));
  yield* parser.push(decoder.end());
  yield* parser.end();
}

/** Parses a CSV byte stream with a header row; destroys the source when the consumer stops early. */
export async function* parseCsv(body: Readable, options: CsvReadOptions = {}): AsyncGenerator<CsvRecord> {
  const emptyAsNull = options.emptyAsNull ?? true;
  let build: ShapeBuilder<string | null> | undefined;
  try {
    for await (const cells of cellRows(body)) {
      if (build === undefined) {
        build = shapeBuilder(cells); // the header row
        continue;
      }
      if (emptyAsNull)
        for (let i = 0; i < cells.length; i++) if (cells[i] === '') (cells as (string | null)[])[i] = null;
      yield build(cells);
    }
  } finally {
    body.destroy();
  }
}

/**
 * GETs a CSV resource and yields its rows; `onHeaders` sees the response headers (e.g. Sforce-Locator)
 * before the first row. A network failure mid-body refetches and skips the rows already yielded,
 * within the client's retry budget.
 */
export async function* readCsvResource(
  ctx: ApiContext,
  req: HttpRequest,
  options: CsvReadOptions & { readonly onHeaders?: (headers: IncomingHttpHeaders) => void },
): AsyncGenerator<CsvRecord> {
  const { retry, random } = ctx;
  let yielded = 0;
  for (let attempt = 0; ; attempt++) {
    const res = await ctx.transport.stream({ ...req, accept: 'text/csv' });
    options.onHeaders?.(res.headers);
    const ct = String(res.headers['content-type'] ?? '');
    if (!ct.toLowerCase().includes('csv')) {
      res.body.destroy();
      throw new UnrecoverableError(
        `${req.context ?? req.path}: expected text/csv, got ${ct || 'no content type'}`,
        {
          code: 'UNEXPECTED_RESPONSE',
        },
      );
    }
    let seen = 0;
    try {
      for await (const row of parseCsv(res.body, options)) {
        seen++;
        if (seen <= yielded) continue;
        yielded++;
        yield row;
      }
      return;
    } catch (err) {
      if (isFerryError(err)) throw err;
      const what = `${req.context ?? req.path}: reading CSV failed after ${yielded} rows`;
      const detail = err instanceof Error ? err.message : String(err);
      const failure = classifyNetworkError(err);
      if (!failure) {
        throw new UnrecoverableError(`${what}: ${detail}`, { code: 'MALFORMED_CSV', cause: err });
      }
      if (!failure.retryable || attempt + 1 >= retry.attempts) {
        throw new TransientError(`${what}: ${detail}`, { code: failure.code, cause: err });
      }
      const delayMs = backoffDelay(attempt, retry, random);
      ctx.logger.warn(
        { path: req.path, rows: yielded, code: failure.code, delayMs },
        'CSV stream broke; refetching',
      );
      await ctx.sleep(delayMs, req.signal);
    }
  }
}
