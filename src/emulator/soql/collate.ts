/**
 * Case-insensitive text comparison without allocating in the common (ASCII) case. SOQL compares
 * strings case-insensitively with `=`, `<`, IN and ORDER BY (Id fields excepted).
 */

/** True when every character is ASCII (so lower-casing cannot change the length). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/**
 * A test for equality with `literal`, ignoring case. Values that differ in length from an ASCII
 * literal cannot match (no character lower-cases into a different number of ASCII characters).
 */
export function equalsIgnoreCase(literal: string): (value: string) => boolean {
  const lower = literal.toLowerCase();
  if (!isAscii(lower)) return (v) => v === literal || v.toLowerCase() === lower;
  const n = lower.length;
  return (v) => {
    if (v.length !== n) return false;
    for (let i = 0; i < n; i++) {
      let c = v.charCodeAt(i);
      if (c >= 65 && c <= 90) c += 32;
      else if (c > 127) return v.toLowerCase() === lower;
      if (c !== lower.charCodeAt(i)) return false;
    }
    return true;
  };
}

/** Orders strings ignoring case (ASCII folded inline; other characters via toLowerCase). */
export function compareIgnoreCase(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x === y) continue;
    if (x > 127 || y > 127) {
      const lx = a[i]!.toLowerCase();
      const ly = b[i]!.toLowerCase();
      if (lx === ly) continue;
      return lx < ly ? -1 : 1;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Byte-wise (code unit) order, for ids and canonical date/time strings. */
export function compareExact(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
