import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import copyStreams from 'pg-copy-streams';
import { InvariantError } from '../errors/index.js';
import { encodeCopyRow } from './copy-text.js';
import { wrapPgError } from './pg-errors.js';
import { qualify, quoteIdent } from './quote-ident.js';

/** A table by bare name (resolved through search_path) or schema-qualified. */
export type TableName = string | { schema: string; name: string };

export type CopyRowSource = AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>;

/** Lines are gathered into chunks of about this size: one CopyData message each. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Streams rows into `table` with COPY FROM STDIN and returns how many were written. Rows are pulled
 * from `rows` only as fast as Postgres takes them (stream backpressure), so an unbounded source is
 * never held in memory. Runs on the caller's client: inside the caller's transaction, if any. If the
 * source or the encoding fails, the COPY is aborted (nothing of it is kept) and the client stays usable.
 */
export async function copyRows(
  client: ClientBase,
  table: TableName,
  columns: readonly string[],
  rows: CopyRowSource,
): Promise<number> {
  const target = typeof table === 'string' ? quoteIdent(table) : qualify(table.schema, table.name);
  const sql = `COPY ${target} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
  let count = 0;
  let sourceError: { error: unknown } | undefined;

  async function* chunks(): AsyncGenerator<string> {
    let chunk = '';
    try {
      for await (const row of rows) {
        count++;
        chunk += encodeCopyRow(row, columns, count);
        if (chunk.length >= CHUNK_BYTES) {
          yield chunk;
          chunk = '';
        }
      }
    } catch (err) {
      // The caller's source (or our encoding) failed: that error, not a Postgres one, is the story.
      sourceError = { error: err };
      throw err;
    }
    if (chunk !== '') yield chunk;
  }

  const sink = client.query(copyStreams.from(sql));
  try {
    await pipeline(Readable.from(chunks(), { objectMode: false }), sink);
  } catch (err) {
    if (sourceError) throw sourceError.error;
    throw wrapPgError(`COPY into ${target} failed (${count} rows sent)`, err);
  }
  if (sink.rowCount !== count) {
    throw new InvariantError(`COPY into ${target} sent ${count} rows but Postgres stored ${sink.rowCount}`, {
      code: 'COPY_COUNT_MISMATCH',
    });
  }
  return count;
}
