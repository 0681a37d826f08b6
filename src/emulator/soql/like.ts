/**
 * SOQL LIKE patterns: `%` any run of characters, `_` one character, `\%` and `\_` literal, other
 * backslash escapes as in string literals; matching is case-insensitive and covers the whole value.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
};

/** `raw` is the literal's source text between the quotes (escapes not yet decoded). */
export function compileLike(raw: string): (value: string) => boolean {
  let source = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\' && i + 1 < raw.length) {
      const next = raw[++i]!;
      source += escapeRegExp(ESCAPES[next] ?? next);
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
