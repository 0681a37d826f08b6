import { InvariantError } from '../errors/index.js';

/**
 * The one identifier-quoting helper: every schema, table and column name Ferry puts into SQL goes
 * through here. Names are always quoted, so reserved words and mixed case survive and no name can
 * break out of its quotes. Values never go through here: they are query parameters.
 */

/** Postgres keeps NAMEDATALEN-1 = 63 bytes of an identifier and silently truncates the rest. */
export const MAX_IDENTIFIER_BYTES = 63;

export function quoteIdent(name: string): string {
  if (name.length === 0) {
    throw new InvariantError('An empty SQL identifier was about to be used', { code: 'EMPTY_IDENTIFIER' });
  }
  if (name.includes('\0')) {
    throw new InvariantError(`SQL identifier ${JSON.stringify(name)} contains a NUL character`, {
      code: 'INVALID_IDENTIFIER',
    });
  }
  // Refuse rather than let Postgres truncate: two long names would silently become the same table.
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new InvariantError(
      `SQL identifier ${JSON.stringify(name)} is longer than Postgres's ${MAX_IDENTIFIER_BYTES}-byte limit`,
      {
        code: 'IDENTIFIER_TOO_LONG',
        hint: 'Shorten the name before it reaches SQL (Postgres would truncate it and names could collide).',
      },
    );
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`. */
export function qualify(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
