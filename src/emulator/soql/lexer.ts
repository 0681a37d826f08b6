/**
 * SOQL tokens. Identifiers keep their spelling (keywords are recognised by the parser,
 * case-insensitively); literals are decoded and normalised here:
 * - string: `value` is the decoded text; `text` keeps the quoted source (LIKE re-reads its escapes);
 * - date `2024-05-01`, datetime `2024-05-01T10:00:00Z` (any offset) → canonical UTC `...SSSZ`;
 * - time `10:00:00.000Z` → `HH:mm:ss.SSSZ`;
 * - number: optional sign, digits, optional fraction.
 */
import { malformed } from './query-error.js';

export type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'time' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Source text (for punctuation: the operator itself). */
  readonly text: string;
  /** 0-based offset into the query. */
  readonly pos: number;
  /** Decoded string, canonical date/datetime/time, or the number's text. */
  readonly value: string;
  /** Strings: offset of the first `\%` or `\_` escape (valid in LIKE patterns only). */
  readonly likeOnlyAt?: number;
}

const DATE_RE = /(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?)?/y;
const TIME_RE = /(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z?/y;
const NUMBER_RE = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)/y;
const IDENT_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const TWO_CHAR_PUNCT = new Set(['!=', '<>', '<=', '>=']);
const ONE_CHAR_PUNCT = new Set(['=', '<', '>', '(', ')', ',', '.', ':']);

/**
 * SOQL string escapes, plus `\uXXXX`. `\%` and `\_` are valid in LIKE patterns only: the token
 * decodes them to `%` and `_` and records where the first is (`likeOnlyAt`), so other uses can be refused.
 */
export const STRING_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  N: '\n',
  r: '\r',
  R: '\r',
  t: '\t',
  T: '\t',
  b: '\b',
  B: '\b',
  f: '\f',
  F: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};
const LIKE_ONLY_ESCAPES = new Set(['%', '_']);
const UNICODE_ESCAPE = /^u[0-9a-fA-F]{4}/;

export function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = soql.length;
  while (i < n) {
    const c = soql.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) {
      i++;
      continue;
    }
    const ch = soql[i]!;
    if (ch === "'") {
      const t = lexString(soql, i);
      tokens.push(t);
      i += t.text.length;
      continue;
    }
    if (isDigit(c)) {
      const t = lexDateOrTime(soql, i);
      if (t) {
        tokens.push(t);
        i += t.text.length;
        continue;
      }
    }
    if (isDigit(c) || ((ch === '-' || ch === '+' || ch === '.') && i + 1 < n)) {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(soql);
      if (m) {
        tokens.push({ kind: 'number', text: m[0], pos: i, value: m[0] });
        i += m[0].length;
        continue;
      }
    }
    IDENT_RE.lastIndex = i;
    const id = IDENT_RE.exec(soql);
    if (id) {
      tokens.push({ kind: 'ident', text: id[0], pos: i, value: id[0] });
      i += id[0].length;
      continue;
    }
    const two = soql.slice(i, i + 2);
    if (TWO_CHAR_PUNCT.has(two)) {
      tokens.push({ kind: 'punct', text: two, pos: i, value: two });
      i += 2;
      continue;
    }
    if (ONE_CHAR_PUNCT.has(ch)) {
      tokens.push({ kind: 'punct', text: ch, pos: i, value: ch });
      i++;
      continue;
    }
    throw malformed(
      soql,
      i,
      `line ${lineOf(soql, i)}:${columnOf(soql, i)} no viable alternative at character '${ch}'`,
    );
  }
  tokens.push({ kind: 'eof', text: '', pos: n, value: '' });
  return tokens;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function lexString(soql: string, start: number): Token {
  let out = '';
  let likeOnlyAt: number | undefined;
  let i = start + 1;
  while (i < soql.length) {
    const ch = soql[i]!;
    if (ch === "'") {
      const text = soql.slice(start, i + 1);
      return likeOnlyAt === undefined
        ? { kind: 'string', text, pos: start, value: out }
        : { kind: 'string', text, pos: start, value: out, likeOnlyAt };
    }
    if (ch === '\\') {
      const next = soql[i + 1] ?? '';
      const unicode = UNICODE_ESCAPE.exec(soql.slice(i + 1, i + 6));
      if (unicode) {
        out += String.fromCharCode(parseInt(unicode[0].slice(1), 16));
        i += 6;
        continue;
      }
      const decoded = STRING_ESCAPES[next] ?? (LIKE_ONLY_ESCAPES.has(next) ? next : undefined);
      if (decoded === undefined) throw illegalEscape(soql, start, i);
      if (LIKE_ONLY_ESCAPES.has(next)) likeOnlyAt ??= i;
      out += decoded;
      i += 2;
      continue;
    }
    out += ch;
    i++;
  }
  throw malformed(
    soql,
    soql.length,
    `line ${lineOf(soql, soql.length)}:${columnOf(soql, soql.length)} mismatched character '<EOF>' expecting '''`,
  );
}

/** Salesforce's message for a backslash sequence it does not know (or `\%` / `\_` outside LIKE). */
export function illegalEscape(soql: string, stringStart: number, backslash: number): Error {
  const body = soql.slice(stringStart + 1, Math.min(soql.length, backslash + 2));
  return malformed(
    soql,
    stringStart,
    `Invalid string literal '${body}'. Illegal character sequence '${soql.slice(backslash, backslash + 2)}' in string literal.`,
  );
}

function lexDateOrTime(soql: string, start: number): Token | undefined {
  DATE_RE.lastIndex = start;
  const d = DATE_RE.exec(soql);
  if (d) {
    const text = d[0];
    const [, y, mo, da, hh, mi, ss, frac, tz] = d;
    if (!validDate(Number(y), Number(mo), Number(da))) {
      throw malformed(soql, start, `invalid date: ${text}`);
    }
    if (hh === undefined) return { kind: 'date', text, pos: start, value: `${y}-${mo}-${da}` };
    if (tz === undefined) {
      throw malformed(soql, start, `invalid dateTime: ${text} (a time zone, Z or ±hh:mm, is required)`);
    }
    if (Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) {
      throw malformed(soql, start, `invalid dateTime: ${text}`);
    }
    const ms = Number(((frac ?? '') + '000').slice(0, 3));
    let t = Date.UTC(Number(y), Number(mo) - 1, Number(da), Number(hh), Number(mi), Number(ss), ms);
    if (tz !== 'Z') {
      const sign = tz.startsWith('-') ? -1 : 1;
      const digits = tz.slice(1).replace(':', '');
      const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
      t -= sign * offsetMin * 60_000;
    }
    return { kind: 'datetime', text, pos: start, value: new Date(t).toISOString() };
  }
  TIME_RE.lastIndex = start;
  const m = TIME_RE.exec(soql);
  if (m) {
    const [text, hh, mi, ss, frac] = m;
    if (Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59)
      throw malformed(soql, start, `invalid time: ${text}`);
    const ms = ((frac ?? '') + '000').slice(0, 3);
    return { kind: 'time', text, pos: start, value: `${hh}:${mi}:${ss}.${ms}Z` };
  }
  return undefined;
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function lineOf(soql: string, pos: number): number {
  let row = 1;
  for (let i = 0; i < pos && i < soql.length; i++) if (soql.charCodeAt(i) === 10) row++;
  return row;
}

function columnOf(soql: string, pos: number): number {
  return pos - (soql.lastIndexOf('\n', pos - 1) + 1) + 1;
}
