/**
 * Streams stored CSV lines as ~64 KB strings: one socket write per chunk instead of one per line,
 * and never one string holding a whole result file.
 */

export const CHUNK_CHARS = 64 * 1024;

/**
 * Yields `header` then each line, every one followed by `eol`, packed into chunks. `lines` is read
 * lazily, so an array that grows while the stream is read is seen up to its length at that moment.
 */
export async function* chunkLines(
  header: string | null,
  lines: readonly string[],
  eol: string,
): AsyncGenerator<string> {
  let chunk = header === null ? '' : header + eol;
  for (let i = 0; i < lines.length; i++) {
    chunk += lines[i] + eol;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** Concatenates several chunk streams (used to put a header before raw bytes). */
export async function* concatChunks(
  ...parts: ReadonlyArray<AsyncIterable<string | Buffer> | string | Buffer>
): AsyncGenerator<string | Buffer> {
  for (const part of parts) {
    if (typeof part === 'string' || Buffer.isBuffer(part)) {
      if (part.length > 0) yield part;
    } else {
      yield* part;
    }
  }
}
