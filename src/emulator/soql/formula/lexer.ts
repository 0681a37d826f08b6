/**
 * Formula tokens: numbers, strings ('...' or "..." with backslash escapes), identifiers (`$` allowed
 * first, for globals), operators and punctuation. `/* ... *\/` comments are skipped.
 */
import { FormulaProblem } from './formula-error.js';

export type FormulaTokenKind = 'number' | 'string' | 'ident' | 'op' | 'eof';

export interface FormulaToken {
  readonly kind: FormulaTokenKind;
  readonly text: string;
  readonly value: string;
  readonly pos: number;
}

const OPS = [
  '&&',
  '||',
  '==',
  '!=',
  '<>',
  '<=',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '^',
  '&',
  '=',
  '<',
  '>',
  '!',
  '(',
  ')',
  ',',
  '.',
];
const NUMBER_RE = /(?:\d+(?:\.\d*)?|\.\d+)/y;
const IDENT_RE = /[A-Za-z_$][A-Za-z0-9_]*/y;
const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  "'": "'",
  '"': '"',
  '\\': '\\',
};

export function tokenizeFormula(src: string): FormulaToken[] {
  const out: FormulaToken[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new FormulaProblem('Syntax error. Missing */ to close the comment', i);
      i = end + 2;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const t = string(src, i, ch);
      out.push(t);
      i += t.text.length;
      continue;
    }
    NUMBER_RE.lastIndex = i;
    const num = NUMBER_RE.exec(src);
    if (num) {
      out.push({ kind: 'number', text: num[0], value: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    IDENT_RE.lastIndex = i;
    const id = IDENT_RE.exec(src);
    if (id) {
      out.push({ kind: 'ident', text: id[0], value: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new FormulaProblem(`Syntax error. Found '${ch}'`, i);
    out.push({ kind: 'op', text: op, value: op, pos: i });
    i += op.length;
  }
  out.push({ kind: 'eof', text: '', value: '', pos: src.length });
  return out;
}

function string(src: string, start: number, quote: string): FormulaToken {
  let value = '';
  let i = start + 1;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === quote) return { kind: 'string', text: src.slice(start, i + 1), value, pos: start };
    if (ch === '\\') {
      const next = src[i + 1];
      const decoded = next === undefined ? undefined : ESCAPES[next];
      if (decoded === undefined)
        throw new FormulaProblem(`Syntax error. Invalid escape sequence '\\${next ?? ''}'`, i);
      value += decoded;
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  throw new FormulaProblem('Syntax error. Missing closing quote', start);
}
