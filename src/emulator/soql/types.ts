/**
 * Contract between the SOQL compiler (this folder) and the record store / HTTP layer.
 * A query is compiled once against the schema; the store then drives it over rows.
 */
import type { FieldDef, ObjectDef, Row, Value } from '../schema/types.js';

/** Name resolution: objects by name, case-insensitively. */
export interface Catalog {
  object(name: string): ObjectDef | undefined;
}

/** What the compiled query needs from the store while it evaluates rows. */
export interface EvalContext {
  /**
   * A field's value on a row: stored value, or for formula fields the computed value,
   * or for address/location the compound value built from its components.
   */
  value(object: ObjectDef, row: Row, field: FieldDef): Value;
  /** A record by id (any object, deleted records included), for parent relationship paths. */
  record(id: string): { object: ObjectDef; row: Row } | undefined;
  /** The emulator's clock (tests move it), for TODAY, LAST_N_DAYS:n and friends. */
  now(): Date;
}

/** Errors in Salesforce's own words; the HTTP layer returns them as 400 `[{"errorCode","message"}]`. */
export type SoqlErrorCode =
  | 'MALFORMED_QUERY'
  | 'INVALID_FIELD'
  | 'INVALID_TYPE'
  | 'INVALID_QUERY_FILTER_OPERATOR'
  | 'NUMBER_OUTSIDE_VALID_RANGE';

export class SoqlError extends Error {
  constructor(
    readonly errorCode: SoqlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SoqlError';
  }
}

/** One select-list column. */
export interface Column {
  /** As Salesforce echoes it, canonical casing: `Name`, `Account.Name`, `Owner.Profile.Name`. */
  readonly path: string;
  /** Relationship fields walked (reference fields), then the final field. */
  readonly relationships: readonly FieldDef[];
  readonly field: FieldDef;
}

/** A bound the store can use to skip rows without evaluating them (keyset paging, incremental polls). */
export interface LowerBound {
  readonly value: string;
  readonly inclusive: boolean;
}

export interface CompiledQuery {
  readonly object: ObjectDef;
  /** `SELECT COUNT() FROM ...`: only totalSize is returned. */
  readonly isCount: boolean;
  readonly columns: readonly Column[];
  /** WHERE clause; null when absent. Must not be called with deleted rows unless scanAll. */
  readonly where: ((row: Row, ctx: EvalContext) => boolean) | null;
  /** ORDER BY comparator; null when the natural (Id) order satisfies the query. */
  readonly compare: ((a: Row, b: Row, ctx: EvalContext) => number) | null;
  readonly limit: number | null;
  readonly offset: number | null;
  /**
   * Top-level AND conjuncts `Id > x` / `Id >= x` and `SystemModstamp > t` / `>= t`, exposed so the store
   * can start scanning late. They are also part of `where`: using them is only an optimisation.
   */
  readonly idLowerBound: LowerBound | null;
  readonly systemModstampLowerBound: LowerBound | null;
  /** REST JSON for one row (attributes with type and url, nested parent objects or null). */
  toJson(row: Row, ctx: EvalContext, apiVersion: string): Record<string, unknown>;
  /** Bulk CSV header: column paths in select order. */
  readonly csvHeader: readonly string[];
  /** Bulk CSV cells for one row, as text ('' for null; datetimes `...Z`; booleans `true`/`false`). */
  toCsvCells(row: Row, ctx: EvalContext): string[];
  /**
   * A renderer of whole CSV lines for a delimiter: every cell quoted, inner quotes doubled, null as
   * `""`, no line ending (Bulk query results; generated code, several times faster than cells).
   */
  csvLine(delimiter: string): (row: Row, ctx: EvalContext) => string;
  /** Why Bulk API 2.0 refuses this query (compound fields, COUNT(), OFFSET...), else null. */
  readonly bulkRefusal: string | null;
}
