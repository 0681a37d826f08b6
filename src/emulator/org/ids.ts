/**
 * Record ids: key prefix, three fixed characters, then a 9-digit base-62 counter. Counters only grow,
 * and base-62 in ASCII order keeps string order equal to counter order, so `Id > x ORDER BY Id`
 * (keyset paging) maps onto a counter range.
 */
import { base62, fromBase62, to18 } from '../../core/sfid.js';

const FILL = '0Ka';

export function makeId(keyPrefix: string, counter: number): string {
  return to18(`${keyPrefix}${FILL}${base62(counter, 9)}`);
}

/** The counter of an id minted for this prefix, or undefined for foreign ids. */
export function counterOf(keyPrefix: string, id: string): number | undefined {
  if (id.length < 15 || !id.startsWith(keyPrefix) || id.slice(3, 6) !== FILL) return undefined;
  try {
    return fromBase62(id.slice(6, 15));
  } catch {
    return undefined;
  }
}
