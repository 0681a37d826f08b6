/**
 * Turns a failed HTTP exchange into a Ferry error. Salesforce answers errors in several shapes — a
 * JSON array of `{errorCode|statusCode, message, fields}` (REST, Bulk 2.0), an OAuth object
 * `{error, error_description}`, XML (Bulk 1.0 `exceptionCode`, SOAP faults), an HTML page (planned
 * maintenance behind the CDN) or nothing at all — and every one is mapped through the errorCode
 * table in src/errors so callers only ever see dispositions.
 */
import { STATUS_CODES } from 'node:http';
import { fromSalesforceError, type FerryError, type SalesforceErrorInfo } from '../../errors/index.js';
import { redactString } from '../../log/index.js';

const SNIPPET = 300;

export interface ParsedErrorBody extends SalesforceErrorInfo {
  fields: readonly string[];
  /** Further errors in the same body (a REST error array may hold several). */
  others: readonly SalesforceErrorInfo[];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function fromJsonItem(item: unknown, status: number): SalesforceErrorInfo | undefined {
  if (!item || typeof item !== 'object') return undefined;
  const o = item as Record<string, unknown>;
  const code = str(o.errorCode) ?? str(o.statusCode) ?? str(o.error);
  if (code === undefined) return undefined;
  const message = str(o.message) ?? str(o.error_description) ?? code;
  return { errorCode: code, message, fields: strings(o.fields), status };
}

function xmlTag(text: string, name: string): string | undefined {
  const m = new RegExp(`<(?:[\\w-]+:)?${name}[^>]*>([\\s\\S]*?)</(?:[\\w-]+:)?${name}>`).exec(text);
  return m?.[1]?.trim();
}

function decodeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}…` : flat;
}

function httpCode(status: number): string {
  return `ERROR_HTTP_${status}`;
}

/** Reads an error body of any of Salesforce's shapes. Never throws. */
export function parseErrorBody(
  status: number,
  contentType: string | undefined,
  text: string,
): ParsedErrorBody {
  const ct = (contentType ?? '').toLowerCase();
  const trimmed = text.trim();
  const statusText = STATUS_CODES[status] ?? 'Unknown status';

  if (trimmed === '') {
    return {
      errorCode: httpCode(status),
      message: `HTTP ${status} ${statusText} with an empty body`,
      fields: [],
      status,
      others: [],
    };
  }

  if (ct.includes('json') || trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      const body: unknown = JSON.parse(trimmed);
      const items = Array.isArray(body) ? body : [body];
      const parsed = items.map((i) => fromJsonItem(i, status)).filter((x) => x !== undefined);
      const [first, ...others] = parsed;
      if (first) return { ...first, fields: first.fields ?? [], others };
    } catch {
      // Not JSON after all; fall through to the text forms.
    }
  }

  if (ct.includes('html') || /^<!doctype html|^<html/i.test(trimmed)) {
    const title = xmlTag(trimmed, 'title');
    const what = title ? `: "${snippet(decodeXml(title))}"` : '';
    const why = status === 503 ? ' (Salesforce is probably in planned maintenance)' : '';
    return {
      errorCode: httpCode(status),
      message: `HTTP ${status} ${statusText} with an HTML page${what}${why}`,
      fields: [],
      status,
      others: [],
    };
  }

  if (ct.includes('xml') || trimmed.startsWith('<')) {
    const exceptionCode = xmlTag(trimmed, 'exceptionCode');
    if (exceptionCode) {
      const message = decodeXml(xmlTag(trimmed, 'exceptionMessage') ?? exceptionCode);
      return { errorCode: exceptionCode, message, fields: [], status, others: [] };
    }
    const faultCode = xmlTag(trimmed, 'faultcode');
    if (faultCode) {
      const code = faultCode.replace(/^[\w-]+:/, '');
      const message = decodeXml(xmlTag(trimmed, 'faultstring') ?? code);
      return { errorCode: code, message, fields: [], status, others: [] };
    }
  }

  return {
    errorCode: httpCode(status),
    message: `HTTP ${status} ${statusText}: ${snippet(trimmed)}`,
    fields: [],
    status,
    others: [],
  };
}

/** The Ferry error for a failed response; `context` names the call, e.g. `GET /sobjects/Account/describe`. */
export function responseError(
  status: number,
  contentType: string | undefined,
  text: string,
  context: string,
): FerryError {
  const parsed = parseErrorBody(status, contentType, text);
  const more =
    parsed.others.length > 0
      ? ` (and ${parsed.others.map((o) => `${o.errorCode}: ${o.message}`).join('; ')})`
      : '';
  return fromSalesforceError(
    {
      errorCode: parsed.errorCode,
      // Server text may echo request data; the redactor masks anything shaped like a session id.
      message: redactString(parsed.message + more),
      fields: parsed.fields,
      status,
    },
    context,
  );
}
