/**
 * Record ids: key prefix, three fixed characters, then a 9-digit base-62 counter. Counters only grow,
 * and base-62 in ASCII order keeps string order equal to counter order, so `Id > x ORDER BY Id`
 * (keyset paging) maps onto a counter range.
 */
import { base62, fromBase62, idSuffix } from '../../core/sfid.js';

const FILL = '0Ka';

/** Ids of the first records of each object (users, record types, parents) recur on every row. */
const SMALL = 4096;
const smallIds = new Map<string, string[]>();

export function makeId(keyPrefix: string, counter: number): string {
  if (counter < SMALL) {
    let cache = smallIds.get(keyPrefix);
    if (!cache) smallIds.set(keyPrefix, (cache = []));
    return (cache[counter] ??= build(keyPrefix, counter));
  }
  return build(keyPrefix, counter);
}

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const LOW = 62 ** 3;
let headKey = '';
let headHigh = -1;
let head = '';

/** Hot in large scans: consecutive counters share their first 12 characters, so reuse them. */
function build(keyPrefix: string, counter: number): string {
  const high = Math.floor(counter / LOW);
  const low = counter - high * LOW;
  if (high !== headHigh || keyPrefix !== headKey) {
    headKey = keyPrefix;
    headHigh = high;
    head = `${keyPrefix}${FILL}${base62(high, 6)}`;
  }
  const id15 =
    head + DIGITS[Math.floor(low / 3844)]! + DIGITS[Math.floor(low / 62) % 62]! + DIGITS[low % 62]!;
  return id15 + idSuffix(id15);
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
