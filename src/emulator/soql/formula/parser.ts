/**
 * Formula text → Expr. Precedence, loosest first: `||`; `&&`; comparisons (`= == != <> < > <= >=`);
 * `+ - &`; `* /`; `^` (right-associative); unary `- + !`; literals, field paths, calls, parentheses.
 */
import type { BinaryOp, Expr } from './ast.js';
import { FormulaProblem } from './formula-error.js';
import { tokenizeFormula, type FormulaToken } from './lexer.js';

const LEVELS: ReadonlyArray<ReadonlyMap<string, BinaryOp>> = [
  new Map([['||', '||']]),
  new Map([['&&', '&&']]),
  new Map<string, BinaryOp>([
    ['=', '='],
    ['==', '='],
    ['!=', '!='],
    ['<>', '!='],
    ['<', '<'],
    ['<=', '<='],
    ['>', '>'],
    ['>=', '>='],
  ]),
  new Map<string, BinaryOp>([
    ['+', '+'],
    ['-', '-'],
    ['&', '&'],
  ]),
  new Map<string, BinaryOp>([
    ['*', '*'],
    ['/', '/'],
  ]),
];

export function parseFormula(src: string): Expr {
  const p = new FormulaParser(tokenizeFormula(src));
  const tok = p.peek();
  if (tok.kind === 'eof') throw new FormulaProblem('Syntax error. The formula is empty', 0);
  const expr = p.expression(0);
  const end = p.peek();
  if (end.kind !== 'eof') throw new FormulaProblem(`Syntax error. Extra '${end.text}'`, end.pos);
  return expr;
}

class FormulaParser {
  private i = 0;

  constructor(private readonly tokens: readonly FormulaToken[]) {}

  peek(): FormulaToken {
    return this.tokens[Math.min(this.i, this.tokens.length - 1)]!;
  }

  private next(): FormulaToken {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private isOp(t: FormulaToken, op: string): boolean {
    return t.kind === 'op' && t.text === op;
  }

  expression(level: number): Expr {
    if (level >= LEVELS.length) return this.power();
    const ops = LEVELS[level]!;
    let left = this.expression(level + 1);
    for (;;) {
      const t = this.peek();
      const op = t.kind === 'op' ? ops.get(t.text) : undefined;
      if (op === undefined) return left;
      this.next();
      const right = this.expression(level + 1);
      left = { kind: 'binary', op, left, right, pos: t.pos };
    }
  }

  private power(): Expr {
    const base = this.unary();
    const t = this.peek();
    if (!this.isOp(t, '^')) return base;
    this.next();
    return { kind: 'binary', op: '^', left: base, right: this.power(), pos: t.pos };
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '!')) {
      this.next();
      return { kind: 'unary', op: t.text, operand: this.unary(), pos: t.pos };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        return { kind: 'number', value: Number(t.value), pos: t.pos };
      case 'string':
        return { kind: 'string', value: t.value, pos: t.pos };
      case 'eof':
        throw new FormulaProblem('Syntax error. Missing operand at the end of the formula', t.pos);
      case 'op':
        if (t.text === '(') {
          const inner = this.expression(0);
          this.close(t);
          return inner;
        }
        throw new FormulaProblem(`Syntax error. Found '${t.text}'`, t.pos);
      case 'ident':
        break;
    }
    const upper = t.text.toUpperCase();
    if (this.isOp(this.peek(), '(')) {
      const open = this.next();
      const args: Expr[] = [];
      if (!this.isOp(this.peek(), ')')) {
        args.push(this.expression(0));
        while (this.isOp(this.peek(), ',')) {
          this.next();
          args.push(this.expression(0));
        }
      }
      this.close(open);
      return { kind: 'call', name: upper, args, pos: t.pos };
    }
    if (upper === 'TRUE' || upper === 'FALSE')
      return { kind: 'boolean', value: upper === 'TRUE', pos: t.pos };
    if (upper === 'NULL') return { kind: 'null', pos: t.pos };
    const segments = [t.text];
    while (this.isOp(this.peek(), '.')) {
      this.next();
      const seg = this.next();
      if (seg.kind !== 'ident')
        throw new FormulaProblem(`Syntax error. Found '${seg.text || 'end of formula'}'`, seg.pos);
      segments.push(seg.text);
    }
    return { kind: 'field', segments, pos: t.pos };
  }

  private close(open: FormulaToken): void {
    const t = this.next();
    if (this.isOp(t, ')')) return;
    if (t.kind === 'eof') throw new FormulaProblem("Syntax error. Missing ')'", open.pos);
    throw new FormulaProblem(`Syntax error. Found '${t.text}'`, t.pos);
  }
}
