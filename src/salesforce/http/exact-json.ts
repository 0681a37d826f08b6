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

function significantDigits(token: string): number {
  const mantissa = token.split(/[eE]/)[0] ?? '';
  return mantissa.replace(/[-+.]/g, '').replace(/^0+/, '').length;
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
      if (significantDigits(token) > SAFE_DIGITS) {
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
