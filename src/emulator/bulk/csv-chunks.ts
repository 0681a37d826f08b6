/**
 * Streams stored CSV lines as ~64 KB strings: one socket write per chunk instead of one per line,
 * and never one string holding a whole result file.
 *
 * Chunk sources are synchronous generators (cheaper per step than async ones); `toStream` turns one
 * into a Readable, which pulls the next chunk only when the socket wants more (backpressure).
 */
import { Readable } from 'node:stream';

export const CHUNK_CHARS = 64 * 1024;

/**
 * Yields `header` then each line, every one followed by `eol`, packed into chunks. `lines` is read
 * lazily, so an array that grows while the stream is read is seen up to its length at that moment.
 */
export function* chunkLines(header: string | null, lines: readonly string[], eol: string): Generator<string> {
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
export function* concatChunks(
  ...parts: ReadonlyArray<Iterable<string | Buffer> | string | Buffer>
): Generator<string | Buffer> {
  for (const part of parts) {
    if (typeof part === 'string' || Buffer.isBuffer(part)) {
      if (part.length > 0) yield part;
    } else {
      yield* part;
    }
  }
}

/** A response body that pulls chunks from `chunks` as the client reads. */
export function toStream(chunks: Iterable<string | Buffer> | string | Buffer): Readable {
  return Readable.from(typeof chunks === 'string' || Buffer.isBuffer(chunks) ? [chunks] : chunks);
}
