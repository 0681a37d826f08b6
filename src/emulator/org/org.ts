/**
 * One emulated org: schema, records, recycle bin, clock. Implements OrgApi for the HTTP layer.
 * Batch writes follow Salesforce's rules: results in request order; with allOrNone, one failure
 * rolls the whole call back and every other record reports ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
import { normalizeId } from '../../core/sfid.js';
import { compileSoql } from '../soql/compile.js';
import type { CompiledQuery } from '../soql/types.js';
import { defineField } from '../schema/define.js';
import { Schema } from '../schema/schema.js';
import { loadSchemaFile } from '../schema/schema-file.js';
import { standardObjects } from '../schema/standard-objects.js';
import type { FieldDef, ObjectDef, Row } from '../schema/types.js';
import { seedPlan } from '../seed/seed-data.js';
import { Clock, isoSeconds } from './clock.js';
import { OrgEvalContext } from './eval-context.js';
import { makeId } from './ids.js';
import { TableCursor } from './query-cursor.js';
import { RECYCLE_BIN_DAYS, RecycleBin } from './recycle-bin.js';
import { RecordTable, type TableState } from './record-table.js';
import { RecordWriter } from './record-writer.js';
import { idBatch, writeBatch } from './batch.js';
import { deletedIn, updatedIn } from './replication.js';
import { RecordRejected, reject } from './save-error.js';
import { readStateFile, writeStateFile, type StateFile } from './state-file.js';
import {
  OrgError,
  type DeletedResult,
  type OrgApi,
  type OrgIdentity,
  type OrgOptions,
  type QueryCursor,
  type RecordInput,
  type SaveResult,
  type UpdatedResult,
  type UserChangeOptions,
  type WriteOptions,
} from './types.js';

const DAY = 86_400_000;

interface Pending {
  visibleAt: number;
  table: RecordTable;
  row: Row;
}

type Part = { save(): unknown; load(state: unknown): void };

export async function createOrg(options: OrgOptions): Promise<OrgApi> {
  const saved = options.stateFile ? await readStateFile(options.stateFile) : undefined;
  const objects = options.schemaFile
    ? await loadSchemaFile(options.schemaFile, standardObjects())
    : standardObjects();
  const seed: StateFile['seed'] = saved?.seed ?? {
    seed: options.seed,
    records: options.records ?? null,
    randomSeed: options.randomSeed ?? 42,
    // A day boundary, so runs on the same day generate identical timestamps.
    epochMs: Math.floor(Date.now() / DAY) * DAY,
    username: options.username ?? 'admin@ferry.test',
  };
  const org = new Org(objects, seed, options.stateFile, saved);
  return org;
}

export class Org implements OrgApi {
  readonly schema: Schema;
  readonly clock = new Clock();
  readonly identity: OrgIdentity;
  readonly ctx: OrgEvalContext;
  private tables = new Map<string, RecordTable>();
  private readonly bin = new RecycleBin();
  private readonly writer: RecordWriter;
  private pending: Pending[] = [];
  private changes = 0;
  private readonly parts = new Map<string, Part>();
  private readonly savedParts: Record<string, unknown>;

  constructor(
    objects: readonly ObjectDef[],
    private readonly seed: StateFile['seed'],
    private readonly stateFile: string | undefined,
    saved: StateFile | undefined,
  ) {
    this.schema = new Schema(objects);
    this.identity = {
      orgId: makeId('00D', 1),
      userId: makeId('005', 1),
      username: seed.username,
      userFullName: 'Ada Admin',
      userEmail: seed.username,
      organizationName: 'Ferry Emulated Org',
    };
    this.ctx = new OrgEvalContext(this.schema, this.clock, (id) => this.tableForId(id));
    this.writer = new RecordWriter({
      schema: this.schema,
      clock: this.clock,
      identity: this.identity,
      table: (name) => this.table(name),
      tableForId: (id) => this.tableForId(id),
    });
    this.buildTables();
    this.savedParts = saved?.parts ?? {};
    if (saved) this.loadParts(saved.parts);
  }

  now(): Date {
    return this.clock.now();
  }

  get version(): number {
    this.settle();
    return this.changes + this.schema.version * 1_000_000_007;
  }

  // ---------------------------------------------------------------- writes

  create(type: string, records: readonly RecordInput[], options: WriteOptions = {}): SaveResult[] {
    this.settle();
    return writeBatch(records, options, (input, i, batch) => {
      const table = this.writer.requireTable(type);
      return {
        table,
        row: this.writer.prepareInsert(table, input, { ...batch, fieldsToNull: options.fieldsToNull?.[i] }),
        created: undefined,
      };
    });
  }

  update(
    type: string | undefined,
    records: readonly RecordInput[],
    options: WriteOptions = {},
  ): SaveResult[] {
    this.settle();
    return writeBatch(records, options, (input, i, batch) => {
      const { table, row } = this.writer.existing(input.Id ?? input.id, type);
      return {
        table,
        row: this.writer.prepareUpdate(table, row, input, {
          ...batch,
          fieldsToNull: options.fieldsToNull?.[i],
        }),
        created: undefined,
      };
    });
  }

  upsert(
    type: string,
    externalIdField: string,
    records: readonly RecordInput[],
    options: WriteOptions = {},
  ): SaveResult[] {
    this.settle();
    const seen = new Map<string, number>();
    const duplicates = new Set<number>();
    const keyOf = (input: RecordInput): string | undefined => {
      const entry = Object.entries(input).find(([k]) => k.toLowerCase() === externalIdField.toLowerCase());
      const v = entry?.[1];
      return (typeof v === 'string' && v !== '') || typeof v === 'number' ? String(v) : undefined;
    };
    records.forEach((input, i) => {
      const key = keyOf(input)?.toLowerCase();
      if (key === undefined) return;
      const first = seen.get(key);
      if (first !== undefined) duplicates.add(first).add(i);
      else seen.set(key, i);
    });
    return writeBatch(records, options, (input, i, batch) => {
      const table = this.writer.requireTable(type);
      const field = table.object.fieldIndex.get(externalIdField.toLowerCase());
      if (!field || !(field.externalId || field.idLookup)) {
        reject(
          'INVALID_FIELD',
          `Field name provided, ${externalIdField} is not an External ID or indexed field for ${table.object.name}`,
          [externalIdField],
        );
      }
      const value = keyOf(input);
      if (value === undefined) {
        if (field.type === 'id') {
          return { table, row: this.writer.prepareInsert(table, input, batch), created: true };
        }
        reject('MISSING_ARGUMENT', `${field.name} not specified`, [field.name]);
      }
      if (duplicates.has(i))
        reject('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${value}`, [field.name]);
      const matches =
        field.type === 'id'
          ? [normalizeId(value)].filter((id): id is string => id !== undefined && table.get(id) !== undefined)
          : table.findUnique(field.name, value).filter((id) => table.get(id)?.IsDeleted !== true);
      if (matches.length > 1) {
        reject(
          'DUPLICATE_EXTERNAL_ID',
          `${field.name}: more than one record found for external id field: [${matches.join(', ')}]`,
          [field.name],
        );
      }
      const fieldsToNull = options.fieldsToNull?.[i];
      if (matches.length === 0) {
        if (field.type === 'id')
          reject('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${value}`, [
            'Id',
          ]);
        return {
          table,
          row: this.writer.prepareInsert(table, input, { ...batch, fieldsToNull }),
          created: true,
        };
      }
      const { row } = this.writer.existing(matches[0], table.object.name);
      const rest = Object.fromEntries(Object.entries(input).filter(([k]) => k.toLowerCase() !== 'id'));
      return {
        table,
        row: this.writer.prepareUpdate(table, row, rest, { ...batch, fieldsToNull }),
        created: false,
      };
    });
  }

  delete(ids: readonly string[], options: WriteOptions = {}): SaveResult[] {
    this.settle();
    return idBatch(ids, options, (id) => {
      const found = this.writer.existing(id, undefined);
      if (!found.table.object.deletable)
        reject('DELETE_FAILED', `entity type ${found.table.object.name} cannot be deleted`);
      return () => this.softDelete(found.table, found.row, found.id, this.clock.stamp());
    });
  }

  undelete(ids: readonly string[], options: WriteOptions = {}): SaveResult[] {
    this.settle();
    return idBatch(ids, options, (id) => {
      const found = this.writer.existing(id, undefined, true);
      if (found.row.IsDeleted !== true || !this.bin.get(found.id))
        reject('UNDELETE_FAILED', 'Entity is not in the recycle bin');
      return () => {
        const stamp = this.clock.stamp();
        for (const entry of this.bin.cascadedFrom(found.id)) {
          const table = this.tableForId(entry.id);
          const row = table?.get(entry.id);
          if (!table || !row) continue;
          table.put({ ...table.copy(row), IsDeleted: false, SystemModstamp: stamp, LastModifiedDate: stamp });
          this.bin.remove(entry.id);
        }
      };
    });
  }

  hardDelete(ids: readonly string[]): SaveResult[] {
    this.settle();
    return idBatch(ids, {}, (id) => {
      const found = this.writer.existing(id, undefined);
      return () => {
        this.softDelete(found.table, found.row, found.id, this.clock.stamp());
        this.emptyRecycleBin(this.bin.cascadedFrom(found.id).map((e) => e.id));
      };
    });
  }

  private softDelete(table: RecordTable, row: Row, id: string, stamp: string, root = id): void {
    table.put({
      ...table.copy(row),
      IsDeleted: true,
      SystemModstamp: stamp,
      LastModifiedDate: stamp,
      LastModifiedById: this.identity.userId,
    });
    this.bin.add({ id, object: table.object.name, deletedAt: stamp, root });
    for (const rel of this.schema.childRelationships(table.object.name)) {
      if (!rel.cascadeDelete) continue;
      const childTable = this.table(rel.childSObject);
      if (!childTable) continue;
      const children = [...childTable.children(rel.field, id, table.object.keyPrefix)];
      for (const child of children) {
        if (child.IsDeleted !== true && child[rel.field] === id)
          this.softDelete(childTable, child, child.Id as string, stamp, root);
      }
    }
  }

  // ---------------------------------------------------------------- reads

  retrieve(type: string, id: string): { object: ObjectDef; row: Row } {
    this.settle();
    const table = this.table(type);
    if (!table) throw new OrgError('NOT_FOUND', 'The requested resource does not exist', 404);
    const norm = normalizeId(id);
    if (!norm || norm.slice(0, 3) !== table.object.keyPrefix) {
      throw new OrgError('MALFORMED_ID', `${table.object.name} ID: id value of incorrect type: ${id}`, 400, [
        'Id',
      ]);
    }
    const row = table.get(norm);
    if (!row) throw new OrgError('NOT_FOUND', 'The requested resource does not exist', 404);
    if (row.IsDeleted === true) throw new OrgError('ENTITY_IS_DELETED', 'entity is deleted', 404);
    return { object: table.object, row };
  }

  findByField(type: string, field: string, value: string): string[] {
    this.settle();
    const table = this.table(type);
    if (!table) return [];
    const def = table.object.fieldIndex.get(field.toLowerCase());
    if (!def) return [];
    if (def.type === 'id') {
      const id = normalizeId(value);
      return id && table.get(id)?.IsDeleted === false ? [id] : [];
    }
    return table.findUnique(def.name, value).filter((id) => table.get(id)?.IsDeleted !== true);
  }

  compile(soql: string): CompiledQuery {
    this.settle();
    return compileSoql(soql, this.schema);
  }

  openCursor(query: CompiledQuery, options: { scanAll: boolean }): QueryCursor {
    this.settle();
    const table = this.table(query.object.name);
    if (!table)
      throw new OrgError('INVALID_TYPE', `sObject type '${query.object.name}' is not supported.`, 400);
    return new TableCursor(table, query, options.scanAll, this.ctx);
  }

  getUpdated(type: string, start: Date, end: Date): UpdatedResult {
    this.settle();
    return updatedIn(this.replicationTable(type), start, end, this.clock.nowMs());
  }

  getDeleted(type: string, start: Date, end: Date): DeletedResult {
    this.settle();
    return deletedIn(this.replicationTable(type), this.bin, start, end, this.clock.nowMs());
  }

  private replicationTable(type: string): RecordTable {
    const table = this.table(type);
    if (!table) throw new OrgError('NOT_FOUND', 'The requested resource does not exist', 404);
    return table;
  }

  // ---------------------------------------------------------------- control surface

  changeAsUser(type: string, id: string, fields: RecordInput, options: UserChangeOptions = {}): SaveResult {
    this.settle();
    try {
      const found = this.writer.existing(id, type);
      const row = this.writer.prepareUpdate(found.table, found.row, fields, { format: 'json' });
      if (options.visibleAfterMs && options.visibleAfterMs > 0) {
        this.pending.push({
          visibleAt: this.clock.nowMs() + options.visibleAfterMs,
          table: found.table,
          row,
        });
      } else {
        found.table.put(row);
      }
      return { id: found.id, success: true, errors: [] };
    } catch (err) {
      if (err instanceof RecordRejected) return { id, success: false, errors: err.errors };
      throw err;
    }
  }

  setFormula(type: string, field: string, formula: string): void {
    const object = this.schema.object(type);
    const def = object?.fieldIndex.get(field.toLowerCase());
    if (!object || !def) throw new OrgError('NOT_FOUND', `No field ${type}.${field}`, 404);
    if (!def.calculated)
      throw new OrgError('INVALID_FIELD', `${object.name}.${def.name} is not a formula field`, 400);
    // Compile first: a bad formula is refused and the old one stays.
    try {
      this.ctx.compile(object, { ...def, formula });
    } catch (err) {
      throw new OrgError(
        'INVALID_FIELD',
        `Formula for ${object.name}.${def.name} is invalid: ${(err as Error).message}`,
        400,
      );
    }
    this.schema.setFormula(object.name, def.name, formula);
  }

  addField(type: string, field: Partial<FieldDef> & Pick<FieldDef, 'name' | 'type'>): FieldDef {
    const object = this.schema.object(type);
    if (!object) throw new OrgError('NOT_FOUND', `sObject type '${type}' is not supported.`, 404);
    if (object.fieldIndex.has(field.name.toLowerCase()))
      throw new OrgError('DUPLICATE_DEVELOPER_NAME', `${object.name}.${field.name} already exists`, 400);
    if (!/^[A-Za-z][A-Za-z0-9_]*__c$/.test(field.name))
      throw new OrgError('INVALID_FIELD', `Custom field names end in __c: ${field.name}`, 400);
    defineField(field);
    return this.schema.addField(object.name, field);
  }

  emptyRecycleBin(ids?: readonly string[]): number {
    this.settle();
    const entries = ids
      ? ids.map((id) => this.bin.get(normalizeId(id) ?? id)).filter((e) => e !== undefined)
      : this.bin.all();
    for (const e of entries) {
      this.tableForId(e.id)?.purge(e.id);
      this.bin.remove(e.id);
    }
    return entries.length;
  }

  setClock(at: Date, options: { frozen?: boolean } = {}): void {
    this.clock.set(at, options.frozen ?? false);
  }

  advanceClock(ms: number): void {
    this.clock.advance(ms);
  }

  reset(): void {
    this.clock.reset();
    this.bin.load([]);
    this.pending = [];
    this.writer.load({});
    this.buildTables();
  }

  load(type: string, records: readonly RecordInput[]): SaveResult[] {
    this.settle();
    return writeBatch(records, {}, (input, _i, batch) => {
      const table = this.writer.requireTable(type);
      return {
        table,
        row: this.writer.prepareInsert(table, input, { ...batch, admin: true }),
        created: undefined,
      };
    });
  }

  attachState(key: string, part: Part): void {
    this.parts.set(key, part);
    if (key in this.savedParts) part.load(this.savedParts[key]);
  }

  async persist(): Promise<void> {
    if (!this.stateFile) return;
    const parts: Record<string, unknown> = {
      tables: Object.fromEntries([...this.tables].map(([k, t]) => [k, t.save()])),
      bin: this.bin.save(),
      clock: this.clock.save(),
      autoNumbers: this.writer.save(),
    };
    for (const [key, part] of this.parts) parts[key] = part.save();
    await writeStateFile(this.stateFile, { version: 1, seed: this.seed, parts });
  }

  // ---------------------------------------------------------------- internals

  table(name: string): RecordTable | undefined {
    const object = this.schema.object(name);
    return object ? this.tables.get(object.name.toLowerCase()) : undefined;
  }

  tableForId(id: string): RecordTable | undefined {
    const object = this.schema.byKeyPrefix(id.slice(0, 3));
    return object ? this.tables.get(object.name.toLowerCase()) : undefined;
  }

  private buildTables(): void {
    const plan = seedPlan({
      seed: this.seed.seed,
      records: this.seed.records ?? undefined,
      randomSeed: this.seed.randomSeed,
      epochMs: this.seed.epochMs,
      adminUsername: this.seed.username,
    });
    this.tables = new Map();
    for (const object of this.schema.objects()) {
      const name = object.name;
      this.tables.set(
        name.toLowerCase(),
        new RecordTable(
          () => this.schema.object(name)!,
          plan.data.get(name),
          () => this.changes++,
        ),
      );
    }
  }

  private loadParts(parts: Record<string, unknown>): void {
    const tables = (parts.tables ?? {}) as Record<string, TableState>;
    for (const [name, state] of Object.entries(tables)) this.tables.get(name)?.load(state);
    if (Array.isArray(parts.bin)) this.bin.load(parts.bin as Parameters<RecycleBin['load']>[0]);
    if (parts.clock) this.clock.load(parts.clock as Parameters<Clock['load']>[0]);
    if (parts.autoNumbers) this.writer.load(parts.autoNumbers as Record<string, number>);
  }

  /** Applies changes whose commit became visible, and purges the recycle bin's expired entries. */
  private settle(): void {
    const now = this.clock.nowMs();
    if (this.pending.length) {
      const due = this.pending.filter((p) => p.visibleAt <= now);
      if (due.length) {
        this.pending = this.pending.filter((p) => p.visibleAt > now);
        for (const p of due) p.table.put(p.row);
      }
    }
    if (this.bin.size) {
      const cutoff = isoSeconds(now - RECYCLE_BIN_DAYS * DAY);
      for (const e of this.bin.expired(cutoff)) {
        this.tableForId(e.id)?.purge(e.id);
        this.bin.remove(e.id);
      }
    }
  }
}
