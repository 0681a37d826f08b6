/**
 * Undo for requests that Salesforce runs in one transaction but our org executes as several calls:
 * composite with allOrNone, sObject Tree, mixed-type collections with allOrNone. The journal wraps
 * the org, remembers what each successful write changed, and rolls it back in reverse order.
 *
 * Limits of the compensation (documented in docs/emulator.md): a rolled-back insert is hard-deleted
 * (getDeleted may report its id), and a rolled-back update restores field values with a new write
 * (SystemModstamp moves). Salesforce would leave no trace at all.
 */
import type { ObjectDef, Row, Value } from '../schema/types.js';
import type { OrgApi, RecordInput, SaveResult, WriteOptions } from '../org/types.js';

type Entry =
  | { kind: 'created'; id: string }
  | { kind: 'updated'; type: string; id: string; before: Record<string, Value> }
  | { kind: 'deleted'; id: string }
  | { kind: 'undeleted'; id: string };

const IGNORED_KEYS = new Set(['attributes', 'id']);

export class WriteJournal {
  private readonly entries: Entry[] = [];
  readonly org: OrgApi;

  /**
   * @param org the org writes go through (may inject faults)
   * @param rawOrg the org rollbacks go through (must not inject faults)
   */
  constructor(
    org: OrgApi,
    private readonly rawOrg: OrgApi,
  ) {
    const overrides: Partial<OrgApi> = {
      create: (type, records, options) => this.recordCreates(org.create(type, records, options)),
      update: (type, records, options) => {
        const before = this.beforeImages(records, options, (r) => idOf(r));
        return this.recordUpdates(org.update(type, records, options), before);
      },
      upsert: (type, field, records, options) => {
        const before = this.beforeImages(records, options, (r) => idOf(r) ?? this.existingId(type, field, r));
        return this.recordUpdates(org.upsert(type, field, records, options), before);
      },
      delete: (ids, options) => this.recordIds(org.delete(ids, options), 'deleted'),
      undelete: (ids, options) => this.recordIds(org.undelete(ids, options), 'undeleted'),
    };
    this.org = new Proxy(org, {
      get(target, prop) {
        if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof OrgApi];
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  get size(): number {
    return this.entries.length;
  }

  private recordCreates(results: SaveResult[]): SaveResult[] {
    for (const r of results) if (r.success && r.id) this.entries.push({ kind: 'created', id: r.id });
    return results;
  }

  private recordIds(results: SaveResult[], kind: 'deleted' | 'undeleted'): SaveResult[] {
    for (const r of results) if (r.success && r.id) this.entries.push({ kind, id: r.id });
    return results;
  }

  private recordUpdates(
    results: SaveResult[],
    before: Array<{ type: string; id: string; values: Record<string, Value> } | undefined>,
  ): SaveResult[] {
    results.forEach((r, i) => {
      if (!r.success || !r.id) return;
      const image = before[i];
      if (r.created || !image) this.entries.push({ kind: 'created', id: r.id });
      else this.entries.push({ kind: 'updated', type: image.type, id: image.id, before: image.values });
    });
    return results;
  }

  private existingId(type: string, field: string, record: RecordInput): string | undefined {
    const object = this.rawOrg.schema.object(type);
    const def = object?.fieldIndex.get(field.toLowerCase());
    if (!def) return undefined;
    const key = Object.keys(record).find((k) => k.toLowerCase() === def.name.toLowerCase());
    const value = key === undefined ? undefined : record[key];
    if (typeof value !== 'string' && typeof value !== 'number') return undefined;
    const ids = this.rawOrg.findByField(type, def.name, String(value));
    return ids.length === 1 ? ids[0] : undefined;
  }

  /** The current values of the fields each record is about to change. */
  private beforeImages(
    records: readonly RecordInput[],
    options: WriteOptions | undefined,
    idFor: (r: RecordInput) => string | undefined,
  ): Array<{ type: string; id: string; values: Record<string, Value> } | undefined> {
    return records.map((record, i) => {
      const id = idFor(record);
      if (!id) return undefined;
      const current = this.current(id);
      if (!current) return undefined;
      const values: Record<string, Value> = {};
      const names = [...Object.keys(record), ...(options?.fieldsToNull?.[i] ?? [])];
      for (const name of names) {
        const def = fieldFor(current.object, name);
        if (def && def in current.row) values[def] = current.row[def] ?? null;
        else if (def) values[def] = null;
      }
      return { type: current.object.name, id, values };
    });
  }

  private current(id: string): { object: ObjectDef; row: Row } | undefined {
    const object = this.rawOrg.schema.byKeyPrefix(id.slice(0, 3));
    if (!object) return undefined;
    try {
      return this.rawOrg.retrieve(object.name, id);
    } catch {
      return undefined;
    }
  }

  /** Undoes every recorded write, newest first. Best effort: a failing undo does not stop the rest. */
  rollback(): void {
    for (const entry of this.entries.reverse()) {
      try {
        switch (entry.kind) {
          case 'created':
            this.rawOrg.hardDelete([entry.id]);
            break;
          case 'deleted':
            this.rawOrg.undelete([entry.id]);
            break;
          case 'undeleted':
            this.rawOrg.delete([entry.id]);
            break;
          case 'updated':
            if (Object.keys(entry.before).length > 0) {
              this.rawOrg.update(entry.type, [{ Id: entry.id, ...entry.before }], { format: 'json' });
            }
            break;
        }
      } catch {
        // A record changed since (or vanished): nothing sensible to restore.
      }
    }
    this.entries.length = 0;
  }
}

function idOf(r: RecordInput): string | undefined {
  const v = r['Id'] ?? r['id'];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Canonical name of the stored field an input key writes (`account` → `AccountId`, `Account.Ext__c` too). */
function fieldFor(object: ObjectDef, key: string): string | undefined {
  const lower = key.toLowerCase();
  if (IGNORED_KEYS.has(lower)) return undefined;
  const direct = object.fieldIndex.get(lower);
  if (direct) return direct.calculated ? undefined : direct.name;
  const rel = object.relationshipIndex.get(lower.split('.')[0] ?? lower);
  return rel?.name;
}
