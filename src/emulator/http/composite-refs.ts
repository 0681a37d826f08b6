/**
 * `@{referenceId.path}` references between composite subrequests: `@{newAccount.id}`,
 * `@{query1.records[0].Id}`. Resolved against the bodies of earlier subrequests, in URLs and
 * anywhere inside JSON bodies (string values).
 */

const REFERENCE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;

export class UnresolvedReference extends Error {
  constructor(
    readonly referenceId: string,
    readonly expression: string,
  ) {
    super(
      `Invalid reference specified. No value for ${expression} found in ${referenceId}. ` +
        `Provided referenceId ('${referenceId}') or path was not found in an earlier subrequest's response.`,
    );
  }
}

function walk(value: unknown, path: string): unknown {
  let current = value;
  for (const m of path.matchAll(/\.([A-Za-z0-9_]+)|\[(\d+)\]/g)) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = m[1] ?? Number(m[2]);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** Replaces every reference in a string; throws UnresolvedReference for a missing one. */
export function resolveString(text: string, results: ReadonlyMap<string, unknown>): string {
  return text.replace(REFERENCE, (expression: string, ref: string, path: string) => {
    if (!results.has(ref)) throw new UnresolvedReference(ref, expression);
    const v = walk(results.get(ref), path);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new UnresolvedReference(ref, expression);
    }
    return String(v);
  });
}

/** Resolves references inside a JSON value (strings only; keys are left alone). */
export function resolveJson(value: unknown, results: ReadonlyMap<string, unknown>): unknown {
  if (typeof value === 'string') return resolveString(value, results);
  if (Array.isArray(value)) return value.map((v) => resolveJson(v, results));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveJson(v, results)]));
  }
  return value;
}
