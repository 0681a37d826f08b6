/**
 * An incremental RFC 4180 parser for Bulk API CSV: text in, rows of cells out, as data arrives.
 *
 * Why not csv-parse (which DESIGN.md names, and which Ferry used before): Bulk results are the
 * largest thing Ferry reads, and csv-parse's per-character state machine cost ~35 µs per 45-field row
 * — a third of the initial load's CPU on the one capture thread. Bulk CSV is a narrow dialect (comma,
 * double quote, LF or CRLF, a header row), so this parser jumps between delimiters with indexOf and
 * slices cells out whole: several times faster, and tested against csv-parse on generated data
 * (test/salesforce/csv-parser.test.ts).
 *
 * Cells: `"a ""b"""` → `a "b"`; unquoted cells are taken as they are. A quote inside an unquoted
 * cell, text after a closing quote, or a row with the wrong number of cells is a MalformedCsvError.
 */
export class MalformedCsvError extends Error {}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

export class CsvRowParser {
  #buffer = '';
  #width: number | undefined;
  #line = 1;

  /** Parses what `text` completes; an unfinished last row waits for the next push (or end). */
  push(text: string): string[][] {
    this.#buffer = this.#buffer === '' ? text : this.#buffer + text;
    return this.#parse(false);
  }

  /** Parses the rest: the last row may lack its line ending. */
  end(): string[][] {
    const rows = this.#parse(true);
    if (this.#buffer !== '') throw this.#malformed('the data ends inside a quoted cell');
    return rows;
  }

  #parse(final: boolean): string[][] {
    const buf = this.#buffer;
    const n = buf.length;
    const rows: string[][] = [];
    let pos = buf.charCodeAt(0) === 0xfeff && this.#line === 1 ? 1 : 0; // byte order mark
    rows: while (pos < n) {
      const row: string[] = [];
      let p = pos;
      let nl = buf.indexOf('\n', p);
      for (;;) {
        let cell: string;
        if (buf.charCodeAt(p) === QUOTE) {
          let from = p + 1;
          cell = '';
          for (;;) {
            const close = buf.indexOf('"', from);
            if (close < 0 || (close + 1 >= n && !final)) break rows; // the cell goes on in the next push
            if (buf.charCodeAt(close + 1) === QUOTE) {
              cell += buf.slice(from, close + 1);
              from = close + 2;
              continue;
            }
            cell += buf.slice(from, close);
            p = close + 1;
            break;
          }
          // A quoted cell may hold line feeds: the row's end is after it.
          if (nl !== -1 && nl < p) nl = buf.indexOf('\n', p);
        } else {
          if (nl === -1 && !final) break rows;
          const rowEnd = nl === -1 ? n : nl;
          let comma = buf.indexOf(',', p);
          if (comma === -1 || comma > rowEnd) comma = rowEnd;
          let end = comma;
          if (end === rowEnd && end > p && buf.charCodeAt(end - 1) === CR) end--;
          cell = buf.slice(p, end);
          if (cell.includes('"')) throw this.#malformed(`a quote inside an unquoted cell: ${cell}`);
          p = end;
        }
        row.push(cell);
        const c = buf.charCodeAt(p);
        if (c === COMMA) {
          p++;
          if (p >= n && !final) break rows;
          continue;
        }
        if (c === CR && p + 1 >= n && !final) break rows; // CR LF cut between two pushes
        if (c === CR && buf.charCodeAt(p + 1) === LF) p += 2;
        else if (c === LF) p++;
        else if (p < n) throw this.#malformed(`unexpected text after a cell: ${buf.slice(p, p + 20)}`);
        else if (!final) break rows;
        break;
      }
      this.#emit(rows, row);
      pos = p;
    }
    this.#buffer = pos >= n ? '' : buf.slice(pos);
    return rows;
  }

  #emit(rows: string[][], row: string[]): void {
    if (this.#width === undefined) this.#width = row.length;
    else if (row.length !== this.#width) {
      throw this.#malformed(`a row of ${row.length} cells under a header of ${this.#width}`);
    }
    this.#line++;
    rows.push(row);
  }

  #malformed(what: string): MalformedCsvError {
    return new MalformedCsvError(`Malformed CSV near row ${this.#line}: ${what}`);
  }
}
