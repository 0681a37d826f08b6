/**
 * SOQL errors in Salesforce's shape: a message that points at the offending spot of the query,
 *
 *     \nSELECT Id FRM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FRM'
 *
 * (row and column 1-based; long lines are cut to a window around the spot, as Salesforce does).
 */
import { SoqlError, type SoqlErrorCode } from './types.js';

/** Characters of context shown on each side of the error position. */
const WINDOW = 40;

export function queryError(code: SoqlErrorCode, soql: string, pos: number, message: string): SoqlError {
  return new SoqlError(code, pointAt(soql, pos) + message);
}

export function malformed(soql: string, pos: number, message: string): SoqlError {
  return queryError('MALFORMED_QUERY', soql, pos, message);
}

export function unexpectedToken(soql: string, pos: number, text: string): SoqlError {
  return malformed(soql, pos, text === '' ? 'unexpected token: <EOF>' : `unexpected token: '${text}'`);
}

/** A valid SOQL feature the emulator does not implement. */
export function unsupported(soql: string, pos: number, what: string): SoqlError {
  return malformed(soql, pos, `${what} is not supported by the Ferry Salesforce emulator`);
}

/** `\n<excerpt>\n<spaces>^\nERROR at Row:R:Column:C\n` for a 0-based offset into the query. */
export function pointAt(soql: string, pos: number): string {
  const at = Math.max(0, Math.min(pos, soql.length));
  const lineStart = soql.lastIndexOf('\n', at - 1) + 1;
  const lineEndRaw = soql.indexOf('\n', at);
  const lineEnd = lineEndRaw < 0 ? soql.length : lineEndRaw;
  let row = 1;
  for (let i = 0; i < lineStart; i++) if (soql.charCodeAt(i) === 10) row++;
  const line = soql.slice(lineStart, lineEnd).replace(/\r$/, '');
  const col = at - lineStart;

  let from = Math.max(0, col - WINDOW);
  if (from > 0) {
    // Start at a word boundary so the excerpt does not begin mid-token.
    const space = line.indexOf(' ', from);
    from = space >= 0 && space < col ? space + 1 : from;
  }
  let to = Math.min(line.length, col + WINDOW);
  if (to < line.length) {
    const space = line.indexOf(' ', to);
    to = space < 0 ? line.length : space;
  }
  const excerpt = line.slice(from, to);
  return `\n${excerpt}\n${' '.repeat(col - from)}^\nERROR at Row:${row}:Column:${col + 1}\n`;
}
