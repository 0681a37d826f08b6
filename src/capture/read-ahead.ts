/**
 * Reads one item ahead: while the consumer works on an item (applying a batch is mostly waiting for
 * Postgres), the next one is already being fetched and parsed, so Salesforce, this process and
 * Postgres work at the same time instead of taking turns. At most one extra item is held.
 */
export async function* readAhead<T>(
  source: AsyncIterable<T>,
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done === true) return;
      // An item read ahead before an abort is not handed out after it.
      signal?.throwIfAborted();
      next = it.next();
      // Awaited on the next turn; until then a rejection must not count as unhandled (the consumer
      // may stop early and never ask).
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    // Stopped early or failed: let the read in flight settle, then close the source.
    await next.catch(() => undefined);
    await it.return?.();
  }
}
