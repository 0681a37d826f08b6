/**
 * SOQL LIKE patterns: `%` any run of characters, `_` one character, `\%` and `\_` literal, other
 * backslash escapes as in string literals; matching is case-insensitive and covers the whole value.
 */
import { STRING_ESCAPES } from './lexer.js';

/** `raw` is the literal's source text between the quotes (escapes not yet decoded; the lexer checked them). */
export function compileLike(raw: string): (value: string) => boolean {
  let source = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\' && i + 1 < raw.length) {
      const next = raw[i + 1]!;
      if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(raw.slice(i + 2, i + 6))) {
        source += escapeRegExp(String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16)));
        i += 5;
      } else {
        source += escapeRegExp(STRING_ESCAPES[next] ?? next);
        i += 1;
      }
    } else if (ch === '%') {
      source += '[\\s\\S]*';
    } else if (ch === '_') {
      source += '[\\s\\S]';
    } else {
      source += escapeRegExp(ch);
    }
  }
  const re = new RegExp(`^${source}$`, 'i');
  return (value) => re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}
