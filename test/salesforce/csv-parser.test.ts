import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CsvRowParser, MalformedCsvError } from '../../src/salesforce/bulk/csv-parser.js';

function parseAll(chunks: readonly string[]): string[][] {
  const parser = new CsvRowParser();
  const rows: string[][] = [];
  for (const c of chunks) rows.push(...parser.push(c));
  rows.push(...parser.end());
  return rows;
}

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

const PIECES = [
  'a',
  'Acme, Inc.',
  '"quoted"',
  'line\nbreak',
  'crlf\r\ninside',
  'é ü 日本',
  '',
  ' ',
  '""',
  ',',
];

function quote(cell: string): string {
  return `"${cell.replaceAll('"', '""')}"`;
}

function generate(rnd: () => number, rows: number, width: number, eol: string): { text: string } {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < width; c++) {
      const cell = PIECES[Math.floor(rnd() * PIECES.length)]! + (rnd() < 0.5 ? String(r) : '');
      // Salesforce quotes every cell; unquoted simple cells are accepted too.
      cells.push(/^[\w ]*$/.test(cell) && rnd() < 0.3 ? cell : quote(cell));
    }
    lines.push(cells.join(','));
  }
  return { text: lines.join(eol) + (rnd() < 0.5 ? eol : '') };
}

describe('CsvRowParser', () => {
  it('parses what csv-parse parses, however the text is cut into chunks', () => {
    const rnd = random(42);
    for (let round = 0; round < 40; round++) {
      const eol = round % 2 === 0 ? '\n' : '\r\n';
      const { text } = generate(rnd, 1 + Math.floor(rnd() * 20), 1 + Math.floor(rnd() * 6), eol);
      const expected = parse(text, { relax_column_count: false, record_delimiter: eol }) as string[][];
      expect(parseAll([text])).toEqual(expected);
      // Cut at random places, including inside quotes, escaped quotes and CRLF pairs.
      const chunks: string[] = [];
      let at = 0;
      while (at < text.length) {
        const size = 1 + Math.floor(rnd() * 7);
        chunks.push(text.slice(at, at + size));
        at += size;
      }
      expect(parseAll(chunks)).toEqual(expected);
    }
  });

  it('strips a byte order mark and keeps empty cells', () => {
    expect(parseAll(['\uFEFF"Id","Name"\n"1",""\n', '"2",\n'])).toEqual([
      ['Id', 'Name'],
      ['1', ''],
      ['2', ''],
    ]);
  });

  it('refuses malformed text, naming the row', () => {
    expect(() => parseAll(['"a","b"\n"1"\n'])).toThrow(MalformedCsvError);
    expect(() => parseAll(['"a","b"\n"1","2"\n'])).not.toThrow();
    expect(() => parseAll(['"a"\n"1"x\n'])).toThrow(/row 2: unexpected text after a cell/);
    expect(() => parseAll(['"a"\nb"c\n'])).toThrow(/quote inside an unquoted cell/);
    expect(() => parseAll(['"a"\n"unterminated\n'])).toThrow(/ends inside a quoted cell/);
  });
});
