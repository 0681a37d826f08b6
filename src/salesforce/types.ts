/** Shapes shared by several API modules: records and per-record save results. */

export interface RecordAttributes {
  readonly type: string;
  readonly url?: string;
}

/**
 * A record as REST returns it: field API names → JSON values (dates are ISO strings, relationships
 * nested records, subqueries nested query results), plus `attributes`.
 */
export interface SObjectRecord {
  attributes?: RecordAttributes;
  [field: string]: unknown;
}

/** One record's error in collections / composite results (Salesforce names its code `statusCode`). */
export interface SaveError {
  readonly statusCode: string;
  readonly message: string;
  readonly fields: readonly string[];
}

/** One record's outcome, in the same position as the record in the input. */
export interface SaveResult {
  readonly id: string | null;
  readonly success: boolean;
  readonly errors: readonly SaveError[];
  /** Upsert only: true when the record was inserted. */
  readonly created?: boolean;
}

/** A Bulk 2.0 CSV row: column name → cell text, `null` for an empty cell. */
export type CsvRecord = Record<string, string | null>;
