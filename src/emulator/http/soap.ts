/**
 * The Partner SOAP endpoint (§1.2, §5): login/logout (how jsforce logs in without a connected
 * app), and the DML calls create/update/upsert/delete/undelete (≤200 records), plus getUserInfo,
 * getServerTimestamp and emptyRecycleBin. One route for all operations, so this handler does its
 * own authentication (SessionHeader) and counting (login and logout are not API calls).
 */
import type { OrgApi, RecordInput, SaveResult } from '../org/types.js';
import type { HttpContext } from './context.js';
import { passwordMatches, usernameMatches } from './oauth.js';
import {
  el,
  isNil,
  parseSoapRequest,
  soapFault,
  SoapParseError,
  soapResponse,
  textOf,
  type XmlValue,
} from './soap-envelope.js';
import type { EmuRequest, EmuResponse, EmulatorEnv, Route } from './types.js';

const MAX_RECORDS = 200;
/** SOAP login() is retired from API 65.0 on (§1.2). */
const LAST_LOGIN_VERSION = 64;

type Payload = { [key: string]: XmlValue };

function list(v: XmlValue | undefined): XmlValue[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function texts(v: XmlValue | undefined): string[] {
  return list(v)
    .map((x) => textOf(x))
    .filter((x): x is string => x !== undefined && x !== '');
}

/**
 * A partner `sObject` element as an org input record (text format). Empty elements are ignored, as
 * in Salesforce (nulling takes `fieldsToNull`); a nested element is a parent reference by
 * external id and becomes a `Rel.Field` column.
 */
function toRecord(node: XmlValue): {
  type: string | undefined;
  record: Record<string, unknown>;
  nulls: string[];
} {
  const record: Record<string, unknown> = {};
  const nulls: string[] = [];
  let type: string | undefined;
  if (typeof node !== 'object' || Array.isArray(node)) return { type, record, nulls };
  for (const [key, raw] of Object.entries(node)) {
    if (key.startsWith('@_') || key === '#text') continue;
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (key === 'type') type = textOf(value);
    else if (key === 'fieldsToNull') nulls.push(...texts(raw));
    else if (isNil(value)) nulls.push(key);
    else if (value !== undefined && typeof value === 'object' && textOf(value) === undefined) {
      for (const [child, childValue] of Object.entries(value)) {
        if (child.startsWith('@_') || child === 'type' || child === '#text') continue;
        const text = textOf(childValue);
        if (text !== undefined && text !== '') record[`${key}.${child}`] = text;
      }
    } else {
      const text = textOf(value);
      if (text !== undefined && text !== '') record[key] = text;
    }
  }
  return { type, record, nulls };
}

function resultXml(r: SaveResult, withCreated: boolean): string {
  const errors = r.errors
    .map(
      (e) =>
        `<errors>${e.fields.map((f) => el('fields', f)).join('')}${el('message', e.message)}` +
        `${el('statusCode', e.statusCode)}</errors>`,
    )
    .join('');
  const created = withCreated ? el('created', r.created ?? false) : '';
  return `<result>${created}${errors}${el('id', r.id)}${el('success', r.success)}</result>`;
}

export function soapRoutes(ctx: HttpContext): Route[] {
  const { config, sessions, limits } = ctx;

  function userInfoXml(): string {
    const me = ctx.rawOrg.identity;
    return (
      el('accessibilityMode', false) +
      el('chatterExternal', false) +
      el('currencySymbol', '$') +
      el('orgAttachmentFileSizeLimit', 5242880) +
      el('orgDefaultCurrencyIsoCode', 'USD') +
      el('orgDefaultCurrencyLocale', 'en_US') +
      el('orgDisallowHtmlAttachments', false) +
      el('orgHasPersonAccounts', false) +
      el('organizationId', me.orgId) +
      el('organizationMultiCurrency', false) +
      el('organizationName', me.organizationName) +
      el('profileId', '00e000000000001AAA') +
      el('roleId', null) +
      el('sessionSecondsValid', Math.floor(sessions.lifetimeMs / 1000)) +
      el('userDefaultCurrencyIsoCode', null) +
      el('userEmail', me.userEmail) +
      el('userFullName', me.userFullName) +
      el('userId', me.userId) +
      el('userLanguage', 'en_US') +
      el('userLocale', 'en_US') +
      el('userName', me.username) +
      el('userTimeZone', 'America/Los_Angeles') +
      el('userType', 'Standard') +
      el('userUiSkin', 'Theme3')
    );
  }

  function login(req: EmuRequest, payload: Payload, version: string): EmuResponse {
    if (Number(version) > LAST_LOGIN_VERSION) {
      return soapFault('UNSUPPORTED_API_VERSION', `SOAP login() is not available in API version ${version}`);
    }
    const username = textOf(payload['username']) ?? '';
    const password = textOf(payload['password']) ?? '';
    if (!usernameMatches(config, username) || !passwordMatches(config, password)) {
      return soapFault('INVALID_LOGIN', 'Invalid username, password, security token; or user locked out.');
    }
    const session = sessions.create();
    const org15 = session.orgId.slice(0, 15);
    return soapResponse(
      '<loginResponse><result>' +
        el('metadataServerUrl', `${req.origin}/services/Soap/m/${version}/${org15}`) +
        el('passwordExpired', false) +
        el('sandbox', false) +
        el('serverUrl', `${req.origin}/services/Soap/u/${version}/${org15}`) +
        el('sessionId', session.accessToken) +
        el('userId', session.userId) +
        `<userInfo>${userInfoXml()}</userInfo>` +
        '</result></loginResponse>',
    );
  }

  /** Records of a DML call, with their per-record fieldsToNull. */
  function records(payload: Payload): {
    types: Array<string | undefined>;
    inputs: RecordInput[];
    nulls: string[][];
  } {
    const converted = list(payload['sObjects']).map(toRecord);
    return {
      types: converted.map((c) => c.type),
      inputs: converted.map((c) => c.record),
      nulls: converted.map((c) => c.nulls),
    };
  }

  function dml(org: OrgApi, operation: string, payload: Payload): string | EmuResponse {
    if (operation === 'delete' || operation === 'undelete' || operation === 'emptyRecycleBin') {
      const ids = texts(payload['ids']);
      if (ids.length > MAX_RECORDS)
        return soapFault('EXCEEDED_ID_LIMIT', `Too many ids: at most ${MAX_RECORDS}`);
      let results: SaveResult[];
      if (operation === 'delete') results = org.delete(ids);
      else if (operation === 'undelete') results = org.undelete(ids);
      else {
        org.emptyRecycleBin(ids);
        results = ids.map((id) => ({ id, success: true, errors: [] }));
      }
      return results.map((r) => resultXml(r, false)).join('');
    }
    const { types, inputs, nulls } = records(payload);
    if (inputs.length > MAX_RECORDS) {
      return soapFault(
        'EXCEEDED_ID_LIMIT',
        `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`,
      );
    }
    const type = types[0];
    if (!type || types.some((t) => t?.toLowerCase() !== type.toLowerCase())) {
      // Mixed types are legal in SOAP create but rare; the org API writes one type per call.
      if (operation !== 'update')
        return soapFault('INVALID_TYPE', 'Every sObject in one call must have the same type');
    }
    const options = { format: 'text' as const, fieldsToNull: nulls };
    if (operation === 'create')
      return org
        .create(type ?? '', inputs, options)
        .map((r) => resultXml(r, false))
        .join('');
    if (operation === 'update')
      return org
        .update(undefined, inputs, options)
        .map((r) => resultXml(r, false))
        .join('');
    const field = textOf(payload['externalIDFieldName']) ?? '';
    return org
      .upsert(type ?? '', field, inputs, options)
      .map((r) => resultXml(r, true))
      .join('');
  }

  const DML = new Set(['create', 'update', 'upsert', 'delete', 'undelete', 'emptyRecycleBin']);

  function handle(req: EmuRequest, env: EmulatorEnv): EmuResponse {
    const version = req.params['version'] ?? config.maxApiVersion;
    let parsed;
    try {
      parsed = parseSoapRequest(req.body.toString('utf8'));
    } catch (err) {
      if (err instanceof SoapParseError) return soapFault('soapenv:Client', err.message);
      throw err;
    }
    const { operation, payload, sessionId } = parsed;
    if (operation === 'login') return login(req, payload, version);
    const session = sessionId ? sessions.use(sessionId) : undefined;
    if (!session) {
      return soapFault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader: Illegal Session');
    }
    if (operation === 'logout') {
      sessions.revoke(session.accessToken);
      return soapResponse('<logoutResponse/>');
    }
    const known = DML.has(operation) || operation === 'getUserInfo' || operation === 'getServerTimestamp';
    if (!known) {
      return soapFault(
        'soapenv:Client',
        `No operation available for request {urn:partner.soap.sforce.com}${operation}`,
      );
    }
    if (DML.has(operation)) {
      const refused = ctx.faults.maintenanceResponse('soap', true);
      if (refused) return refused;
    }
    if (!limits.consume()) return soapFault('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    const usage = limits.apiUsage;
    const header =
      '<LimitInfoHeader><limitInfo>' +
      `${el('current', usage.used)}${el('limit', usage.max)}${el('type', 'API REQUESTS')}` +
      '</limitInfo></LimitInfoHeader>';
    let inner: string | EmuResponse;
    if (operation === 'getUserInfo') inner = `<result>${userInfoXml()}</result>`;
    else if (operation === 'getServerTimestamp') {
      inner = `<result>${el('timestamp', ctx.rawOrg.now().toISOString())}</result>`;
    } else {
      // OrgErrors thrown here become SOAP faults in the dispatcher (this route's dialect is soap).
      inner = dml(env.org, operation, payload);
    }
    if (typeof inner !== 'string') return inner;
    return soapResponse(`<${operation}Response>${inner}</${operation}Response>`, header);
  }

  return [
    {
      method: 'POST',
      pattern: /^\/services\/Soap\/u\/(?<version>\d+\.\d)(?:\/(?<orgId>[A-Za-z0-9]{15,18}))?$/,
      auth: 'soap',
      name: 'soap',
      counted: false,
      writes: false,
      handle,
    },
  ];
}
