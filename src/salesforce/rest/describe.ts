/**
 * API versions and metadata: `GET /services/data`, `GET …/sobjects`, `GET …/sobjects/{T}/describe`.
 * Schemas are loose (unknown keys pass through) and name only what Ferry reads, so a new Salesforce
 * release adding keys never breaks the client, while a missing essential key fails loudly here.
 */
import { z } from 'zod';
import type { ApiContext } from '../api-context.js';
import { identifier } from '../soql.js';

export const ApiVersionSchema = z.looseObject({ label: z.string(), url: z.string(), version: z.string() });
export type ApiVersion = z.output<typeof ApiVersionSchema>;

const optBool = z.boolean().optional();
const optNum = z.number().nullable().optional();
const optStr = z.string().nullable().optional();

export const PicklistValueSchema = z.looseObject({
  value: z.string(),
  label: optStr,
  active: optBool,
  defaultValue: optBool,
});

export const FieldSchema = z.looseObject({
  name: z.string(),
  type: z.string(),
  label: z.string().optional(),
  soapType: optStr,
  length: optNum,
  byteLength: optNum,
  digits: optNum,
  precision: optNum,
  scale: optNum,
  nillable: optBool,
  createable: optBool,
  updateable: optBool,
  defaultedOnCreate: optBool,
  externalId: optBool,
  idLookup: optBool,
  unique: optBool,
  caseSensitive: optBool,
  calculated: optBool,
  calculatedFormula: optStr,
  autoNumber: optBool,
  custom: optBool,
  referenceTo: z.array(z.string()).nullable().optional(),
  relationshipName: optStr,
  compoundFieldName: optStr,
  filterable: optBool,
  sortable: optBool,
  nameField: optBool,
  deprecatedAndHidden: optBool,
  polymorphicForeignKey: optBool,
  htmlFormatted: optBool,
  picklistValues: z.array(PicklistValueSchema).nullable().optional(),
});
export type DescribeField = z.output<typeof FieldSchema>;

export const ChildRelationshipSchema = z.looseObject({
  childSObject: z.string(),
  field: z.string(),
  relationshipName: optStr,
  cascadeDelete: optBool,
  restrictedDelete: optBool,
});

export const DescribeSObjectSchema = z.looseObject({
  name: z.string(),
  label: z.string().optional(),
  keyPrefix: optStr,
  custom: optBool,
  createable: optBool,
  updateable: optBool,
  deletable: optBool,
  queryable: optBool,
  replicateable: optBool,
  retrieveable: optBool,
  fields: z.array(FieldSchema),
  childRelationships: z.array(ChildRelationshipSchema).optional(),
  recordTypeInfos: z.array(z.looseObject({})).optional(),
});
export type DescribeSObjectResult = z.output<typeof DescribeSObjectSchema>;

export const GlobalSObjectSchema = z.looseObject({
  name: z.string(),
  label: z.string().optional(),
  keyPrefix: optStr,
  custom: optBool,
  customSetting: optBool,
  createable: optBool,
  updateable: optBool,
  deletable: optBool,
  queryable: optBool,
  replicateable: optBool,
  retrieveable: optBool,
  deprecatedAndHidden: optBool,
});
export type DescribeGlobalSObject = z.output<typeof GlobalSObjectSchema>;

export const DescribeGlobalSchema = z.looseObject({
  encoding: z.string().optional(),
  maxBatchSize: z.number().optional(),
  sobjects: z.array(GlobalSObjectSchema),
});
export type DescribeGlobalResult = z.output<typeof DescribeGlobalSchema>;

/** The versions this instance serves (no auth needed, not counted against limits). */
export function versions(ctx: ApiContext, signal?: AbortSignal): Promise<ApiVersion[]> {
  return ctx.transport.json(
    // The version list needs no token, but the instance URL comes from logging in.
    { method: 'GET', path: '/services/data', context: 'list API versions', signal },
    z.array(ApiVersionSchema),
  );
}

export function describeGlobal(ctx: ApiContext, signal?: AbortSignal): Promise<DescribeGlobalResult> {
  return ctx.transport.json(
    { method: 'GET', path: `${ctx.basePath}/sobjects`, context: 'describe global', signal },
    DescribeGlobalSchema,
  );
}

export function describe(
  ctx: ApiContext,
  type: string,
  signal?: AbortSignal,
): Promise<DescribeSObjectResult> {
  const t = identifier(type);
  return ctx.transport.json(
    {
      method: 'GET',
      path: `${ctx.basePath}/sobjects/${t}/describe`,
      context: `describe ${t}`,
      signal,
    },
    DescribeSObjectSchema,
  );
}
