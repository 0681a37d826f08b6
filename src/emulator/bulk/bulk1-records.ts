/**
 * The records of a Bulk 1.0 ingest batch, read by the job's content type: CSV (header + rows, text
 * values), JSON (an array of records with typed values), or XML (`<sObjects><sObject>` with text
 * values, `xsi:nil="true"` for null and nested `<Account><sObject><Ext__c>` parent references).
 */
import { parse } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import type { InputFormat, RecordInput } from '../org/types.js';

export type Bulk1ContentType = 'CSV' | 'XML' | 'JSON';

export type BatchRecords =
  | { readonly kind: 'csv'; readonly header: string[]; readonly rows: string[][] }
  | { readonly kind: 'records'; readonly records: RecordInput[]; readonly format: InputFormat };

/** Why a batch fails as a whole (its `stateMessage`). */
export class BatchFailure extends Error {}

export function parseBatch(data: Buffer, contentType: Bulk1ContentType): BatchRecords {
  switch (contentType) {
    case 'CSV':
      return parseCsv(data);
    case 'JSON':
      return { kind: 'records', records: parseJson(data), format: 'json' };
    case 'XML':
      return { kind: 'records', records: parseXml(data), format: 'text' };
  }
}

export function recordCount(batch: BatchRecords): number {
  return batch.kind === 'csv' ? batch.rows.length : batch.records.length;
}

function parseCsv(data: Buffer): BatchRecords {
  let records: string[][];
  try {
    records = parse(data, { bom: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new BatchFailure(`InvalidBatch : ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  if (header === undefined) throw new BatchFailure('InvalidBatch : The batch holds no header row');
  return { kind: 'csv', header, rows };
}

function parseJson(data: Buffer): RecordInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString('utf8'));
  } catch (error) {
    throw new BatchFailure(`InvalidBatch : Failed to parse JSON: ${(error as Error).message}`);
  }
  if (
    !Array.isArray(parsed) ||
    !parsed.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))
  ) {
    throw new BatchFailure('InvalidBatch : A JSON batch must be an array of records');
  }
  return parsed.map((r: Record<string, unknown>) => {
    const { attributes: _attributes, ...fields } = r;
    return fields;
  });
}

const xmlParser = new XMLParser({
  removeNSPrefix: true,
  parseTagValue: false,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Values are not trimmed in Bulk data; whitespace between elements is dropped as '#text'.
  trimValues: false,
  isArray: (_name, jpath) => String(jpath) === 'sObjects.sObject',
});

function parseXml(data: Buffer): RecordInput[] {
  let root: unknown;
  try {
    root = (xmlParser.parse(data) as Record<string, unknown>)['sObjects'];
  } catch (error) {
    throw new BatchFailure(`InvalidBatch : Failed to parse XML: ${(error as Error).message}`);
  }
  if (typeof root !== 'object' || root === null)
    throw new BatchFailure('InvalidBatch : The batch holds no <sObjects>');
  const list = (root as Record<string, unknown>)['sObject'];
  return (Array.isArray(list) ? list : []).map((element) => flatten(element, ''));
}

/** An `<sObject>` as text fields; a nested `<Rel><sObject><F>` becomes the column `Rel.F`. */
function flatten(element: unknown, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof element !== 'object' || element === null) return out;
  for (const [name, value] of Object.entries(element as Record<string, unknown>)) {
    if (name.startsWith('@') || name === '#text' || (prefix !== '' && name === 'type')) continue;
    if (typeof value === 'string') {
      out[prefix + name] = value;
    } else if (typeof value === 'object' && value !== null) {
      const v = value as Record<string, unknown>;
      if (v['@nil'] === 'true') out[prefix + name] = '#N/A';
      else if (v['sObject'] !== undefined) Object.assign(out, flatten(v['sObject'], `${prefix}${name}.`));
      else if (typeof v['#text'] === 'string') out[prefix + name] = v['#text'];
    }
  }
  return out;
}
