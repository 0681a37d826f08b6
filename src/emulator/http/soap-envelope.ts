/**
 * SOAP envelopes of the Partner API: parsing requests by local name (jsforce declares its own odd
 * prefixes such as `xmlns:ns1="sobject.partner.soap.sforce.com"`, so prefixes mean nothing), and
 * rendering responses with a *prefixed* `soapenv:Envelope`/`soapenv:Body`, which jsforce finds
 * with `/:Envelope$/` and `/:Body$/` (salesforce-wire.md §5).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeXml, xml } from './respond.js';
import type { EmuResponse } from './types.js';

/** Elements that repeat in Partner API requests; always parsed as arrays. */
const REPEATED = new Set(['sObjects', 'ids', 'fieldsToNull']);

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Values stay text: the org coerces them by field type (InputFormat 'text').
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => REPEATED.has(name),
});

export type XmlNode = string | { [key: string]: XmlValue };
export type XmlValue = XmlNode | XmlNode[];

export interface SoapRequest {
  /** `SessionHeader/sessionId`, if sent. */
  readonly sessionId: string | undefined;
  /** Local name of the Body's first element (`login`, `create`...). */
  readonly operation: string;
  /** That element's parsed content. */
  readonly payload: { [key: string]: XmlValue };
}

export class SoapParseError extends Error {}

function asObject(v: XmlValue | undefined): { [key: string]: XmlValue } | undefined {
  if (v === undefined || typeof v === 'string' || Array.isArray(v)) return undefined;
  return v;
}

/** Text content of a parsed element (`<a>x</a>` → 'x', `<a xsi:nil="true"/>` → undefined). */
export function textOf(v: XmlValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return textOf(v[0]);
  const text = v['#text'];
  return typeof text === 'string' ? text : undefined;
}

export function isNil(v: XmlValue | undefined): boolean {
  if (v === undefined || typeof v === 'string' || Array.isArray(v)) return false;
  return v['@_nil'] === 'true';
}

export function parseSoapRequest(body: string): SoapRequest {
  if (body.trim() === '' || XMLValidator.validate(body) !== true) {
    throw new SoapParseError('Unable to parse the request: the body is not well-formed XML');
  }
  const doc = parser.parse(body) as { [key: string]: XmlValue };
  const envelope = asObject(doc['Envelope']);
  const soapBody = asObject(envelope?.['Body']);
  if (!envelope || !soapBody) throw new SoapParseError('Unable to find a SOAP Envelope with a Body');
  const header = asObject(envelope['Header']);
  const sessionHeader = asObject(header?.['SessionHeader']);
  const operation = Object.keys(soapBody).find((k) => !k.startsWith('@_') && k !== '#text');
  if (!operation) throw new SoapParseError('The SOAP Body has no operation element');
  const raw = soapBody[operation];
  const payload = asObject(Array.isArray(raw) ? raw[0] : raw) ?? {};
  return { sessionId: textOf(sessionHeader?.['sessionId'])?.trim(), operation, payload };
}

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"';

/** A successful Partner API response envelope. */
export function soapResponse(bodyXml: string, headerXml = ''): EmuResponse {
  const head = headerXml ? `<soapenv:Header>${headerXml}</soapenv:Header>` : '';
  return xml(
    200,
    `${ENVELOPE_OPEN} xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
      `${head}<soapenv:Body>${bodyXml}</soapenv:Body></soapenv:Envelope>`,
  );
}

/** Fault detail element by exception code, as the Partner WSDL declares them. */
function faultType(code: string): string {
  if (code === 'INVALID_LOGIN') return 'LoginFault';
  if (code === 'MALFORMED_QUERY') return 'MalformedQueryFault';
  if (code === 'INVALID_FIELD') return 'InvalidFieldFault';
  if (code === 'INVALID_TYPE') return 'InvalidSObjectFault';
  if (code === 'MALFORMED_ID' || code === 'INVALID_ID_FIELD') return 'InvalidIdFault';
  return 'UnexpectedErrorFault';
}

/**
 * A SOAP fault, HTTP 500. jsforce refreshes the session only on 500 with
 * `<faultcode>sf:INVALID_SESSION_ID</faultcode>` (§5). Codes containing `:` (`soapenv:Client`) are
 * protocol faults without the `sf:` detail.
 */
export function soapFault(code: string, message: string): EmuResponse {
  const protocol = code.includes(':');
  const faultcode = protocol ? code : `sf:${code}`;
  const faultstring = protocol ? message : `${code}: ${message}`;
  const type = faultType(code);
  const detail = protocol
    ? ''
    : `<detail><sf:${type} xsi:type="sf:${type}"><sf:exceptionCode>${escapeXml(code)}</sf:exceptionCode>` +
      `<sf:exceptionMessage>${escapeXml(message)}</sf:exceptionMessage></sf:${type}></detail>`;
  return xml(
    500,
    `${ENVELOPE_OPEN} xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
      `<soapenv:Body><soapenv:Fault><faultcode>${escapeXml(faultcode)}</faultcode>` +
      `<faultstring>${escapeXml(faultstring)}</faultstring>${detail}</soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
  );
}

/** `<name>text</name>`, or `<name xsi:nil="true"/>` for null. */
export function el(name: string, value: string | number | boolean | null): string {
  if (value === null) return `<${name} xsi:nil="true"/>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}
