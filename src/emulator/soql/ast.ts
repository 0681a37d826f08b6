/** The parsed (unresolved) shape of a SOQL query: names are as written, positions are 0-based offsets. */

export interface FieldRef {
  /** Dotted path segments as written: `['Account', 'Name']`. */
  readonly segments: readonly string[];
  readonly pos: number;
}

export type SelectItem =
  { readonly kind: 'field'; readonly ref: FieldRef } | { readonly kind: 'count'; readonly pos: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A relative date literal: `TODAY`, `LAST_N_DAYS:7`... (`n` null for the fixed ones). */
export interface RelativeDate {
  readonly kind: 'relativeDate';
  readonly name: string;
  readonly n: number | null;
  readonly pos: number;
}

export type Literal =
  | {
      readonly kind: 'string';
      readonly value: string;
      /** Source between the quotes, escapes undecoded (LIKE reads its own escapes). */
      readonly raw: string;
      /** Offset of a `\%` / `\_` escape, which only LIKE accepts; null when there is none. */
      readonly likeOnlyAt: number | null;
      readonly pos: number;
    }
  | { readonly kind: 'number'; readonly value: number; readonly text: string; readonly pos: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly pos: number }
  | { readonly kind: 'null'; readonly pos: number }
  | { readonly kind: 'date'; readonly value: string; readonly pos: number }
  | { readonly kind: 'datetime'; readonly value: string; readonly pos: number }
  | { readonly kind: 'time'; readonly value: string; readonly pos: number }
  | RelativeDate;

export type Condition =
  | { readonly kind: 'and'; readonly items: readonly Condition[] }
  | { readonly kind: 'or'; readonly items: readonly Condition[] }
  | { readonly kind: 'not'; readonly item: Condition }
  | { readonly kind: 'compare'; readonly field: FieldRef; readonly op: CompareOp; readonly value: Literal }
  | {
      readonly kind: 'in';
      readonly field: FieldRef;
      readonly negated: boolean;
      readonly values: readonly Literal[];
    }
  | { readonly kind: 'like'; readonly field: FieldRef; readonly pattern: Literal }
  | {
      readonly kind: 'includes';
      readonly field: FieldRef;
      /** EXCLUDES */
      readonly negated: boolean;
      readonly values: readonly Literal[];
    };

export interface OrderItem {
  readonly field: FieldRef;
  readonly descending: boolean;
  /** null: Salesforce's default (ASC → NULLS FIRST, DESC → NULLS LAST). */
  readonly nullsFirst: boolean | null;
}

export interface QueryAst {
  readonly select: readonly SelectItem[];
  readonly from: { readonly name: string; readonly pos: number };
  readonly alias: string | null;
  readonly where: Condition | null;
  readonly orderBy: readonly OrderItem[];
  readonly limit: number | null;
  readonly offset: { readonly value: number; readonly pos: number } | null;
}
