/**
 * Builders of objects with a fixed set of keys, compiled once per key list. Ferry builds one object
 * per record per step (a CSV row, a record's fields), with 40+ keys known only at run time; filled
 * key by key, V8 turns such objects into slow dictionaries — costly to build, to collect and to
 * JSON.stringify. An object literal with the keys spelled out gets one hidden class instead.
 *
 * The generated source holds only JSON-quoted keys and numeric indexes: no value and no unquoted
 * text from outside reaches it.
 */
export type ShapeBuilder<T> = (values: readonly unknown[]) => Record<string, T>;

const cache = new Map<string, ShapeBuilder<unknown>>();

/** `(values) => ({ [keys[0]]: values[0], [keys[1]]: values[1], ... })`, as a literal. */
export function shapeBuilder<T>(keys: readonly string[]): ShapeBuilder<T> {
  const id = JSON.stringify(keys);
  let build = cache.get(id);
  if (build === undefined) {
    const members = keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see the comment at the top
    build = new Function('v', `return { ${members} };`) as ShapeBuilder<unknown>;
    if (cache.size > 1_000) cache.clear(); // key lists come from describes: few, but never unbounded
    cache.set(id, build);
  }
  return build as ShapeBuilder<T>;
}
