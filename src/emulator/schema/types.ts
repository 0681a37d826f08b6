/**
 * The emulator's model of an org's metadata. Field and object definitions carry every property
 * `describe` reports (salesforce-wire.md §2.2); the HTTP layer renders them, the record store
 * validates against them, the SOQL compiler resolves names through them.
 */

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'boolean'
  | 'int'
  | 'long'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'time'
  | 'picklist'
  | 'multipicklist'
  | 'combobox'
  | 'reference'
  | 'email'
  | 'phone'
  | 'url'
  | 'encryptedstring'
  | 'base64'
  | 'address'
  | 'location';

/** A compound value (address, location) as REST returns it. */
export type CompoundValue = { readonly [component: string]: string | number | null };

/**
 * A stored or computed field value, in the emulator's canonical internal form:
 * - id/reference: 18-character id string;
 * - string-like, picklist, multipicklist (`;`-separated): string;
 * - boolean: boolean; int/long/double/currency/percent: number;
 * - date: `YYYY-MM-DD`; datetime: `YYYY-MM-DDTHH:mm:ss.SSSZ` (UTC, so string order = time order);
 * - time: `HH:mm:ss.SSSZ`;
 * - address/location (computed from component fields on read): CompoundValue;
 * - empty: null (empty strings are stored as null, as Salesforce does).
 */
export type Value = string | number | boolean | null | CompoundValue;

/** One record as stored: canonical field API names → values. Formula and compound fields are not stored. */
export type Row = Record<string, Value>;

export interface FieldDef {
  /** API name in its canonical casing (`AccountId`, `Amount__c`). */
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  /** Max characters for string-like types; 0 otherwise. */
  readonly length: number;
  readonly precision: number;
  readonly scale: number;
  readonly digits: number;
  readonly nillable: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly defaultedOnCreate: boolean;
  readonly externalId: boolean;
  readonly idLookup: boolean;
  readonly unique: boolean;
  readonly caseSensitive: boolean;
  readonly calculated: boolean;
  /** The formula of a calculated field (see soql/formula), else null. */
  readonly formula: string | null;
  readonly autoNumber: boolean;
  readonly referenceTo: readonly string[];
  readonly relationshipName: string | null;
  readonly cascadeDelete: boolean;
  readonly picklistValues: readonly string[];
  readonly restrictedPicklist: boolean;
  readonly defaultValue: Value;
  readonly custom: boolean;
  readonly nameField: boolean;
  /** For a component of an address/location (`BillingCity`), the compound field (`BillingAddress`). */
  readonly compoundFieldName: string | null;
  /** For address/location fields: component name → component field (`city` → `BillingCity`). */
  readonly components: Readonly<Record<string, string>> | null;
  readonly filterable: boolean;
  readonly sortable: boolean;
  readonly groupable: boolean;
}

export interface ObjectDef {
  readonly name: string;
  readonly label: string;
  readonly labelPlural: string;
  readonly keyPrefix: string;
  readonly custom: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly deletable: boolean;
  readonly queryable: boolean;
  readonly replicateable: boolean;
  readonly undeletable: boolean;
  /** Bulk API 2.0 refuses some objects (e.g. none of ours by default; configurable for tests). */
  readonly bulkQueryable: boolean;
  readonly fields: readonly FieldDef[];
  /** Lower-case field name → field. */
  readonly fieldIndex: ReadonlyMap<string, FieldDef>;
  /** Lower-case relationship name (`account`, `invoice__r`) → the reference field. */
  readonly relationshipIndex: ReadonlyMap<string, FieldDef>;
}

export interface ChildRelationship {
  readonly childSObject: string;
  readonly field: string;
  readonly relationshipName: string | null;
  readonly cascadeDelete: boolean;
  readonly restrictedDelete: boolean;
}
