/**
 * Response builders. Content types are exact because jsforce picks its body parser from them
 * (salesforce-wire.md §9 pitfall 8): `application/json;charset=UTF-8` for REST,
 * `text/xml;charset=UTF-8` for SOAP.
 */
import type { EmuResponse } from './types.js';

export const JSON_TYPE = 'application/json;charset=UTF-8';
export const XML_TYPE = 'text/xml;charset=UTF-8';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers: { 'Content-Type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

export function xml(status: number, body: string, headers: Record<string, string> = {}): EmuResponse {
  return { status, headers: { 'Content-Type': XML_TYPE, ...headers }, body };
}

export function noContent(headers: Record<string, string> = {}): EmuResponse {
  return { status: 204, headers, body: null };
}

/** One REST error element as Salesforce sends it. */
export interface RestErrorItem {
  message: string;
  errorCode: string;
  fields?: string[];
}

/** `[{"message","errorCode","fields"}]`: the only REST error shape jsforce understands (§2.11). */
export function restError(
  status: number,
  errorCode: string,
  message: string,
  fields?: string[],
): EmuResponse {
  const item: RestErrorItem = { message, errorCode };
  if (fields !== undefined) item.fields = fields;
  return json(status, [item]);
}

/** Escapes text for XML element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Parses a response body produced by `json()` back (composite subrequests embed it). */
export function jsonBodyOf(res: EmuResponse): unknown {
  const body = res.body;
  if (body === null || body === undefined) return null;
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : null;
  if (text === null || text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
