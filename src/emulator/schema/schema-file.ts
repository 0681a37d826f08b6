/**
 * User-defined objects from a JSON schema file (`ferry emulator --schema FILE`). A file entry whose
 * name matches a built-in object adds its fields to that object instead of replacing it.
 * Format: docs/emulator.md.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { defineObject, type FieldSpec, type ObjectSpec } from './define.js';
import type { FieldType, ObjectDef } from './types.js';

/** The field types a schema file may declare. */
export const FIELD_TYPES = [
  'string',
  'textarea',
  'boolean',
  'int',
  'long',
  'double',
  'currency',
  'percent',
  'date',
  'datetime',
  'time',
  'picklist',
  'multipicklist',
  'combobox',
  'reference',
  'email',
  'phone',
  'url',
  'encryptedstring',
] as const satisfies readonly FieldType[];

/** What every field definition has: a name and a type. */
export const fieldHeadSchema = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'field names are letters, digits and underscores'),
  type: z.enum(FIELD_TYPES),
});

const fieldSchema = fieldHeadSchema
  .extend({
    label: z.string().optional(),
    length: z.number().int().positive().optional(),
    precision: z.number().int().nonnegative().optional(),
    scale: z.number().int().nonnegative().optional(),
    required: z.boolean().optional(),
    externalId: z.boolean().optional(),
    unique: z.boolean().optional(),
    referenceTo: z.array(z.string()).optional(),
    relationshipName: z.string().optional(),
    cascadeDelete: z.boolean().optional(),
    picklistValues: z.array(z.string()).optional(),
    restrictedPicklist: z.boolean().optional(),
    defaultValue: z.union([z.string(), z.number(), z.boolean()]).optional(),
    formula: z.string().optional(),
    nameField: z.boolean().optional(),
  })
  .strict();

const objectSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/),
    keyPrefix: z
      .string()
      .regex(/^[a-zA-Z0-9]{3}$/, 'a key prefix is 3 letters or digits')
      .optional(),
    label: z.string().optional(),
    labelPlural: z.string().optional(),
    bulkQueryable: z.boolean().optional(),
    fields: z.array(fieldSchema),
  })
  .strict();

const fileSchema = z.object({ objects: z.array(objectSchema) }).strict();

type FileField = z.infer<typeof fieldSchema>;

function toFieldSpec(f: FileField): FieldSpec {
  const spec: FieldSpec = { name: f.name, type: f.type };
  const copy = <K extends keyof FileField & keyof FieldSpec>(k: K): void => {
    if (f[k] !== undefined) (spec as Record<string, unknown>)[k] = f[k];
  };
  for (const k of [
    'label',
    'length',
    'precision',
    'scale',
    'externalId',
    'unique',
    'referenceTo',
    'relationshipName',
    'cascadeDelete',
    'picklistValues',
    'restrictedPicklist',
    'defaultValue',
    'formula',
    'nameField',
  ] as const)
    copy(k);
  if (f.required) spec.nillable = false;
  if (f.formula !== undefined) spec.calculated = true;
  if (f.type === 'reference' && !f.referenceTo?.length)
    throw new Error(`field ${f.name}: a reference needs referenceTo`);
  return spec;
}

/** Merges the file's objects into `builtIn`; returns the complete object list. */
export async function loadSchemaFile(path: string, builtIn: readonly ObjectDef[]): Promise<ObjectDef[]> {
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = fileSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } catch (err) {
    const detail =
      err instanceof z.ZodError
        ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
        : String(err);
    throw new Error(`schema file ${path} is invalid: ${detail}`, { cause: err });
  }
  const objects = new Map(builtIn.map((o) => [o.name.toLowerCase(), o]));
  const usedPrefixes = new Set(builtIn.map((o) => o.keyPrefix));
  let nextPrefix = 0x100;
  for (const o of parsed.objects) {
    const existing = objects.get(o.name.toLowerCase());
    const fields = o.fields.map(toFieldSpec);
    if (existing) {
      // Extending a built-in object: rebuild it from its own fields (minus the audit set defineObject adds) plus the new ones.
      const known = new Set(existing.fields.map((f) => f.name.toLowerCase()));
      const added = fields.filter((f) => !known.has(f.name.toLowerCase()));
      const rebuilt = defineObject({
        ...existing,
        owned: false,
        fields: [...existing.fields.filter((f) => !AUDIT_AND_ID.has(f.name)), ...added],
      });
      objects.set(o.name.toLowerCase(), rebuilt);
      continue;
    }
    let prefix = o.keyPrefix;
    while (!prefix) {
      const candidate = `a${nextPrefix.toString(36).toUpperCase().padStart(2, '0').slice(-2)}`;
      nextPrefix++;
      if (!usedPrefixes.has(candidate)) prefix = candidate;
    }
    if (usedPrefixes.has(prefix))
      throw new Error(`schema file ${path}: key prefix ${prefix} of ${o.name} is already used`);
    usedPrefixes.add(prefix);
    if (!fields.some((f) => f.nameField))
      fields.unshift({ name: 'Name', type: 'string', length: 80, nameField: true });
    const spec: ObjectSpec = { name: o.name, keyPrefix: prefix, owned: true, fields };
    if (o.label) spec.label = o.label;
    if (o.labelPlural) spec.labelPlural = o.labelPlural;
    if (o.bulkQueryable !== undefined) spec.bulkQueryable = o.bulkQueryable;
    objects.set(o.name.toLowerCase(), defineObject(spec));
  }
  return [...objects.values()];
}

const AUDIT_AND_ID = new Set([
  'Id',
  'IsDeleted',
  'CreatedDate',
  'CreatedById',
  'LastModifiedDate',
  'LastModifiedById',
  'SystemModstamp',
]);
