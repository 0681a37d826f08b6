import { createHash } from 'node:crypto';
import type { FieldValue } from '../core/change-batch.js';

/** What a stored version is: a record's state, or its deletion. */
export type VersionOp = 'upsert' | 'delete';

/**
 * JSON with object keys sorted at every level, so equal content always serializes to equal text
 * whatever order capture produced the fields in. Arrays keep their order; undefined members are
 * dropped (as JSON.stringify does).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** sha256 of the canonical JSON of `{ op, fields }`: equal hash means the same version content. */
export function contentHash(op: VersionOp, fields: Readonly<Record<string, FieldValue>>): Buffer {
  return createHash('sha256').update(canonicalJson({ op, fields }), 'utf8').digest();
}
