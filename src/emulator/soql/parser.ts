/**
 * SOQL text → QueryAst (syntax only; names are resolved by compile.ts).
 *
 *   SELECT item, ... FROM Object [alias] [WHERE cond] [WITH SECURITY_ENFORCED|USER_MODE|SYSTEM_MODE]
 *   [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]
 *   [FOR VIEW|REFERENCE|UPDATE, ...] [UPDATE TRACKING|VIEWSTAT]
 *
 * As in Salesforce, AND and OR cannot be mixed without parentheses, and NOT applies to one term.
 * Valid SOQL the emulator does not implement (GROUP BY, aggregates, subqueries, TYPEOF, semi-joins,
 * binds, functions) fails with MALFORMED_QUERY saying so.
 */
import type { CompareOp, Condition, FieldRef, Literal, OrderItem, QueryAst, SelectItem } from './ast.js';
import { relativeDateKind } from './date-literals.js';
import { tokenize, type Token } from './lexer.js';
import { malformed, unexpectedToken, unsupported } from './query-error.js';

/** Words that cannot name a field (Salesforce's SOQL reserved words). */
const RESERVED = new Set([
  'AND',
  'ASC',
  'DESC',
  'EXCLUDES',
  'FIRST',
  'FROM',
  'GROUP',
  'HAVING',
  'IN',
  'INCLUDES',
  'LAST',
  'LIKE',
  'LIMIT',
  'NOT',
  'NULL',
  'NULLS',
  'OR',
  'SELECT',
  'WHERE',
  'WITH',
]);

/** Words that end the FROM clause (so they are not taken for an object alias). */
const CLAUSE_WORDS = new Set([
  'WHERE',
  'WITH',
  'GROUP',
  'HAVING',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'FOR',
  'UPDATE',
  'USING',
]);

const AGGREGATES = new Set(['COUNT', 'COUNT_DISTINCT', 'SUM', 'AVG', 'MIN', 'MAX']);

const COMPARE_OPS: ReadonlyMap<string, CompareOp> = new Map<string, CompareOp>([
  ['=', '='],
  ['!=', '!='],
  ['<>', '!='],
  ['<', '<'],
  ['<=', '<='],
  ['>', '>'],
  ['>=', '>='],
]);

export function parseSoql(soql: string): QueryAst {
  return new Parser(soql, tokenize(soql)).query();
}

class Parser {
  private i = 0;

  constructor(
    private readonly soql: string,
    private readonly tokens: readonly Token[],
  ) {}

  query(): QueryAst {
    this.expectWord('SELECT');
    const select: SelectItem[] = [this.selectItem()];
    while (this.isPunct(this.peek(), ',')) {
      this.next();
      select.push(this.selectItem());
    }
    this.expectWord('FROM');
    const objectTok = this.next();
    if (objectTok.kind !== 'ident' || RESERVED.has(upper(objectTok))) throw this.fail(objectTok);
    let alias: string | null = null;
    const maybeAlias = this.peek();
    if (
      maybeAlias.kind === 'ident' &&
      !CLAUSE_WORDS.has(upper(maybeAlias)) &&
      !RESERVED.has(upper(maybeAlias))
    ) {
      alias = this.next().text;
    }
    if (this.isPunct(this.peek(), ',')) {
      throw unsupported(this.soql, this.peek().pos, 'Selecting from more than one object (FROM a, a.b)');
    }
    if (this.isWord(this.peek(), 'USING')) throw unsupported(this.soql, this.peek().pos, 'USING SCOPE');

    let where: Condition | null = null;
    if (this.isWord(this.peek(), 'WHERE')) {
      this.next();
      where = this.expression();
    }
    if (this.isWord(this.peek(), 'WITH')) this.withClause();
    if (this.isWord(this.peek(), 'GROUP')) throw unsupported(this.soql, this.peek().pos, 'GROUP BY');
    if (this.isWord(this.peek(), 'HAVING')) throw unsupported(this.soql, this.peek().pos, 'HAVING');

    const orderBy: OrderItem[] = [];
    if (this.isWord(this.peek(), 'ORDER')) {
      this.next();
      this.expectWord('BY');
      orderBy.push(this.orderItem());
      while (this.isPunct(this.peek(), ',')) {
        this.next();
        orderBy.push(this.orderItem());
      }
    }
    let limit: number | null = null;
    if (this.isWord(this.peek(), 'LIMIT')) {
      this.next();
      limit = this.integer();
    }
    let offset: QueryAst['offset'] = null;
    if (this.isWord(this.peek(), 'OFFSET')) {
      this.next();
      const pos = this.peek().pos;
      offset = { value: this.integer(), pos };
    }
    if (this.isWord(this.peek(), 'FOR')) this.forClause();
    if (this.isWord(this.peek(), 'UPDATE')) {
      this.next();
      const what = this.next();
      if (!this.isWord(what, 'TRACKING') && !this.isWord(what, 'VIEWSTAT')) throw this.fail(what);
    }
    const end = this.peek();
    if (end.kind !== 'eof') throw this.fail(end);
    return {
      select,
      from: { name: objectTok.text, pos: objectTok.pos },
      alias,
      where,
      orderBy,
      limit,
      offset,
    };
  }

  // ---- SELECT ----

  private selectItem(): SelectItem {
    const tok = this.peek();
    if (this.isPunct(tok, '(')) {
      if (this.isWord(this.peek(1), 'SELECT')) {
        throw unsupported(this.soql, tok.pos, 'A parent-to-child subquery (SELECT ... FROM Children)');
      }
      throw this.fail(tok);
    }
    if (tok.kind !== 'ident') throw this.fail(tok);
    const word = upper(tok);
    if (this.isPunct(this.peek(1), '(')) {
      if (word === 'COUNT' && this.isPunct(this.peek(2), ')')) {
        this.i += 3;
        return { kind: 'count', pos: tok.pos };
      }
      if (AGGREGATES.has(word))
        throw unsupported(this.soql, tok.pos, `The aggregate function ${word}(field)`);
      if (word === 'FIELDS') throw unsupported(this.soql, tok.pos, 'FIELDS()');
      throw unsupported(this.soql, tok.pos, `The function ${tok.text}() in the SELECT list`);
    }
    if (word === 'TYPEOF') throw unsupported(this.soql, tok.pos, 'TYPEOF');
    const ref = this.path();
    const after = this.peek();
    if (after.kind === 'ident' && !this.isWord(after, 'FROM')) throw this.fail(after);
    return { kind: 'field', ref };
  }

  private path(): FieldRef {
    const first = this.next();
    if (first.kind !== 'ident' || RESERVED.has(upper(first))) throw this.fail(first);
    const segments = [first.text];
    while (this.isPunct(this.peek(), '.')) {
      this.next();
      const seg = this.next();
      if (seg.kind !== 'ident') throw this.fail(seg);
      segments.push(seg.text);
    }
    return { segments, pos: first.pos };
  }

  // ---- WHERE ----

  /** Terms joined by one kind of operator: `a AND b AND c` or `a OR b`; mixing needs parentheses. */
  private expression(): Condition {
    const first = this.term();
    const joiner = this.peek();
    const op = this.isWord(joiner, 'AND') ? 'AND' : this.isWord(joiner, 'OR') ? 'OR' : null;
    if (op === null) return first;
    const items = [first];
    while (this.isWord(this.peek(), op)) {
      this.next();
      items.push(this.term());
    }
    const other = this.peek();
    if (this.isWord(other, op === 'AND' ? 'OR' : 'AND')) throw this.fail(other);
    return op === 'AND' ? { kind: 'and', items } : { kind: 'or', items };
  }

  private term(): Condition {
    const tok = this.peek();
    if (this.isWord(tok, 'NOT')) {
      this.next();
      return { kind: 'not', item: this.term() };
    }
    if (this.isPunct(tok, '(')) {
      this.next();
      if (this.isWord(this.peek(), 'SELECT')) throw this.fail(this.peek());
      const inner = this.expression();
      this.expectPunct(')');
      return inner;
    }
    return this.simple();
  }

  private simple(): Condition {
    const tok = this.peek();
    if (tok.kind === 'ident' && this.isPunct(this.peek(1), '(')) {
      throw unsupported(this.soql, tok.pos, `The function ${tok.text}() in WHERE`);
    }
    const field = this.path();
    const opTok = this.next();
    const cmp = opTok.kind === 'punct' ? COMPARE_OPS.get(opTok.text) : undefined;
    if (cmp !== undefined) return { kind: 'compare', field, op: cmp, value: this.value() };
    if (this.isWord(opTok, 'IN')) return { kind: 'in', field, negated: false, values: this.list() };
    if (this.isWord(opTok, 'NOT')) {
      const inTok = this.next();
      if (!this.isWord(inTok, 'IN')) throw this.fail(inTok);
      return { kind: 'in', field, negated: true, values: this.list() };
    }
    if (this.isWord(opTok, 'LIKE')) return { kind: 'like', field, pattern: this.value() };
    if (this.isWord(opTok, 'INCLUDES') || this.isWord(opTok, 'EXCLUDES')) {
      return { kind: 'includes', field, negated: upper(opTok) === 'EXCLUDES', values: this.list() };
    }
    throw this.fail(opTok);
  }

  private list(): Literal[] {
    this.expectPunct('(');
    const first = this.peek();
    if (this.isWord(first, 'SELECT')) {
      throw unsupported(this.soql, first.pos, 'A semi-join or anti-join (IN (SELECT ...))');
    }
    const values = [this.value()];
    while (this.isPunct(this.peek(), ',')) {
      this.next();
      values.push(this.value());
    }
    this.expectPunct(')');
    return values;
  }

  private value(): Literal {
    const tok = this.next();
    const pos = tok.pos;
    switch (tok.kind) {
      case 'string':
        return {
          kind: 'string',
          value: tok.value,
          raw: tok.text.slice(1, -1),
          likeOnlyAt: tok.likeOnlyAt ?? null,
          pos,
        };
      case 'number':
        return { kind: 'number', value: Number(tok.value), text: tok.text, pos };
      case 'date':
        return { kind: 'date', value: tok.value, pos };
      case 'datetime':
        return { kind: 'datetime', value: tok.value, pos };
      case 'time':
        return { kind: 'time', value: tok.value, pos };
      case 'punct':
        if (tok.text === ':') throw unsupported(this.soql, pos, 'A bind variable (:name, Apex only)');
        throw this.fail(tok);
      case 'eof':
        throw this.fail(tok);
      case 'ident':
        break;
    }
    const word = upper(tok);
    if (word === 'TRUE' || word === 'FALSE') return { kind: 'boolean', value: word === 'TRUE', pos };
    if (word === 'NULL') return { kind: 'null', pos };
    const dateKind = relativeDateKind(word);
    if (dateKind === 'fixed') return { kind: 'relativeDate', name: word, n: null, pos };
    if (dateKind === 'n') {
      this.expectPunct(':');
      const nTok = this.next();
      if (nTok.kind !== 'number' || !/^\d+$/.test(nTok.text)) throw this.fail(nTok);
      return { kind: 'relativeDate', name: word, n: Number(nTok.text), pos };
    }
    throw this.fail(tok);
  }

  // ---- other clauses ----

  private withClause(): void {
    this.next();
    const what = this.next();
    if (
      this.isWord(what, 'SECURITY_ENFORCED') ||
      this.isWord(what, 'USER_MODE') ||
      this.isWord(what, 'SYSTEM_MODE')
    ) {
      return;
    }
    if (this.isWord(what, 'DATA')) throw unsupported(this.soql, what.pos, 'WITH DATA CATEGORY');
    throw this.fail(what);
  }

  private orderItem(): OrderItem {
    const tok = this.peek();
    if (tok.kind === 'ident' && this.isPunct(this.peek(1), '(')) {
      throw unsupported(this.soql, tok.pos, `The function ${tok.text}() in ORDER BY`);
    }
    const field = this.path();
    let descending = false;
    if (this.isWord(this.peek(), 'ASC')) this.next();
    else if (this.isWord(this.peek(), 'DESC')) {
      this.next();
      descending = true;
    }
    let nullsFirst: boolean | null = null;
    if (this.isWord(this.peek(), 'NULLS')) {
      this.next();
      const which = this.next();
      if (this.isWord(which, 'FIRST')) nullsFirst = true;
      else if (this.isWord(which, 'LAST')) nullsFirst = false;
      else throw this.fail(which);
    }
    return { field, descending, nullsFirst };
  }

  private forClause(): void {
    this.next();
    for (;;) {
      const what = this.next();
      if (!this.isWord(what, 'VIEW') && !this.isWord(what, 'REFERENCE') && !this.isWord(what, 'UPDATE')) {
        throw this.fail(what);
      }
      if (!this.isPunct(this.peek(), ',')) return;
      this.next();
    }
  }

  private integer(): number {
    const tok = this.next();
    if (tok.kind !== 'number' || !/^\d+$/.test(tok.text)) throw this.fail(tok);
    const n = Number(tok.text);
    if (!Number.isSafeInteger(n)) throw malformed(this.soql, tok.pos, `invalid integer: ${tok.text}`);
    return n;
  }

  // ---- token helpers ----

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const tok = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return tok;
  }

  private isWord(tok: Token, word: string): boolean {
    return tok.kind === 'ident' && upper(tok) === word;
  }

  private isPunct(tok: Token, p: string): boolean {
    return tok.kind === 'punct' && tok.text === p;
  }

  private expectWord(word: string): void {
    const tok = this.next();
    if (!this.isWord(tok, word)) throw this.fail(tok);
  }

  private expectPunct(p: string): void {
    const tok = this.next();
    if (!this.isPunct(tok, p)) throw this.fail(tok);
  }

  private fail(tok: Token): Error {
    return unexpectedToken(this.soql, tok.pos, tok.text);
  }
}

function upper(tok: Token): string {
  return tok.text.toUpperCase();
}
