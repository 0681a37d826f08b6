/**
 * The CSV dialect of Bulk jobs: the six column delimiters and two line endings a job may name, and
 * the one quoting rule the emulator writes.
 *
 * Quoting rule: every cell is written between double quotes, inner quotes doubled, as Salesforce
 * writes its own result files (`"Id","Name"`). Quoting everything is also the cheapest correct
 * rule: one `indexOf('"')` per cell instead of scanning for the delimiter, quotes and CR/LF.
 */

export const COLUMN_DELIMITERS = {
  BACKQUOTE: '`',
  CARET: '^',
  COMMA: ',',
  PIPE: '|',
  SEMICOLON: ';',
  TAB: '\t',
} as const;
export type ColumnDelimiter = keyof typeof COLUMN_DELIMITERS;

export const LINE_ENDINGS = { LF: '\n', CRLF: '\r\n' } as const;
export type LineEnding = keyof typeof LINE_ENDINGS;

export function isColumnDelimiter(value: unknown): value is ColumnDelimiter {
  return typeof value === 'string' && Object.hasOwn(COLUMN_DELIMITERS, value);
}

export function isLineEnding(value: unknown): value is LineEnding {
  return value === 'LF' || value === 'CRLF';
}

/** The characters a job's settings stand for. */
export interface CsvDialect {
  readonly delimiter: string;
  readonly eol: string;
}

export function dialectOf(columnDelimiter: ColumnDelimiter, lineEnding: LineEnding): CsvDialect {
  return { delimiter: COLUMN_DELIMITERS[columnDelimiter], eol: LINE_ENDINGS[lineEnding] };
}

/** The default dialect (Bulk 1.0 always uses it). */
export const COMMA_LF: CsvDialect = { delimiter: ',', eol: '\n' };

export function quoteCell(value: string): string {
  return value.indexOf('"') === -1 ? `"${value}"` : `"${value.replaceAll('"', '""')}"`;
}

/** One record without its line ending. */
export function csvLine(cells: readonly string[], delimiter: string): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += delimiter;
    line += quoteCell(cells[i] ?? '');
  }
  return line;
}
