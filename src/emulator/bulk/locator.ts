/**
 * Bulk 2.0 result locators: opaque to clients, here the unpadded base64url of the next row position
 * (`MTAwMDA` is row 10,000, the shape real locators have). Self-describing, so a locator stays valid
 * for the job's life without server-side bookkeeping.
 */

export function encodeLocator(position: number): string {
  return Buffer.from(String(position), 'utf8').toString('base64url');
}

/** The position a locator stands for, or null when it is not one of ours. */
export function decodeLocator(locator: string): number | null {
  const text = Buffer.from(locator, 'base64url').toString('utf8');
  if (!/^(0|[1-9]\d{0,15})$/.test(text)) return null;
  if (encodeLocator(Number(text)) !== locator) return null;
  return Number(text);
}
