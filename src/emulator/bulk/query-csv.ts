/**
 * The hot loop of Bulk query results: rows of a cursor → CSV text, streamed as ~64 KB strings.
 *
 * Rows are read from the cursor a few thousand at a time (never a whole page of 50,000 row objects at
 * once), each row becomes one line by plain string concatenation, and lines are packed into chunks so
 * the HTTP layer writes a handful of large strings instead of a million small ones. The generator is
 * pulled by the response stream (csv-chunks.ts `toStream`), so a slow client pauses serialization
 * (backpressure) instead of letting it pile up in memory.
 */
import type { QueryCursor } from '../org/types.js';
import type { EvalContext } from '../soql/types.js';
import { CHUNK_CHARS } from './csv-chunks.js';
import { csvLine, type CsvDialect } from './csv-format.js';

/** Rows fetched from the cursor per read. */
const ROWS_PER_READ = 2_000;

export interface QueryCsvSource {
  readonly cursor: QueryCursor;
  readonly ctx: EvalContext;
}

/** The header line (column paths in SELECT order) without its line ending. */
export function queryCsvHeader(cursor: QueryCursor, dialect: CsvDialect): string {
  return csvLine(cursor.query.csvHeader, dialect.delimiter);
}

/**
 * `count` rows from `start`, preceded by the header line. The query's generated `csvLine` quotes
 * every cell (see csv-format.ts) and renders null as an empty cell.
 */
export function* queryCsvChunks(
  source: QueryCsvSource,
  start: number,
  count: number,
  dialect: CsvDialect,
): Generator<Buffer> {
  const { cursor, ctx } = source;
  const query = cursor.query;
  const d = dialect.delimiter;
  const eol = dialect.eol;
  const line = query.csvLine(d);
  const end = start + count;
  let chunk = queryCsvHeader(cursor, dialect) + eol;
  let position = start;
  while (position < end) {
    const rows = cursor.page(position, Math.min(ROWS_PER_READ, end - position));
    if (rows.length === 0) break;
    position += rows.length;
    for (const row of rows) {
      chunk += line(row, ctx) + eol;
      if (chunk.length >= CHUNK_CHARS) {
        // Encoded here, once: handing the socket a string makes it measure and then encode it (two passes).
        yield Buffer.from(chunk);
        chunk = '';
      }
    }
  }
  if (chunk !== '') yield Buffer.from(chunk);
}
