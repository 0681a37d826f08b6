import { InvariantError, RecordError } from '../errors/index.js';

/**
 * Values → Postgres COPY text format (the default format: tab-separated, `\N` for NULL, backslash
 * escapes). Pure functions, so the encoding can be tested without a server.
 *
 * null/undefined → \N · string → escaped · boolean → t/f · number, bigint → decimal text (NaN and
 * ±Infinity spelled as Postgres does) · Date → ISO 8601 UTC · Uint8Array → bytea hex · anything else
 * (objects, arrays) → JSON, for json/jsonb columns.
 */
export const COPY_NULL = '\\N';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPABLE = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Where a value sits, for error messages. */
export interface CopyPosition {
  row: number;
  column: string;
}

export function escapeCopyText(text: string, at?: CopyPosition): string {
  if (text.includes('\0')) {
    // Postgres text cannot hold NUL; COPY would fail with a byte-sequence error naming no row.
    throw new RecordError(`Value contains a NUL character, which Postgres text cannot store${where(at)}`, {
      code: 'NUL_IN_TEXT',
      fields: at ? [at.column] : undefined,
    });
  }
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPABLE, (c) => ESCAPES[c] ?? c) : text;
}

export function encodeCopyValue(value: unknown, at?: CopyPosition): string {
  if (value === null || value === undefined) return COPY_NULL;
  switch (typeof value) {
    case 'string':
      return escapeCopyText(value, at);
    case 'boolean':
      return value ? 't' : 'f';
    case 'number':
      // 'NaN', 'Infinity', '-Infinity' are Postgres's spellings too; String(-0) would drop the sign.
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return value.toString();
    case 'object':
      return encodeObject(value, at);
    default:
      throw new InvariantError(`A ${typeof value} cannot be written to Postgres${where(at)}`, {
        code: 'COPY_UNSUPPORTED_VALUE',
      });
  }
}

/** One line of COPY text, newline included. */
export function encodeCopyRow(values: readonly unknown[], columns: readonly string[], row: number): string {
  if (values.length !== columns.length) {
    throw new InvariantError(`COPY row ${row} has ${values.length} values for ${columns.length} columns`, {
      code: 'COPY_ROW_WIDTH',
    });
  }
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    line += encodeCopyValue(values[i], { row, column: columns[i] ?? String(i) });
  }
  return `${line}\n`;
}

function encodeObject(value: object, at?: CopyPosition): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new RecordError(`Invalid Date${where(at)}`, {
        code: 'INVALID_DATE',
        fields: at ? [at.column] : undefined,
      });
    }
    return value.toISOString();
  }
  if (value instanceof Uint8Array) {
    // bytea hex input is `\x0a1b...`; the backslash itself is escaped for COPY.
    return `\\\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  }
  return escapeJsonForCopy(JSON.stringify(value));
}

/**
 * JSON text as a COPY value. JSON.stringify escapes every control character (NUL included, as
 * `\u0000`, which Postgres refuses in jsonb with its own error), so of COPY's special characters
 * only the backslash can occur: one indexOf scan instead of escapeCopyText's regular expression, on
 * what is most of the bytes of a staged batch.
 */
function escapeJsonForCopy(json: string): string {
  return json.indexOf('\\') === -1 ? json : json.replaceAll('\\', '\\\\');
}

function where(at?: CopyPosition): string {
  return at ? ` (row ${at.row}, column ${at.column})` : '';
}
