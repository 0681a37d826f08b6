/**
 * REST query locators. jsforce rebuilds `{base}/query/{locator}` from the last path segment of
 * `nextRecordsUrl`, even for queryAll (§2.4), so a locator must say everything about its cursor:
 * `01g<15-char cursor key>-<offset>` names a registered cursor (which remembers scanAll and the
 * batch size) and the position of the next page. Cursors are kept least-recently-used up to a cap;
 * with `--state` their SOQL is saved and reopened after a restart.
 */
import { randomInt } from 'node:crypto';
import type { CompiledQuery } from '../soql/types.js';
import type { OrgApi, QueryCursor } from '../org/types.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const LOCATOR = /^(01g[A-Za-z0-9]{15})-(\d+)$/;

export interface CursorEntry {
  readonly soql: string;
  readonly scanAll: boolean;
  readonly batchSize: number;
  query: CompiledQuery | undefined;
  cursor: QueryCursor | undefined;
}

export function parseLocator(locator: string): { key: string; offset: number } | undefined {
  const m = LOCATOR.exec(locator);
  if (!m?.[1] || !m[2]) return undefined;
  return { key: m[1], offset: Number(m[2]) };
}

export function locatorOf(key: string, offset: number): string {
  return `${key}-${offset}`;
}

function newKey(): string {
  let s = '01g';
  for (let i = 0; i < 15; i++) s += BASE62[randomInt(62)];
  return s;
}

interface Saved {
  cursors: Array<{ key: string; soql: string; scanAll: boolean; batchSize: number }>;
}

export class QueryLocators {
  /** Insertion order doubles as recency order (entries are re-inserted on use). */
  private readonly entries = new Map<string, CursorEntry>();

  constructor(private readonly capacity = 1000) {}

  register(
    entry: Omit<CursorEntry, 'query' | 'cursor'> & { query: CompiledQuery; cursor: QueryCursor },
  ): string {
    const key = newKey();
    this.entries.set(key, { ...entry });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return key;
  }

  /** The cursor behind a key, reopened from its SOQL when it came from a state file. */
  get(key: string, org: OrgApi): (CursorEntry & { query: CompiledQuery; cursor: QueryCursor }) | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (!entry.query || !entry.cursor) {
      try {
        entry.query = org.compile(entry.soql);
        entry.cursor = org.openCursor(entry.query, { scanAll: entry.scanAll });
      } catch {
        this.entries.delete(key);
        return undefined;
      }
    }
    return entry as CursorEntry & { query: CompiledQuery; cursor: QueryCursor };
  }

  clear(): void {
    this.entries.clear();
  }

  save(): Saved {
    return {
      cursors: [...this.entries].map(([key, e]) => ({
        key,
        soql: e.soql,
        scanAll: e.scanAll,
        batchSize: e.batchSize,
      })),
    };
  }

  load(state: unknown): void {
    const saved = state as Partial<Saved> | null;
    for (const c of saved?.cursors ?? []) {
      if (typeof c.key !== 'string' || typeof c.soql !== 'string') continue;
      this.entries.set(c.key, {
        soql: c.soql,
        scanAll: c.scanAll === true,
        batchSize: typeof c.batchSize === 'number' ? c.batchSize : 2000,
        query: undefined,
        cursor: undefined,
      });
    }
  }
}
