/**
 * JSON.parse that keeps every digit of long numbers. Salesforce numbers carry up to 18 significant
 * digits (Number(18,0) ids, currency(18,2) amounts); a JS number holds 15 exactly, so JSON.parse would
 * silently change them. Number tokens with more than 15 significant digits are turned into strings
 * before parsing (capture then stores them as exact decimal text: src/capture/values.ts); all others
 * parse as usual. Text inside JSON strings is never touched.
 */
const SAFE_DIGITS = 15;
// Any number with 16+ significant digits contains 16+ consecutive digit or dot characters.
const MAYBE_LONG = /[0-9.]{16,}/;

export function parseJsonExact(text: string): unknown {
  if (!MAYBE_LONG.test(text)) return JSON.parse(text);
  return JSON.parse(quoteLongNumbers(text));
}

function isNumberChar(c: number): boolean {
  // 0-9 . - + e E
  return (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69;
}

/** The JSON text with number tokens of more than 15 significant digits quoted. */
export function quoteLongNumbers(text: string): string {
  const out: string[] = [];
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote, over escapes.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      const token = text.slice(start, i);
      if (significantDigitsOf(token) > SAFE_DIGITS) {
        out.push(text.slice(last, start), '"', token, '"');
        last = i;
      }
      continue;
    }
    i++;
  }
  if (last === 0) return text;
  out.push(text.slice(last));
  return out.join('');
}

/** A JSON number token: what ExactNumber accepts. */
const NUMBER_TOKEN = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A number to send with every digit: its decimal text goes into the request body as the JSON number
 * token itself (JSON numbers have any precision; Salesforce reads up to 18 digits), never through a
 * double. stringifyExact writes it; plain JSON.stringify writes its text as a JSON string (toJSON),
 * which still keeps the digits.
 */
export class ExactNumber {
  readonly text: string;

  constructor(text: string) {
    if (!NUMBER_TOKEN.test(text)) throw new TypeError(`not a JSON number: ${JSON.stringify(text)}`);
    this.text = text;
  }

  static isToken(text: string): boolean {
    return NUMBER_TOKEN.test(text);
  }

  toJSON(): string {
    return this.text;
  }
}

/** Significant digits of a JSON number token (`0.00123` → 3, `1200` → 4). */
export function significantDigitsOf(token: string): number {
  const mantissa = token.split(/[eE]/)[0] ?? '';
  return mantissa.replace(/[-+.]/g, '').replace(/^0+/, '').length;
}

/**
 * JSON.stringify that writes ExactNumber values as bare number tokens. Each one is first written as a
 * placeholder string (a NUL, which Postgres text cannot hold, and a per-call random tag, so no real
 * string can look like one), then the placeholders are replaced by the digits.
 */
export function stringifyExact(value: unknown): string {
  const exact: string[] = [];
  const tag = `\u0000${Math.random().toString(36).slice(2)}:`;
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const original = this[key];
    if (original instanceof ExactNumber) {
      exact.push(original.text);
      return `${tag}${exact.length - 1}`;
    }
    return v;
  });
  if (exact.length === 0) return text;
  // The tag as JSON.stringify escaped it (`\u0000…`), then the index, inside quotes.
  const quoted = JSON.stringify(tag)
    .slice(1, -1)
    .replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return text.replace(new RegExp(`"${quoted}(\\d+)"`, 'g'), (_, i: string) => exact[Number(i)]!);
}
