/**
 * Salesforce record ids: 15 case-sensitive characters (3-character key prefix, then the rest),
 * or 18 characters with a 3-character case-insensitive checksum suffix. Pure; no I/O.
 */
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID15 = /^[a-zA-Z0-9]{15}$/;
const ID18 = /^[a-zA-Z0-9]{18}$/;

/** The 3-character checksum that turns a 15-character id into its 18-character form. */
export function idSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

export function to18(id: string): string {
  if (id.length === 18) return id;
  if (!ID15.test(id)) throw new TypeError(`not a Salesforce id: ${JSON.stringify(id)}`);
  return id + idSuffix(id);
}

/** True for a well-formed 15- or 18-character id whose checksum (if present) matches. */
export function isValidId(id: string): boolean {
  if (ID15.test(id)) return true;
  if (!ID18.test(id)) return false;
  return idSuffix(id.slice(0, 15)) === id.slice(15).toUpperCase();
}

/** The canonical 18-character form of a valid id, or undefined. */
export function normalizeId(id: string): string | undefined {
  if (!isValidId(id)) return undefined;
  return to18(id.slice(0, 15));
}

export function keyPrefix(id: string): string {
  return id.slice(0, 3);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Encodes n as fixed-width base-62 in ASCII order, so that ids built from increasing counters
 * sort (as strings, byte-wise) in counter order.
 */
export function base62(n: number, width: number): string {
  let s = '';
  let v = Math.floor(n);
  for (let i = 0; i < width; i++) {
    s = BASE62[v % 62]! + s;
    v = Math.floor(v / 62);
  }
  if (v > 0) throw new RangeError(`${n} does not fit in ${width} base-62 digits`);
  return s;
}

export function fromBase62(s: string): number {
  let v = 0;
  for (const ch of s) {
    const d = BASE62.indexOf(ch);
    if (d < 0) throw new RangeError(`not base-62: ${s}`);
    v = v * 62 + d;
  }
  return v;
}
