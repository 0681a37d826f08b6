/**
 * Bulk 1.0 wire formats: `jobInfo` / `batchInfo` / `batchInfoList` / `error` documents in the
 * dataload namespace (XML for XML and CSV jobs, JSON for JSON jobs), and parsing of job requests.
 * jsforce parses these with xml2js and reads elements by local name.
 */
import { XMLParser } from 'fast-xml-parser';
import { BulkError } from './bulk-error.js';
import { restTimestamp, xmlTimestamp } from './timestamps.js';

export const DATALOAD_NS = 'http://www.force.com/2009/06/asyncapi/dataload';
export const XML_TYPE = 'application/xml';
export const JSON_TYPE = 'application/json';

/** How a response is written: JSON jobs answer in JSON, every other job in XML. */
export type Bulk1Format = 'xml' | 'json';

/** A document's fields in order; null values are left out; Dates are written per format. */
export type WireFields = ReadonlyArray<readonly [string, string | number | Date | null]>;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

function xmlFields(fields: WireFields): string {
  let out = '';
  for (const [name, value] of fields) {
    if (value === null) continue;
    const text = value instanceof Date ? xmlTimestamp(value) : String(value);
    out += `\n <${name}>${escapeXml(text)}</${name}>`;
  }
  return out;
}

/** `apiVersion` is a number in JSON (`62.0` prints as 62) and text in XML. */
function jsonFields(fields: WireFields): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, value] of fields) {
    if (value === null) continue;
    out[name] = value instanceof Date ? restTimestamp(value) : name === 'apiVersion' ? Number(value) : value;
  }
  return out;
}

export function xmlDocument(root: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><${root}\n   xmlns="${DATALOAD_NS}">${body}\n</${root}>`;
}

/** One `jobInfo` / `batchInfo` document. */
export function renderInfo(root: 'jobInfo' | 'batchInfo', fields: WireFields, format: Bulk1Format): string {
  return format === 'json' ? JSON.stringify(jsonFields(fields)) : xmlDocument(root, xmlFields(fields));
}

export function renderBatchList(batches: readonly WireFields[], format: Bulk1Format): string {
  if (format === 'json') return JSON.stringify({ batchInfo: batches.map(jsonFields) });
  return xmlDocument(
    'batchInfoList',
    batches.map((b) => `\n <batchInfo>${xmlFields(b)}\n </batchInfo>`).join(''),
  );
}

export function renderError(exceptionCode: string, exceptionMessage: string, format: Bulk1Format): string {
  if (format === 'json') return JSON.stringify({ exceptionCode, exceptionMessage });
  return xmlDocument(
    'error',
    `\n <exceptionCode>${escapeXml(exceptionCode)}</exceptionCode>\n <exceptionMessage>${escapeXml(exceptionMessage)}</exceptionMessage>`,
  );
}

/** What a create-job or change-state request may carry. */
export interface JobRequest {
  readonly operation?: string;
  readonly object?: string;
  readonly externalIdFieldName?: string;
  readonly concurrencyMode?: string;
  readonly contentType?: string;
  readonly assignmentRuleId?: string;
  readonly state?: string;
}

const KEYS = [
  'operation',
  'object',
  'externalIdFieldName',
  'concurrencyMode',
  'contentType',
  'assignmentRuleId',
  'state',
];

const xmlParser = new XMLParser({
  removeNSPrefix: true,
  parseTagValue: false,
  ignoreAttributes: true,
  trimValues: true,
});

/** Parses a `<jobInfo>` XML or a JSON job request body. */
export function parseJobRequest(body: Buffer, format: Bulk1Format): JobRequest {
  let root: unknown;
  try {
    root =
      format === 'json'
        ? JSON.parse(body.toString('utf8'))
        : (xmlParser.parse(body) as Record<string, unknown>)['jobInfo'];
  } catch (error) {
    const code = format === 'json' ? 'InvalidJob' : 'InvalidXML';
    throw new BulkError(400, code, `Unable to parse the job request: ${(error as Error).message}`);
  }
  if (typeof root !== 'object' || root === null) {
    throw new BulkError(400, format === 'json' ? 'InvalidJob' : 'InvalidXML', 'The request holds no jobInfo');
  }
  const out: Record<string, string> = {};
  for (const key of KEYS) {
    const value = (root as Record<string, unknown>)[key];
    if (typeof value === 'string') out[key] = value.trim();
  }
  return out;
}

/** A request's format from its Content-Type (jsforce sends `application/xml; charset=utf-8`). */
export function formatOfContentType(contentType: string | undefined): Bulk1Format {
  return contentType !== undefined && /^application\/json\b/i.test(contentType) ? 'json' : 'xml';
}
