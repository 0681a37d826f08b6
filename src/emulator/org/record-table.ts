/**
 * One object's records: lazily generated seed rows (positions 1..base.count) plus an overlay of
 * every record created or changed since. Ids encode positions, so scans run in Id order without
 * an index, and `Id > x` starts at x's position.
 */
import { POSITION, materialize, type BaseData } from '../seed/base-data.js';
import type { ObjectDef, Row } from '../schema/types.js';
import { counterOf, makeId } from './ids.js';

export class RecordTable {
  /** Created and changed records, by id. */
  private readonly overlay = new Map<string, Row>();
  /** Seed positions whose row lives in the overlay (changed) or is gone (purged). */
  private readonly shadowed = new Set<number>();
  /** Ids of created records in creation (= id) order; purged ones are skipped when scanning. */
  private readonly created: string[] = [];
  private readonly gone = new Set<string>();
  /** Overlay values of unique / external-id fields: lower-case field → lower-case value → ids. */
  private readonly unique = new Map<string, Map<string, Set<string>>>();
  private nextCounter: number;

  constructor(
    private objectRef: () => ObjectDef,
    private readonly base: BaseData | undefined,
    /** Called on every change, so the org can tell readers that cached results are stale. */
    private readonly onChange: () => void = () => undefined,
    nextCounter?: number,
  ) {
    this.nextCounter = nextCounter ?? (base?.count ?? 0) + 1;
  }

  get object(): ObjectDef {
    return this.objectRef();
  }

  get baseCount(): number {
    return this.base?.count ?? 0;
  }

  allocateId(): string {
    return makeId(this.object.keyPrefix, this.nextCounter++);
  }

  /** Any record by id, deleted ones included; undefined when unknown or purged. */
  get(id: string): Row | undefined {
    const row = this.overlay.get(id);
    if (row) return row;
    const pos = this.basePosition(id);
    return pos === undefined ? undefined : this.base!.row(pos);
  }

  /** A mutable plain copy of a record, ready to be changed and `put` back. */
  copy(row: Row): Row {
    return POSITION in row
      ? materialize(
          row,
          this.object.fields.map((f) => f.name),
        )
      : { ...row };
  }

  put(row: Row): void {
    this.onChange();
    const id = row.Id as string;
    const previous = this.get(id);
    const pos = this.basePosition(id);
    if (pos !== undefined) this.shadowed.add(pos);
    else if (!this.overlay.has(id)) this.created.push(id);
    this.overlay.set(id, row);
    this.reindex(id, previous, row);
  }

  /** Removes a record for good (recycle bin emptied, hard delete). */
  purge(id: string): void {
    this.onChange();
    const row = this.get(id);
    if (!row) return;
    this.reindex(id, row, undefined);
    this.overlay.delete(id);
    const pos = counterOf(this.object.keyPrefix, id);
    if (pos !== undefined && pos <= this.baseCount) this.shadowed.add(pos);
    this.gone.add(id);
  }

  /**
   * Ids of records (live or deleted) whose unique or external-id field has this value
   * (case-insensitive). Non-unique external ids may match several records.
   */
  findUnique(fieldName: string, value: string): string[] {
    const out = [...(this.unique.get(fieldName.toLowerCase())?.get(value.toLowerCase()) ?? [])];
    const pos = this.base?.findUnique?.(fieldName, value);
    if (pos !== undefined && !this.shadowed.has(pos)) out.push(makeId(this.object.keyPrefix, pos));
    return out;
  }

  /** Children of a parent record through `field`, for cascade deletes: seed range plus overlay rows. */
  *children(field: string, parentId: string, parentPrefix: string): Iterable<Row> {
    const parentPos = counterOf(parentPrefix, parentId);
    const range = parentPos === undefined ? undefined : this.base?.childRange?.(field, parentPos);
    if (range) {
      for (let i = range[0]; i <= range[1]; i++) if (!this.shadowed.has(i)) yield this.base!.row(i);
    }
    for (const row of this.overlay.values()) if (row[field] === parentId) yield row;
  }

  /**
   * Records in Id order, starting after position `fromPosition - 1` of the seed (then all created ones),
   * each with the scan position to resume from. `fromPosition` past the seed skips into created records.
   */
  *scan(from: ScanPosition = START): Generator<[Row, ScanPosition]> {
    const base = this.base;
    if (from.phase === 'base' && base) {
      const checkShadow = this.shadowed.size > 0;
      for (let i = from.index; i <= base.count; i++) {
        if (checkShadow && this.shadowed.has(i)) {
          const row = this.overlay.get(makeId(this.object.keyPrefix, i));
          if (row) yield [row, { phase: 'base', index: i + 1 }];
          continue;
        }
        yield [base.row(i), { phase: 'base', index: i + 1 }];
      }
    }
    const start = from.phase === 'created' ? from.index : 0;
    for (let k = start; k < this.created.length; k++) {
      const id = this.created[k]!;
      const row = this.overlay.get(id);
      if (row) yield [row, { phase: 'created', index: k + 1 }];
    }
  }

  /** Where an `Id > id` (or `>=`) scan starts. */
  positionAfterId(id: string, inclusive: boolean): ScanPosition {
    const pos = counterOf(this.object.keyPrefix, id);
    if (pos === undefined)
      return id < makeId(this.object.keyPrefix, 0) ? START : { phase: 'created', index: this.created.length };
    if (pos <= this.baseCount) return { phase: 'base', index: inclusive ? pos : pos + 1 };
    // A created record: find its slot (created ids are in counter order).
    let lo = 0;
    let hi = this.created.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = counterOf(this.object.keyPrefix, this.created[mid]!)!;
      if (c < pos || (!inclusive && c === pos)) lo = mid + 1;
      else hi = mid;
    }
    return { phase: 'created', index: lo };
  }

  /**
   * Where a `SystemModstamp > t` scan may start: the first seed position stamped at/after t, unless a
   * changed seed row before it could now match (its new stamp is later), in which case from the start.
   */
  positionAfterModstamp(stamp: string, inclusive: boolean): ScanPosition {
    const base = this.base;
    if (!base) return START;
    let lo = 1;
    let hi = base.count + 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = base.modstamp(mid);
      if (m < stamp || (!inclusive && m === stamp)) lo = mid + 1;
      else hi = mid;
    }
    for (const pos of this.shadowed) if (pos < lo) return START;
    return { phase: 'base', index: lo };
  }

  save(): TableState {
    return {
      nextCounter: this.nextCounter,
      overlay: [...this.overlay.values()],
      created: this.created,
      gone: [...this.gone],
    };
  }

  load(state: TableState): void {
    this.nextCounter = state.nextCounter;
    for (const id of state.gone) {
      this.gone.add(id);
      const pos = this.basePositionRaw(id);
      if (pos !== undefined) this.shadowed.add(pos);
    }
    const createdSet = new Set(state.created);
    for (const row of state.overlay) {
      const id = row.Id as string;
      const pos = this.basePositionRaw(id);
      if (pos !== undefined) this.shadowed.add(pos);
      this.overlay.set(id, row);
      this.reindex(id, undefined, row);
    }
    for (const id of state.created) if (createdSet.has(id)) this.created.push(id);
  }

  private basePositionRaw(id: string): number | undefined {
    const pos = counterOf(this.object.keyPrefix, id);
    return pos !== undefined && pos >= 1 && pos <= this.baseCount ? pos : undefined;
  }

  /** Seed position of an id whose seed row is still current (not changed, not purged). */
  private basePosition(id: string): number | undefined {
    const pos = this.basePositionRaw(id);
    if (pos === undefined) return undefined;
    if (this.shadowed.has(pos) && !this.overlay.has(id)) return undefined;
    return pos;
  }

  private reindex(id: string, before: Row | undefined, after: Row | undefined): void {
    for (const f of this.object.fields) {
      if (!f.unique && !f.externalId) continue;
      const key = f.name.toLowerCase();
      let index = this.unique.get(key);
      const old = before?.[f.name];
      const now = after?.[f.name];
      if (typeof old === 'string') {
        const ids = index?.get(old.toLowerCase());
        ids?.delete(id);
        if (ids?.size === 0) index!.delete(old.toLowerCase());
      }
      if (typeof now === 'string') {
        if (!index) this.unique.set(key, (index = new Map<string, Set<string>>()));
        const ids = index.get(now.toLowerCase());
        if (ids) ids.add(id);
        else index.set(now.toLowerCase(), new Set([id]));
      }
    }
  }
}

export type ScanPosition = { readonly phase: 'base' | 'created'; readonly index: number };
export const START: ScanPosition = { phase: 'base', index: 1 };

export interface TableState {
  nextCounter: number;
  overlay: Row[];
  created: string[];
  gone: string[];
}
