/**
 * A result set read page by page. Queries in Id order stream straight off the table, remembering
 * where each page ended so the next page resumes there; other orders collect the matching rows
 * (references to lazy rows, not copies) and sort them once.
 */
import type { CompiledQuery, EvalContext } from '../soql/types.js';
import type { Row } from '../schema/types.js';
import { START, type RecordTable, type ScanPosition } from './record-table.js';
import type { QueryCursor } from './types.js';

export class TableCursor implements QueryCursor {
  readonly totalSize: number;
  private sorted: Row[] | undefined;
  /** Result position → table position to resume from (Id-order queries). */
  private readonly resume = new Map<number, ScanPosition>();
  private readonly start: ScanPosition;
  private readonly skip: number;
  private readonly take: number;

  constructor(
    private readonly table: RecordTable,
    readonly query: CompiledQuery,
    readonly scanAll: boolean,
    private readonly ctx: EvalContext,
  ) {
    this.start = startPosition(table, query);
    this.skip = query.offset ?? 0;
    this.take = query.limit ?? Number.POSITIVE_INFINITY;
    if (query.compare) {
      const compare = query.compare;
      const rows: Row[] = [];
      for (const [row] of this.matches(this.start)) rows.push(row);
      rows.sort((a, b) => compare(a, b, ctx));
      this.sorted = rows.slice(this.skip, this.skip + this.take);
      this.totalSize = this.sorted.length;
    } else {
      let n = 0;
      const max = this.skip + this.take;
      for (const [, pos] of this.matches(this.start)) {
        n++;
        if (n === this.skip) this.resume.set(0, pos);
        if (n >= max) break;
      }
      this.totalSize = Math.max(0, Math.min(n, max) - this.skip);
      if (this.skip === 0) this.resume.set(0, this.start);
    }
  }

  page(position: number, n: number): Row[] {
    if (position >= this.totalSize || n <= 0) return [];
    const end = Math.min(this.totalSize, position + n);
    if (this.sorted) return this.sorted.slice(position, end);
    const out: Row[] = [];
    let from = this.resume.get(position);
    let toSkip = 0;
    if (!from) {
      // Not where a previous page ended: rescan from the first row of the result.
      from = this.resume.get(0) ?? this.start;
      toSkip = this.resume.has(0) ? position : this.skip + position;
    }
    for (const [row, pos] of this.matches(from)) {
      if (toSkip > 0) {
        toSkip--;
        continue;
      }
      out.push(row);
      if (position + out.length >= end) {
        this.resume.set(end, pos);
        break;
      }
    }
    return out;
  }

  private *matches(from: ScanPosition): Generator<[Row, ScanPosition]> {
    const where = this.query.where;
    const ctx = this.ctx;
    const scanAll = this.scanAll;
    for (const entry of this.table.scan(from)) {
      const row = entry[0];
      if (!scanAll && row.IsDeleted === true) continue;
      if (where && !where(row, ctx)) continue;
      yield entry;
    }
  }
}

function startPosition(table: RecordTable, query: CompiledQuery): ScanPosition {
  let start = START;
  if (query.idLowerBound)
    start = table.positionAfterId(query.idLowerBound.value, query.idLowerBound.inclusive);
  if (query.systemModstampLowerBound) {
    const byStamp = table.positionAfterModstamp(
      query.systemModstampLowerBound.value,
      query.systemModstampLowerBound.inclusive,
    );
    start = later(start, byStamp);
  }
  return start;
}

function later(a: ScanPosition, b: ScanPosition): ScanPosition {
  if (a.phase !== b.phase) return a.phase === 'created' ? a : b;
  return a.index >= b.index ? a : b;
}
