/**
 * `objects:` — one mapping per mirrored object: which fields, which rows, whether Postgres edits
 * are written back, how versions are applied, and how long activity history is kept.
 */
import { z } from 'zod';
import { durationOption } from './duration.js';

const DAY = 86_400_000;

export const OBJECT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
export const ACTIVITY_OBJECTS: readonly string[] = ['Task', 'Event'];

/** Each key of a mapping, its schema, default and meaning (also the docs and the starter file). */
export const OBJECT_MAPPING_OPTIONS = {
  fields: {
    schema: z.union([
      z.literal('all'),
      z
        .array(z.string().regex(OBJECT_NAME, 'field API names such as Name or Custom__c'))
        .min(1, 'list at least one field, or write all'),
    ]),
    default: 'all',
    description: '`all` (follows fields added later) or a list of field API names',
  },
  filter: {
    schema: z.string().trim().min(1).optional(),
    description: 'SOQL WHERE clause (without WHERE) selecting the rows to mirror',
  },
  access: {
    schema: z.enum(['read-only', 'read-write']),
    default: 'read-only',
    description: '`read-write` writes edits made in Postgres back to Salesforce',
  },
  mode: {
    schema: z.enum(['merge', 'delta']),
    default: 'merge',
    description: '`merge` keeps one row per record; `delta` appends each version',
  },
  retention: {
    schema: durationOption(DAY, 100 * 365 * DAY).optional(),
    description: 'keep activity records this long (e.g. 365d); only for Task and Event',
  },
  archiveNonMatching: {
    schema: z.boolean(),
    default: false,
    description:
      'rows whose record stops matching the filter (or ages out of retention) leave the mirror table; their history stays. false keeps them as last seen',
  },
  refreshNewFields: {
    schema: z.boolean(),
    default: false,
    description:
      'when a mapped field appears (added in the org or to `fields`), read it for every existing row (Id + the new fields; merge mode) instead of filling it as rows change',
  },
} as const;

export interface ObjectMapping {
  /** Object API name as written in the configuration. */
  readonly name: string;
  readonly fields: 'all' | readonly string[];
  readonly filter?: string;
  readonly access: 'read-only' | 'read-write';
  readonly mode: 'merge' | 'delta';
  /** Milliseconds. */
  readonly retention?: number;
  readonly archiveNonMatching: boolean;
  /**
   * New mapped fields are read for every existing row (src/capture/field-refresh.ts). Present only
   * when true, so mappings that do not use it keep their settings hash (ferry.mappings.config_hash).
   */
  readonly refreshNewFields?: true;
}

const MappingSchema = z.object({
  fields: OBJECT_MAPPING_OPTIONS.fields.schema.default('all'),
  filter: OBJECT_MAPPING_OPTIONS.filter.schema,
  access: OBJECT_MAPPING_OPTIONS.access.schema.default('read-only'),
  mode: OBJECT_MAPPING_OPTIONS.mode.schema.default('merge'),
  retention: OBJECT_MAPPING_OPTIONS.retention.schema,
  archiveNonMatching: OBJECT_MAPPING_OPTIONS.archiveNonMatching.schema.default(false),
  refreshNewFields: OBJECT_MAPPING_OPTIONS.refreshNewFields.schema.default(false),
});

/** A mapping from the file's value (`null`/`{}` = all defaults); problems as `[key, message]`. */
export function parseObjectMapping(
  name: string,
  value: unknown,
): { mapping?: ObjectMapping; issues: [string, string][] } {
  const parsed = MappingSchema.safeParse(value ?? {});
  if (!parsed.success) {
    return {
      issues: parsed.error.issues.map((i) => [i.path.map(String).join('.'), i.message] as [string, string]),
    };
  }
  const d = parsed.data;
  if (d.refreshNewFields && d.mode === 'delta') {
    // A delta table appends whole change rows: rows holding only the new fields would read as nulls.
    return {
      issues: [
        ['refreshNewFields', 'works with mode: merge only; delta tables get new fields as rows change'],
      ],
    };
  }
  const mapping: ObjectMapping = {
    name,
    fields: d.fields === 'all' ? 'all' : Object.freeze([...d.fields]),
    ...(d.filter !== undefined ? { filter: d.filter } : {}),
    access: d.access,
    mode: d.mode,
    ...(d.retention !== undefined ? { retention: d.retention } : {}),
    archiveNonMatching: d.archiveNonMatching,
    ...(d.refreshNewFields ? { refreshNewFields: true as const } : {}),
  };
  return { mapping: Object.freeze(mapping), issues: [] };
}

export function defaultMapping(name: string): ObjectMapping {
  return parseObjectMapping(name, {}).mapping!;
}
