/**
 * The two timestamp spellings of the Bulk APIs: Bulk 2.0 (like REST) writes
 * `2024-05-01T10:00:00.000+0000`; Bulk 1.0 XML writes `2024-05-01T10:00:00.000Z`.
 */

export function restTimestamp(at: Date): string {
  return at.toISOString().replace('Z', '+0000');
}

export function xmlTimestamp(at: Date): string {
  return at.toISOString();
}
