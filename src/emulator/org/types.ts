/**
 * Contract between the org (records, schema, clock: src/emulator/org) and the HTTP layer
 * (src/emulator/http). The HTTP layer parses wire formats and renders responses; the org
 * owns every rule about data: ids, validation, system fields, recycle bin, formulas.
 */
import type { CompiledQuery, EvalContext } from '../soql/types.js';
import type { FieldDef, ObjectDef, Row } from '../schema/types.js';

/** A per-record error exactly as collections / composite / Bulk report it. */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

export interface SaveResult {
  /** The record id (null when an insert failed). */
  id: string | null;
  success: boolean;
  errors: SaveError[];
  /** Upsert only: true when the record was inserted. */
  created?: boolean;
}

/**
 * How input values are encoded.
 * - `json` (REST, composite, collections): typed JSON values; `null` sets a field to null.
 * - `text` (Bulk CSV, SOAP): strings coerced by field type; `#N/A` sets null; `''` leaves the field unchanged.
 */
export type InputFormat = 'json' | 'text';

export interface WriteOptions {
  /** All records succeed or none is saved (failures → others get ALL_OR_NONE_OPERATION_ROLLED_BACK). */
  allOrNone?: boolean;
  format?: InputFormat;
  /** Null fields named here (SOAP `fieldsToNull`), per record index. */
  fieldsToNull?: ReadonlyArray<readonly string[] | undefined>;
}

/**
 * A record as sent by a client: field API names (any casing) → values. May carry `attributes`
 * (ignored), `Id`/`id` (update, upsert by Id), and parent references by external id, either as
 * JSON `{"Account": {"Ext__c": "A-1"}}` or as a text column `Account.Ext__c`.
 */
export type RecordInput = Readonly<Record<string, unknown>>;

/** Error thrown by org operations that fail as a whole (not per record). Rendered as `[{errorCode,message,fields}]`. */
export class OrgError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly status: number,
    readonly fields: string[] = [],
  ) {
    super(message);
    this.name = 'OrgError';
  }
}

export interface OrgIdentity {
  readonly orgId: string;
  readonly userId: string;
  readonly username: string;
  readonly userFullName: string;
  readonly userEmail: string;
  readonly organizationName: string;
}

/** A result set being read page by page (REST query locators, Bulk 2.0 result locators). */
export interface QueryCursor {
  readonly query: CompiledQuery;
  readonly scanAll: boolean;
  /** Rows in the whole result (after OFFSET and LIMIT). */
  readonly totalSize: number;
  /**
   * Up to `n` rows starting at result position `position` (0-based). Reading pages in sequence costs
   * O(page); jumping elsewhere rescans. Rows reflect the org when the page is read.
   */
  page(position: number, n: number): Row[];
}

export interface UpdatedResult {
  ids: string[];
  latestDateCovered: string;
}

export interface DeletedResult {
  deletedRecords: Array<{ id: string; deletedDate: string }>;
  earliestDateAvailable: string;
  latestDateCovered: string;
}

/** What the Salesforce-UI-like control surface can do to records (tests and demos). */
export interface UserChangeOptions {
  /**
   * The change is stamped now but becomes visible to queries only this many ms later, as a long
   * transaction's commit does in a real org (the reason incremental syncs need an overlap window).
   */
  visibleAfterMs?: number;
}

export interface SchemaApi {
  objects(): readonly ObjectDef[];
  /** Case-insensitive. */
  object(name: string): ObjectDef | undefined;
  byKeyPrefix(prefix: string): ObjectDef | undefined;
  childRelationships(objectName: string): ReadonlyArray<{
    childSObject: string;
    field: string;
    relationshipName: string | null;
    cascadeDelete: boolean;
    restrictedDelete: boolean;
  }>;
}

export interface OrgApi {
  readonly identity: OrgIdentity;
  readonly schema: SchemaApi;
  /** Evaluation context for compiled queries (formulas, parent lookups, clock). */
  readonly ctx: EvalContext;
  /** The org's clock (real time plus an offset the control surface can move, or frozen). */
  now(): Date;
  /** Changes whenever any record or the schema changes: results computed ahead are stale once it moves. */
  readonly version: number;

  create(type: string, records: readonly RecordInput[], options?: WriteOptions): SaveResult[];
  /** Each record carries its `Id`; `type` is checked against the id's key prefix when given. */
  update(type: string | undefined, records: readonly RecordInput[], options?: WriteOptions): SaveResult[];
  upsert(
    type: string,
    externalIdField: string,
    records: readonly RecordInput[],
    options?: WriteOptions,
  ): SaveResult[];
  /** Soft delete into the recycle bin (cascading to children whose lookup has cascadeDelete). */
  delete(ids: readonly string[], options?: WriteOptions): SaveResult[];
  undelete(ids: readonly string[], options?: WriteOptions): SaveResult[];
  /** Bulk `hardDelete`: gone without a stay in the recycle bin (getDeleted still reports it). */
  hardDelete(ids: readonly string[]): SaveResult[];

  /** One record's row (all fields, formulas computed) or OrgError NOT_FOUND / ENTITY_IS_DELETED / MALFORMED_ID. */
  retrieve(type: string, id: string): { object: ObjectDef; row: Row };
  /** Ids of live records whose external-id (or idLookup) field equals value (case-insensitive). */
  findByField(type: string, field: string, value: string): string[];

  /** Compiles SOQL against this org's schema; throws SoqlError. */
  compile(soql: string): CompiledQuery;
  openCursor(query: CompiledQuery, options: { scanAll: boolean }): QueryCursor;

  getUpdated(type: string, start: Date, end: Date): UpdatedResult;
  getDeleted(type: string, start: Date, end: Date): DeletedResult;

  // ---- control surface (not reachable through Salesforce's own API) ----
  /** Writes as a user in the UI would: validation applies, SystemModstamp and LastModifiedDate move. */
  changeAsUser(type: string, id: string, fields: RecordInput, options?: UserChangeOptions): SaveResult;
  /** Replaces a formula; records are untouched (SystemModstamp does not move), reads see new values. */
  setFormula(type: string, field: string, formula: string): void;
  /** Adds a custom field to an object (schema drift in tests). */
  addField(type: string, field: Partial<FieldDef> & Pick<FieldDef, 'name' | 'type'>): FieldDef;
  /** Purges every record in the recycle bin (or the given ids); purged ids vanish from queryAll. */
  emptyRecycleBin(ids?: readonly string[]): number;
  setClock(at: Date, options?: { frozen?: boolean }): void;
  advanceClock(ms: number): void;
  /** Back to the state the org started with (seed data regenerated, overlay, recycle bin, clock cleared). */
  reset(): void;
  /** Loads records as an admin data load would: validation applies, but audit fields may be given. */
  load(type: string, records: readonly RecordInput[]): SaveResult[];
  /**
   * Registers another part of the emulator (sessions, limits counters, Bulk jobs) whose state is saved
   * with the org's in `--state FILE`. `load` is called at once if the file held state under `key`.
   */
  attachState(key: string, part: { save(): unknown; load(state: unknown): void }): void;
  /** Writes the state file now (no-op without `--state`). */
  persist(): Promise<void>;
}

export interface OrgOptions {
  /** `demo`: a few thousand related records; `none`: only Organization, User, RecordType rows. */
  seed: 'demo' | 'none';
  /** Scale the seed to this many Accounts (with related Contacts and Opportunities), generated lazily. */
  records?: number;
  /** JSON schema file with user-defined objects (docs/emulator.md describes the format). */
  schemaFile?: string;
  /** Persist the org across restarts. */
  stateFile?: string;
  username?: string;
  /** Seed for the deterministic data generator. */
  randomSeed?: number;
}
