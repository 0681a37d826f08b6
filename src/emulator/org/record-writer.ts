/**
 * Validation and system fields for inserts and updates: what Salesforce checks before a record is
 * saved (writable fields, types, lengths, picklists, required fields, unique values, lookups), and
 * what it stamps (Id, audit fields, owner, defaults, auto-numbers).
 */
import { normalizeId } from '../../core/sfid.js';
import type { FieldDef, ObjectDef, Row, Value } from '../schema/types.js';
import type { Schema } from '../schema/schema.js';
import type { Clock } from './clock.js';
import { coerceValue } from './coerce.js';
import type { RecordTable } from './record-table.js';
import { reject } from './save-error.js';
import type { InputFormat, OrgIdentity, RecordInput } from './types.js';

export interface WriteStore {
  readonly schema: Schema;
  readonly clock: Clock;
  readonly identity: OrgIdentity;
  table(name: string): RecordTable | undefined;
  tableForId(id: string): RecordTable | undefined;
}

export interface PrepareOptions {
  format: InputFormat;
  fieldsToNull?: readonly string[] | undefined;
  /** Admin data loads may set audit fields (CreatedDate, ...), as with the "Set Audit Fields" permission. */
  admin?: boolean;
  /** Unique values claimed by earlier records of the same call (lower-case field → value → index). */
  batchUnique?: Map<string, Map<string, number>>;
  batchIndex?: number;
}

const AUDIT_WRITABLE = new Set([
  'createddate',
  'createdbyid',
  'lastmodifieddate',
  'lastmodifiedbyid',
  'systemmodstamp',
]);

export class RecordWriter {
  private autoNumbers = new Map<string, number>();

  constructor(private readonly store: WriteStore) {}

  requireTable(type: string): RecordTable {
    const table = this.store.table(type);
    if (!table) reject('INVALID_TYPE', `sObject type '${type}' is not supported.`);
    return table;
  }

  /** A new record, validated and stamped; not yet stored. */
  prepareInsert(table: RecordTable, input: RecordInput, options: PrepareOptions): Row {
    const object = table.object;
    if (!object.createable)
      reject('INVALID_TYPE_FOR_OPERATION', `entity type ${object.name} does not support insert`);
    const row: Row = {};
    this.applyInput(object, row, input, options, 'insert');
    const now = this.store.clock.stamp();
    const user = this.store.identity.userId;
    for (const f of object.fields) {
      if (row[f.name] !== undefined) continue;
      if (f.defaultValue !== null && !f.calculated) row[f.name] = f.defaultValue;
      else if (f.type === 'boolean' && !f.calculated) row[f.name] = false;
    }
    if (object.fieldIndex.has('ownerid') && row.OwnerId == null) row.OwnerId = user;
    const auto = object.fields.find((f) => f.autoNumber);
    if (auto) row[auto.name] = this.nextAutoNumber(table, auto);
    row.Id = table.allocateId();
    row.IsDeleted = false;
    row.CreatedDate ??= now;
    row.CreatedById ??= user;
    row.LastModifiedDate ??= now;
    row.LastModifiedById ??= user;
    row.SystemModstamp = options.admin && typeof row.SystemModstamp === 'string' ? row.SystemModstamp : now;
    this.checkRequired(object, row);
    this.checkUnique(table, row, undefined, options);
    return row;
  }

  /** The changed copy of an existing record, validated and stamped; not yet stored. */
  prepareUpdate(table: RecordTable, current: Row, input: RecordInput, options: PrepareOptions): Row {
    const object = table.object;
    const row = table.copy(current);
    this.applyInput(object, row, input, options, 'update');
    const now = this.store.clock.stamp();
    row.LastModifiedDate =
      options.admin && typeof input.LastModifiedDate === 'string' ? row.LastModifiedDate! : now;
    row.LastModifiedById = this.store.identity.userId;
    row.SystemModstamp =
      options.admin && typeof input.SystemModstamp === 'string' ? row.SystemModstamp! : now;
    this.checkRequired(object, row);
    this.checkUnique(table, row, current, options);
    return row;
  }

  /** Resolves an id from an update/delete request, or rejects it the way Salesforce does. */
  existing(
    id: unknown,
    type: string | undefined,
    allowDeleted = false,
  ): { table: RecordTable; row: Row; id: string } {
    if (typeof id !== 'string' || id.trim() === '')
      reject('MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
    const norm = normalizeId(id.trim());
    const table = norm ? this.store.tableForId(norm) : undefined;
    if (!norm || !table || (type !== undefined && table.object.name.toLowerCase() !== type.toLowerCase())) {
      reject('MALFORMED_ID', `${type ?? 'Record'} ID: id value of incorrect type: ${id}`, ['Id']);
    }
    const row = table.get(norm);
    if (!row) reject('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
    if (row.IsDeleted === true && !allowDeleted) reject('ENTITY_IS_DELETED', 'entity is deleted', []);
    return { table, row, id: norm };
  }

  private applyInput(
    object: ObjectDef,
    row: Row,
    input: RecordInput,
    options: PrepareOptions,
    op: 'insert' | 'update',
  ): void {
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'attributes') continue;
      const lower = key.toLowerCase();
      if (lower === 'id') {
        if (op === 'insert' && raw !== null && raw !== undefined && raw !== '') {
          reject('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']);
        }
        continue;
      }
      const field = object.fieldIndex.get(lower);
      if (!field) {
        this.applyReferenceByExternalId(object, row, key, raw);
        continue;
      }
      const auditOk = options.admin === true && AUDIT_WRITABLE.has(lower);
      if (!auditOk && !(op === 'insert' ? field.createable : field.updateable)) {
        reject(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${field.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [field.name],
        );
      }
      const value = coerceValue(field, raw, options.format);
      if (value === undefined) continue;
      if (field.type === 'reference' && value !== null && value !== row[field.name])
        this.checkReference(field, value as string);
      row[field.name] = value;
    }
    for (const name of options.fieldsToNull ?? []) {
      const field = object.fieldIndex.get(name.toLowerCase());
      if (!field)
        reject('INVALID_FIELD', `No such column '${name}' on sobject of type ${object.name}`, [name]);
      if (!field.nillable || !(op === 'insert' ? field.createable : field.updateable)) {
        reject('INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${field.name}.`, [
          field.name,
        ]);
      }
      row[field.name] = null;
    }
  }

  /** `{"Account": {"Ext__c": "A-1"}}` (JSON) or a column `Account.Ext__c` (CSV): a parent by external id. */
  private applyReferenceByExternalId(object: ObjectDef, row: Row, key: string, raw: unknown): void {
    let relName = key;
    let extField: string | undefined;
    let extValue: unknown;
    const dot = key.indexOf('.');
    if (dot > 0) {
      relName = key.slice(0, dot);
      extField = key.slice(dot + 1);
      extValue = raw;
    } else if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      const entries = Object.entries(raw as Record<string, unknown>).filter(([k]) => k !== 'attributes');
      if (entries.length === 1) [extField, extValue] = entries[0]!;
    }
    const field = object.relationshipIndex.get(relName.toLowerCase());
    if (!field || extField === undefined) {
      reject('INVALID_FIELD', `No such column '${key}' on sobject of type ${object.name}`, [key]);
    }
    if (extValue === '' || extValue === undefined) return;
    if (extValue === null || extValue === '#N/A') {
      row[field.name] = null;
      return;
    }
    const target = this.store.table(field.referenceTo[0] ?? '');
    const targetField = target?.object.fieldIndex.get(extField.toLowerCase());
    if (!target || !targetField || !(targetField.externalId || targetField.idLookup)) {
      reject(
        'INVALID_FIELD',
        `Field name provided, ${extField} is not an External ID or indexed field for ${field.referenceTo[0] ?? relName}`,
        [field.name],
      );
    }
    if (typeof extValue !== 'string' && typeof extValue !== 'number') {
      reject('INVALID_FIELD', `${key}: an external id must be a string`, [field.name]);
    }
    const value = String(extValue);
    const ids =
      targetField.type === 'id'
        ? [normalizeId(value)].filter((v): v is string => v !== undefined)
        : target.findUnique(targetField.name, value).filter((id) => target.get(id)?.IsDeleted !== true);
    if (ids.length === 0) {
      reject(
        'INVALID_FIELD',
        `Foreign key external ID: ${value} not found for field ${targetField.name} in entity ${target.object.name}`,
        [field.name],
      );
    }
    if (ids.length > 1) {
      reject('DUPLICATE_EXTERNAL_ID', `More than 1 record found for External ID field: ${ids.join(', ')}`, [
        field.name,
      ]);
    }
    this.checkReference(field, ids[0]!);
    row[field.name] = ids[0]!;
  }

  private checkReference(field: FieldDef, id: string): void {
    const table = this.store.tableForId(id);
    if (!table || !field.referenceTo.some((t) => t.toLowerCase() === table.object.name.toLowerCase())) {
      reject('FIELD_INTEGRITY_EXCEPTION', `${field.label}: id value of incorrect type: ${id}`, [field.name]);
    }
    const target = table.get(id);
    if (!target) reject('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [field.name]);
    if (target.IsDeleted === true) reject('ENTITY_IS_DELETED', 'entity is deleted', [field.name]);
  }

  private checkRequired(object: ObjectDef, row: Row): void {
    const missing = object.fields
      .filter(
        (f) =>
          !f.nillable &&
          !f.calculated &&
          f.type !== 'boolean' &&
          (f.createable || f.updateable) &&
          (row[f.name] ?? null) === null,
      )
      .map((f) => f.name);
    if (missing.length)
      reject('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  }

  private checkUnique(table: RecordTable, row: Row, current: Row | undefined, options: PrepareOptions): void {
    for (const f of table.object.fields) {
      if (!f.unique) continue;
      const v: Value | undefined = row[f.name];
      if (typeof v !== 'string' || (current && current[f.name] === v)) continue;
      const other = table
        .findUnique(f.name, v)
        .find((id) => id !== row.Id && table.get(id)?.IsDeleted !== true);
      if (other) {
        reject(
          'DUPLICATE_VALUE',
          `duplicate value found: ${f.name} duplicates value on record with id: ${other}`,
          [],
        );
      }
      if (options.batchUnique) {
        const key = f.name.toLowerCase();
        let seen = options.batchUnique.get(key);
        if (!seen) options.batchUnique.set(key, (seen = new Map<string, number>()));
        const prior = seen.get(v.toLowerCase());
        if (prior !== undefined && prior !== options.batchIndex) {
          reject(
            'DUPLICATE_VALUE',
            `duplicate value found: ${f.name} duplicates value on record with id: <unknown>`,
            [],
          );
        }
        seen.set(v.toLowerCase(), options.batchIndex ?? -1);
      }
    }
  }

  private nextAutoNumber(table: RecordTable, field: FieldDef): string {
    const key = `${table.object.name}.${field.name}`;
    const next = (this.autoNumbers.get(key) ?? table.baseCount) + 1;
    this.autoNumbers.set(key, next);
    return String(next).padStart(8, '0');
  }

  save(): Record<string, number> {
    return Object.fromEntries(this.autoNumbers);
  }

  load(state: Record<string, number>): void {
    this.autoNumbers = new Map(Object.entries(state));
  }
}
