import { z } from 'zod';
import { ConfigError } from '../errors/index.js';

/**
 * An sObject's shape as Ferry needs it, built from a REST describe (`GET /sobjects/<name>/describe`).
 * Pure: no I/O. Type mapping to Postgres lives in type-map.ts.
 */

/** Describe field types (`type` of a DescribeFieldResult). Unknown future types are kept as strings. */
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
  | 'location'
  | 'anyType'
  | (string & {});

export interface FieldModel {
  /** API name, describe casing (`BillingCity`, `Ferry_Id__c`). */
  readonly name: string;
  readonly type: FieldType;
  /** Max characters of string-like types; 0 otherwise. */
  readonly length: number;
  readonly precision: number;
  readonly scale: number;
  readonly digits: number;
  readonly nillable: boolean;
  readonly calculated: boolean;
  readonly externalId: boolean;
  readonly idLookup: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly custom: boolean;
  readonly referenceTo: readonly string[];
  readonly relationshipName: string | null;
  /** For a component of an address/location (`BillingCity`), the compound field (`BillingAddress`). */
  readonly compoundFieldName: string | null;
}

export interface ObjectModel {
  /** API name, e.g. `Account`, `Invoice__c`. */
  readonly name: string;
  readonly custom: boolean;
  readonly fields: readonly FieldModel[];
}

const fieldSchema = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  length: z.number().int().nonnegative().default(0),
  precision: z.number().int().nonnegative().default(0),
  scale: z.number().int().default(0),
  digits: z.number().int().nonnegative().default(0),
  nillable: z.boolean().default(true),
  calculated: z.boolean().default(false),
  externalId: z.boolean().default(false),
  idLookup: z.boolean().default(false),
  createable: z.boolean().default(false),
  updateable: z.boolean().default(false),
  custom: z.boolean().default(false),
  referenceTo: z.array(z.string()).default([]),
  relationshipName: z.string().nullable().default(null),
  compoundFieldName: z.string().nullable().default(null),
});

const describeSchema = z.object({
  name: z.string().min(1),
  custom: z.boolean().default(false),
  fields: z.array(fieldSchema).min(1),
});

/** Validates a describe response and keeps what Ferry uses. Throws ConfigError naming the object. */
export function fromDescribe(json: unknown): ObjectModel {
  const parsed = describeSchema.safeParse(json);
  if (!parsed.success) {
    const name =
      typeof json === 'object' && json !== null && 'name' in json && typeof json.name === 'string'
        ? json.name
        : '(unnamed object)';
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`The describe of ${name} is not a valid sObject describe: ${problems}`, {
      code: 'DESCRIBE_INVALID',
      hint: `Check that ${name} is an sObject the connected user can describe, and that the API version is supported.`,
      cause: parsed.error,
    });
  }
  const { name, custom, fields } = parsed.data;
  const seen = new Set<string>();
  for (const f of fields) {
    const key = f.name.toLowerCase();
    if (seen.has(key)) {
      throw new ConfigError(
        `The describe of ${name} lists field ${f.name} twice (names are case-insensitive)`,
        {
          code: 'DESCRIBE_DUPLICATE_FIELD',
          fields: [f.name],
        },
      );
    }
    seen.add(key);
  }
  return Object.freeze({
    name,
    custom,
    fields: Object.freeze(
      fields.map((f) => Object.freeze({ ...f, referenceTo: Object.freeze([...f.referenceTo]) })),
    ),
  });
}

/** The field named `name` (case-insensitive, as Salesforce treats API names), or undefined. */
export function fieldOf(model: ObjectModel, name: string): FieldModel | undefined {
  const key = name.toLowerCase();
  return model.fields.find((f) => f.name.toLowerCase() === key);
}
