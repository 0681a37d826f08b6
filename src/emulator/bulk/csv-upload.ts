/**
 * Reading an uploaded CSV file record by record. Parsing is streamed (csv-parse) so a large upload is
 * processed chunk by chunk without first being turned into one big array, and each record carries
 * the byte offset where it ends: the raw bytes after the last processed record are exactly the
 * "unprocessed records" Salesforce hands back, without keeping parsed copies of them.
 */
import { parse } from 'csv-parse';
import { LINE_ENDINGS, type LineEnding } from './csv-format.js';

export interface UploadRecord {
  readonly cells: string[];
  /** Byte offset just past this record's line ending. */
  readonly end: number;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Length of a UTF-8 byte order mark at the start of `data` (0 or 3). */
export function bomLength(data: Buffer): number {
  return data.subarray(0, 3).equals(BOM) ? 3 : 0;
}

/**
 * Records of `data` in order, the header first. Blank lines are skipped (a trailing newline is not a
 * record). Throws csv-parse's error on malformed quoting or a record whose cell count differs.
 */
export async function* readUpload(data: Buffer, delimiter: string): AsyncGenerator<UploadRecord> {
  const parser = parse(data, {
    delimiter,
    bom: true,
    info: true,
    skip_empty_lines: true,
    // Salesforce does not trim values: " Smith" keeps its space.
    trim: false,
  });
  for await (const item of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>) {
    yield { cells: item.record, end: item.info.bytes };
  }
}

/**
 * The job's lineEnding must match the file's: Salesforce fails the job otherwise (with this message),
 * so a client that writes CRLF on Windows while declaring LF is caught here as it would be there.
 * Judged on the header line, which every upload has.
 */
export function lineEndingMismatch(data: Buffer, headerEnd: number, expected: LineEnding): string | null {
  if (headerEnd < 1 || data[headerEnd - 1] !== 0x0a) return null; // header is the only line
  const crlf = headerEnd >= 2 && data[headerEnd - 2] === 0x0d;
  if (crlf === (LINE_ENDINGS[expected] === '\r\n')) return null;
  return `ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is ${expected}`;
}
