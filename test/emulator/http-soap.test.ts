/**
 * SOAP Partner DML over raw HTTP (salesforce-wire.md §5): envelopes as jsforce writes them (odd
 * prefixes, fieldsToNull), results with LimitInfoHeader, the 200-record cap, session faults.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from './support/rest-client.js';

const { emu } = useEmulator({ seed: 'none', login: false });
let sessionId: string;

beforeAll(async () => {
  const res = await envelope(
    `<login xmlns="urn:partner.soap.sforce.com"><username>${emu.username}</username><password>${emu.password}</password></login>`,
    '',
  );
  sessionId = /<sessionId>([^<]+)<\/sessionId>/.exec(res.text)?.[1] ?? '';
});

async function envelope(
  body: string,
  session: string | undefined = sessionId,
): Promise<{ status: number; text: string }> {
  const header = session
    ? `<soapenv:Header xmlns="urn:partner.soap.sforce.com"><SessionHeader><sessionId>${session}</sessionId></SessionHeader></soapenv:Header>`
    : '';
  const res = await fetch(`${emu.url}/services/Soap/u/62.0`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml', SOAPAction: '""' },
    body:
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
      'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `${header}<soapenv:Body xmlns="urn:partner.soap.sforce.com">${body}</soapenv:Body></soapenv:Envelope>`,
  });
  return { status: res.status, text: await res.text() };
}

function call(operation: string, inner: string): string {
  return `<${operation} xmlns="urn:partner.soap.sforce.com" xmlns:ns1="sobject.partner.soap.sforce.com">${inner}</${operation}>`;
}

function ids(xml: string): string[] {
  return [...xml.matchAll(/<id>([^<]+)<\/id>/g)].map((m) => m[1] ?? '');
}

describe('SOAP DML', () => {
  it('creates records and reports LimitInfoHeader', async () => {
    const res = await envelope(
      call(
        'create',
        '<ns1:sObjects><type>Account</type><Name>Soap One</Name><Phone>555</Phone></ns1:sObjects>' +
          '<ns1:sObjects><type>Account</type><Name></Name></ns1:sObjects>',
      ),
    );
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /<soapenv:Header><LimitInfoHeader><limitInfo><current>\d+<\/current><limit>100000<\/limit><type>API REQUESTS<\/type><\/limitInfo><\/LimitInfoHeader><\/soapenv:Header>/,
    );
    expect(res.text).toContain('<soapenv:Body><createResponse><result>');
    const results = [...res.text.matchAll(/<result>(.*?)<\/result>/g)].map((m) => m[1] ?? '');
    expect(results[0]).toMatch(/^<id>001\w{15}<\/id><success>true<\/success>$/);
    expect(results[1]).toContain('<statusCode>REQUIRED_FIELD_MISSING</statusCode>');
    expect(results[1]).toContain('<fields>Name</fields>');
    expect(results[1]).toContain('<id xsi:nil="true"/><success>false</success>');
  });

  it('updates with fieldsToNull, upserts by external id and deletes', async () => {
    const created = await envelope(
      call(
        'create',
        '<ns1:sObjects><type>Account</type><Name>Soap Two</Name><Phone>1</Phone></ns1:sObjects>',
      ),
    );
    const [id] = ids(created.text);
    const updated = await envelope(
      call(
        'update',
        `<ns1:sObjects><type>Account</type><fieldsToNull>Phone</fieldsToNull><Id>${id}</Id><Name>Soap Two!</Name></ns1:sObjects>`,
      ),
    );
    expect(updated.text).toContain(`<result><id>${id}</id><success>true</success></result>`);
    const row = emu.org.retrieve('Account', id ?? '').row;
    expect(row['Name']).toBe('Soap Two!');
    expect(row['Phone'] ?? null).toBeNull();

    const upsert = await envelope(
      call(
        'upsert',
        '<ns1:externalIDFieldName>Ferry_Id__c</ns1:externalIDFieldName>' +
          '<ns1:sObjects><type>Account</type><Ferry_Id__c>soap-1</Ferry_Id__c><Name>Up</Name></ns1:sObjects>',
      ),
    );
    expect(upsert.text).toMatch(
      /<upsertResponse><result><created>true<\/created><id>001\w{15}<\/id><success>true<\/success><\/result><\/upsertResponse>/,
    );
    const again = await envelope(
      call(
        'upsert',
        '<ns1:externalIDFieldName>Ferry_Id__c</ns1:externalIDFieldName>' +
          '<ns1:sObjects><type>Account</type><Ferry_Id__c>soap-1</Ferry_Id__c><Name>Up!</Name></ns1:sObjects>',
      ),
    );
    expect(again.text).toContain('<created>false</created>');

    const deleted = await envelope(call('delete', `<ns1:ids>${id}</ns1:ids>`));
    expect(deleted.text).toContain(
      `<deleteResponse><result><id>${id}</id><success>true</success></result></deleteResponse>`,
    );
    const undeleted = await envelope(call('undelete', `<ns1:ids>${id}</ns1:ids>`));
    expect(undeleted.text).toContain('<success>true</success>');
  });

  it('creates children pointing at a parent by external id', async () => {
    await envelope(
      call(
        'create',
        '<ns1:sObjects><type>Account</type><Name>Parent</Name><Ferry_Id__c>soap-parent</Ferry_Id__c></ns1:sObjects>',
      ),
    );
    const res = await envelope(
      call(
        'create',
        '<ns1:sObjects><type>Contact</type><LastName>Child</LastName>' +
          '<Account><type>Account</type><Ferry_Id__c>soap-parent</Ferry_Id__c></Account></ns1:sObjects>',
      ),
    );
    const [id] = ids(res.text);
    expect(id).toMatch(/^003/);
    const parent = emu.org.findByField('Account', 'Ferry_Id__c', 'soap-parent')[0];
    expect(emu.org.retrieve('Contact', id ?? '').row['AccountId']).toBe(parent);
  });

  it('refuses more than 200 records with EXCEEDED_ID_LIMIT', async () => {
    const many = Array.from(
      { length: 201 },
      (_, i) => `<ns1:sObjects><type>Account</type><Name>N${i}</Name></ns1:sObjects>`,
    ).join('');
    const res = await envelope(call('create', many));
    expect(res.status).toBe(500);
    expect(res.text).toContain('<faultcode>sf:EXCEEDED_ID_LIMIT</faultcode>');
  });

  it('faults INVALID_SESSION_ID without a valid session (jsforce refresh trigger)', async () => {
    const res = await envelope(
      call('create', '<ns1:sObjects><type>Account</type><Name>x</Name></ns1:sObjects>'),
      'bogus',
    );
    expect(res.status).toBe(500);
    expect(res.text).toMatch(/<faultcode>sf:INVALID_SESSION_ID<\/faultcode>/);
    expect(res.text).toContain('xmlns:sf="urn:fault.partner.soap.sforce.com"');
    expect(res.text).toContain('<sf:exceptionCode>INVALID_SESSION_ID</sf:exceptionCode>');
  });

  it('answers getUserInfo and getServerTimestamp, faults unknown operations', async () => {
    const info = await envelope('<getUserInfo xmlns="urn:partner.soap.sforce.com"/>');
    expect(info.text).toContain(`<userName>${emu.username}</userName>`);
    const ts = await envelope('<getServerTimestamp xmlns="urn:partner.soap.sforce.com"/>');
    expect(ts.text).toMatch(/<timestamp>\d{4}-\d{2}-\d{2}T/);
    const unknown = await envelope('<describeSoftphoneLayout xmlns="urn:partner.soap.sforce.com"/>');
    expect(unknown.status).toBe(500);
    expect(unknown.text).toContain('<faultcode>soapenv:Client</faultcode>');
  });
});
