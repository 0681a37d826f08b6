/** What a stored version is: a record's state, or its deletion. */
export type VersionOp = 'upsert' | 'delete';

/**
 * The content hash of a version, as a SQL expression over an op and a jsonb fields expression:
 * `ferry.content_hash(op, fields)` = sha256 of `<op>:<fields as jsonb text>` (migration 0006).
 * jsonb's text form is canonical — keys sorted, duplicates gone, fixed spacing — so equal content
 * hashes equally whatever order capture produced the fields in, and computing it in Postgres keeps
 * the per-record hashing off the capture process's one thread. Changing the function changes every
 * hash: migrate stored ones as 0006 does.
 */
export function CONTENT_HASH_SQL(op: string, fields: string): string {
  return `ferry.content_hash(${op}, ${fields})`;
}
