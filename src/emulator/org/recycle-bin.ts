/**
 * Deleted records waiting in the recycle bin. The bin is also what getDeleted reports: a record
 * emptied from the bin (or hard-deleted) leaves no trace there, which is exactly why a sync needs
 * a periodic Id reconciliation. Entries older than 15 days are purged automatically.
 */
export const RECYCLE_BIN_DAYS = 15;

export interface BinEntry {
  readonly id: string;
  readonly object: string;
  /** UTC ISO, whole seconds. */
  readonly deletedAt: string;
  /** The record whose delete cascaded to this one (itself for a direct delete). */
  readonly root: string;
}

export class RecycleBin {
  private entries = new Map<string, BinEntry>();

  add(entry: BinEntry): void {
    this.entries.set(entry.id, entry);
  }

  get(id: string): BinEntry | undefined {
    return this.entries.get(id);
  }

  remove(id: string): void {
    this.entries.delete(id);
  }

  /** Entries cascaded from `root` (root included). */
  cascadedFrom(root: string): BinEntry[] {
    return [...this.entries.values()].filter((e) => e.root === root);
  }

  forObject(object: string): BinEntry[] {
    return [...this.entries.values()].filter((e) => e.object === object);
  }

  all(): BinEntry[] {
    return [...this.entries.values()];
  }

  /** Entries deleted before `cutoff` (ISO), which the org must now purge. */
  expired(cutoff: string): BinEntry[] {
    return [...this.entries.values()].filter((e) => e.deletedAt < cutoff);
  }

  get size(): number {
    return this.entries.size;
  }

  save(): BinEntry[] {
    return this.all();
  }

  load(entries: BinEntry[]): void {
    this.entries = new Map(entries.map((e) => [e.id, e]));
  }
}
