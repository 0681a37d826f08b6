/**
 * Bulk 1.0 batch results. Ingest: one result per input record, in input order — CSV
 * `"Id","Success","Created","Error"`, XML `<results><result>`, or a JSON array. Query: a
 * `<result-list>` naming the batch's one result, then that result as CSV (or JSON / XML records).
 */
import type { SaveResult } from '../org/types.js';
import type { Bulk1ContentType } from './bulk1-records.js';
import { escapeXml, JSON_TYPE, XML_TYPE, xmlDocument, type Bulk1Format } from './bulk1-wire.js';
import { formatSaveErrors, type IngestOperation } from './chunk-writer.js';
import { chunkLines } from './csv-chunks.js';
import { COMMA_LF, csvLine } from './csv-format.js';
import { xmlQueryRecords } from './bulk1-query-xml.js';
import { queryCsvChunks, type QueryCsvSource } from './query-csv.js';

/** What Salesforce sends instead of a CSV file when a query matched nothing. */
export const NO_RECORDS = 'Records not found for this query';

/** Rows read from the cursor per step when writing JSON records. */
const ROWS_PER_READ = 2_000;

export interface RenderedResult {
  readonly contentType: string;
  readonly body: string | Iterable<string | Buffer>;
}

export function ingestResults(
  results: readonly SaveResult[],
  contentType: Bulk1ContentType,
  operation: IngestOperation,
): RenderedResult {
  // `created` is set by the org for upserts only; a successful insert always created its record.
  const created = (r: SaveResult): boolean => r.success && (operation === 'insert' || r.created === true);
  if (contentType === 'JSON') {
    const body = results.map((r) => ({
      success: r.success,
      created: created(r),
      id: r.id,
      errors: r.errors,
    }));
    return { contentType: JSON_TYPE, body: JSON.stringify(body) };
  }
  if (contentType === 'XML') {
    return {
      contentType: XML_TYPE,
      body: xmlDocument('results', results.map((r) => xmlResult(r, created(r))).join('')),
    };
  }
  const lines = results.map((r) =>
    csvLine(
      [r.id ?? '', String(r.success), String(created(r)), r.success ? '' : formatSaveErrors(r.errors)],
      ',',
    ),
  );
  return {
    contentType: 'text/csv',
    body: chunkLines(csvLine(['Id', 'Success', 'Created', 'Error'], ','), lines, '\n'),
  };
}

function xmlResult(r: SaveResult, created: boolean): string {
  const errors = r.errors
    .map(
      (e) =>
        `<errors>${e.fields.map((f) => `<fields>${escapeXml(f)}</fields>`).join('')}` +
        `<message>${escapeXml(e.message)}</message><statusCode>${escapeXml(e.statusCode)}</statusCode></errors>`,
    )
    .join('');
  const id =
    r.id === null
      ? '<id xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
      : `<id>${r.id}</id>`;
  return `\n <result>${errors}${id}<success>${r.success}</success><created>${created}</created></result>`;
}

export function queryResultList(resultId: string, format: Bulk1Format): RenderedResult {
  if (format === 'json') return { contentType: JSON_TYPE, body: JSON.stringify([resultId]) };
  return { contentType: XML_TYPE, body: xmlDocument('result-list', `<result>${resultId}</result>`) };
}

export function queryResult(
  source: QueryCsvSource,
  contentType: Bulk1ContentType,
  apiVersion: string,
): RenderedResult {
  const total = source.cursor.totalSize;
  if (contentType === 'JSON') return { contentType: JSON_TYPE, body: jsonRecords(source, total, apiVersion) };
  if (contentType === 'XML') return { contentType: XML_TYPE, body: xmlQueryRecords(source, total) };
  if (total === 0) return { contentType: 'text/csv', body: NO_RECORDS };
  return { contentType: 'text/csv', body: queryCsvChunks(source, 0, total, COMMA_LF) };
}

/** A JSON array of REST-shaped records, streamed. */
function* jsonRecords(source: QueryCsvSource, total: number, apiVersion: string): Generator<string> {
  const { cursor, ctx } = source;
  let chunk = '[';
  let position = 0;
  while (position < total) {
    const rows = cursor.page(position, Math.min(ROWS_PER_READ, total - position));
    if (rows.length === 0) break;
    for (const row of rows) {
      chunk += (position === 0 ? '' : ',') + JSON.stringify(cursor.query.toJson(row, ctx, apiVersion));
      position += 1;
    }
    yield chunk;
    chunk = '';
  }
  yield `${chunk}]`;
}
