/**
 * Records → Bulk 2.0 upload CSV, streamed: records are pulled from an (async) iterable as the socket
 * drains, so an upload of any size holds one record at a time. Bulk CSV semantics differ from JSON:
 * an empty cell leaves a field unchanged on update and `#N/A` sets it to null. So a JS `null` (and
 * `''`, which Salesforce stores as null anyway) becomes `#N/A`, while a missing key becomes an empty
 * cell. Nested objects become dotted columns (`{Account: {Ext__c: 'A-1'}}` → `Account.Ext__c`),
 * which is how Bulk addresses a parent by external id.
 */
import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream';
import { stringify } from 'csv-stringify';
import { InvariantError, UnrecoverableError } from '../../errors/index.js';
import { identifier } from '../soql.js';

/** The cell text Bulk 2.0 reads as "set this field to null". */
export const BULK_NULL = '#N/A';

export type LineEnding = 'LF' | 'CRLF';

export type UploadRecord = Readonly<Record<string, unknown>>;

export interface CsvEncodeOptions {
  /** Header columns; default: the (flattened) keys of the first record. */
  readonly columns?: readonly string[] | undefined;
  readonly lineEnding?: LineEnding | undefined;
  /** Fail the stream when the CSV grows past this many bytes. */
  readonly maxBytes?: number | undefined;
}

export interface CsvUploadStats {
  records: number;
  bytes: number;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `{a: 1, Account: {Ext__c: 'x'}}` → `{a: 1, 'Account.Ext__c': 'x'}`; `attributes` dropped. */
export function flattenRecord(
  record: UploadRecord,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue;
    const name = prefix + key;
    if (isPlainObject(value)) flattenRecord(value, `${name}.`, out);
    else out[name] = value;
  }
  return out;
}

/** One value as a Bulk CSV cell. */
export function csvCell(value: unknown, where: string): string {
  if (value === undefined) return '';
  if (value === null || value === '') return BULK_NULL;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvariantError(`${where}: ${value} cannot be sent to Salesforce`);
    return String(value);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvariantError(`${where}: invalid Date`);
    return value.toISOString();
  }
  // Multi-select picklists are `;`-separated in every Salesforce API.
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return value.length === 0 ? BULK_NULL : value.join(';');
  }
  throw new InvariantError(`${where}: cannot encode a ${typeof value} value as a CSV cell`);
}

async function* rows(
  records: AsyncIterable<UploadRecord> | Iterable<UploadRecord>,
  given: readonly string[] | undefined,
  stats: CsvUploadStats,
): AsyncGenerator<string[]> {
  let columns = given ? given.map(identifier) : undefined;
  let known = columns ? new Set(columns) : undefined;
  if (columns) yield columns;
  for await (const record of records) {
    const flat = flattenRecord(record);
    if (!columns || !known) {
      columns = Object.keys(flat).map(identifier);
      if (columns.length === 0) throw new InvariantError('the first record has no fields; pass `columns`');
      known = new Set(columns);
      yield columns;
    }
    stats.records++;
    for (const key of Object.keys(flat)) {
      if (!known.has(key)) {
        throw new InvariantError(
          `record ${stats.records} has field ${key}, which is not in the CSV header (${columns.join(', ')}); pass \`columns\``,
        );
      }
    }
    yield columns.map((c) => csvCell(flat[c], `record ${stats.records}, field ${c}`));
  }
  if (!columns) throw new InvariantError('no records to upload and no columns given');
}

class ByteCounter extends Transform {
  constructor(
    private readonly stats: CsvUploadStats,
    private readonly maxBytes: number | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.stats.bytes += chunk.length;
    if (this.maxBytes !== undefined && this.stats.bytes > this.maxBytes) {
      done(
        new UnrecoverableError(
          `Bulk upload exceeds ${this.maxBytes} bytes after ${this.stats.records} records`,
          {
            code: 'UPLOAD_TOO_LARGE',
            hint: 'split the input into several jobs (Salesforce takes at most 150 MB of base64 per job)',
          },
        ),
      );
      return;
    }
    done(null, chunk);
  }
}

/**
 * A CSV byte stream of the records, header first. `stats` fills in as the stream is read. Errors
 * from the source (or encoding) destroy the returned stream with that error.
 */
export function encodeCsv(
  records: AsyncIterable<UploadRecord> | Iterable<UploadRecord>,
  options: CsvEncodeOptions = {},
): { stream: Readable; stats: CsvUploadStats } {
  const stats: CsvUploadStats = { records: 0, bytes: 0 };
  const source = Readable.from(rows(records, options.columns, stats), { objectMode: true });
  const stringifier = stringify({ record_delimiter: options.lineEnding === 'CRLF' ? 'windows' : 'unix' });
  const counter = new ByteCounter(stats, options.maxBytes);
  const stream = pipeline(source, stringifier, counter, () => {
    // Errors surface on `counter` (the stream handed to the HTTP request); nothing to do here.
  });
  return { stream, stats };
}
