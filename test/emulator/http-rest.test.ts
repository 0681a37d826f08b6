/**
 * REST resources over raw HTTP: discovery, versions, limits and describe, with the error shapes of
 * bad paths and methods (salesforce-wire.md §2.1, §2.2, §2.10).
 */
import { describe, expect, it } from 'vitest';
import { V, anyNumber, objectLike, useEmulator, type Json } from './support/rest-client.js';

const { emu, api } = useEmulator({ seed: 'demo' });

describe('discovery', () => {
  it('lists versions 41.0..62.0 without auth, uncounted, with or without a slash', async () => {
    for (const path of ['/services/data', '/services/data/']) {
      const res = await fetch(`${emu.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      expect(res.headers.get('sforce-limit-info')).toBeNull();
      const list = (await res.json()) as Array<{ version: string; url: string; label: string }>;
      expect(list[0]).toEqual({ label: "Winter '18", url: '/services/data/v41.0', version: '41.0' });
      expect(list.at(-1)).toEqual({ label: "Winter '25", url: '/services/data/v62.0', version: '62.0' });
      expect(list).toHaveLength(22);
    }
  });

  it('serves the resource map with an absolute identity URL', async () => {
    const res = await api('GET', `${V}/`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      sobjects: `${V}/sobjects`,
      query: `${V}/query`,
      queryAll: `${V}/queryAll`,
      composite: `${V}/composite`,
      limits: `${V}/limits`,
      identity: `${emu.url}/id/${emu.org.identity.orgId}/${emu.org.identity.userId}`,
    });
  });

  it('answers 404 NOT_FOUND for versions outside 41.0..62.0 and unknown paths', async () => {
    for (const path of [
      '/services/data/v40.0/limits',
      '/services/data/v63.0/limits',
      `${V}/nothing-here`,
      '/nope',
    ]) {
      const res = await api('GET', path);
      expect(res.status).toBe(404);
      expect(res.json).toEqual([
        { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
      ]);
    }
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const res = await api('PUT', '/sobjects/Account');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect((res.json as Json[])[0]?.['errorCode']).toBe('METHOD_NOT_ALLOWED');
  });
});

describe('limits', () => {
  it('counts calls in Sforce-Limit-Info and /limits', async () => {
    const first = await api('GET', '/limits');
    const used = Number(/api-usage=(\d+)\/100000/.exec(first.headers.get('sforce-limit-info') ?? '')?.[1]);
    expect(used).toBeGreaterThan(0);
    const limits = first.json as Record<string, { Max: number; Remaining: number }>;
    expect(limits['DailyApiRequests']).toEqual({ Max: 100000, Remaining: 100000 - used });
    for (const key of [
      'DailyBulkApiBatches',
      'DailyBulkV2QueryJobs',
      'DailyBulkV2QueryFileStorageMB',
      'DataStorageMB',
    ]) {
      expect(limits[key]).toMatchObject({ Max: anyNumber, Remaining: anyNumber });
    }
    const second = await api('GET', '/limits');
    expect(second.headers.get('sforce-limit-info')).toBe(`api-usage=${used + 1}/100000`);
  });
});

describe('describe', () => {
  const GLOBAL_KEYS = [
    'activateable',
    'createable',
    'custom',
    'customSetting',
    'deletable',
    'deprecatedAndHidden',
    'feedEnabled',
    'hasSubtypes',
    'isSubtype',
    'keyPrefix',
    'label',
    'labelPlural',
    'layoutable',
    'mergeable',
    'mruEnabled',
    'name',
    'queryable',
    'replicateable',
    'retrieveable',
    'searchable',
    'triggerable',
    'undeletable',
    'updateable',
    'urls',
  ];
  const FIELD_KEYS = [
    'name',
    'type',
    'soapType',
    'length',
    'byteLength',
    'digits',
    'precision',
    'scale',
    'nillable',
    'createable',
    'updateable',
    'defaultedOnCreate',
    'externalId',
    'idLookup',
    'unique',
    'caseSensitive',
    'calculated',
    'calculatedFormula',
    'autoNumber',
    'custom',
    'referenceTo',
    'relationshipName',
    'relationshipOrder',
    'cascadeDelete',
    'restrictedDelete',
    'picklistValues',
    'restrictedPicklist',
    'dependentPicklist',
    'controllerName',
    'compoundFieldName',
    'extraTypeInfo',
    'filterable',
    'sortable',
    'groupable',
    'aggregatable',
    'nameField',
    'namePointing',
    'polymorphicForeignKey',
    'htmlFormatted',
    'encrypted',
    'highScaleNumber',
    'label',
    'inlineHelpText',
    'defaultValue',
    'deprecatedAndHidden',
    'permissionable',
    'queryByDistance',
    'writeRequiresMasterRead',
    'displayLocationInDecimal',
    'mask',
    'maskType',
    'filteredLookupInfo',
    'referenceTargetField',
  ];

  it('describeGlobal lists every object with every key', async () => {
    const res = await api('GET', '/sobjects');
    expect(res.status).toBe(200);
    const body = res.json as { encoding: string; maxBatchSize: number; sobjects: Json[] };
    expect(body.encoding).toBe('UTF-8');
    expect(body.maxBatchSize).toBe(200);
    const account = body.sobjects.find((o) => o['name'] === 'Account');
    for (const key of GLOBAL_KEYS) expect(account).toHaveProperty(key);
    expect(account?.['urls']).toEqual({
      rowTemplate: `${V}/sobjects/Account/{ID}`,
      describe: `${V}/sobjects/Account/describe`,
      sobject: `${V}/sobjects/Account`,
    });
  });

  it('honours If-Modified-Since with 304', async () => {
    const first = await api('GET', '/sobjects');
    const lastModified = first.headers.get('last-modified') ?? '';
    expect(lastModified).not.toBe('');
    const again = await api('GET', '/sobjects', undefined, { 'If-Modified-Since': lastModified });
    expect(again.status).toBe(304);
    const old = await api('GET', '/sobjects', undefined, {
      'If-Modified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT',
    });
    expect(old.status).toBe(200);
  });

  it('describe has every object and field key, child relationships and record types', async () => {
    const res = await api('GET', '/sobjects/Contact/describe');
    expect(res.status).toBe(200);
    const d = res.json as Json & { fields: Json[]; childRelationships: Json[]; recordTypeInfos: Json[] };
    for (const key of [
      ...GLOBAL_KEYS,
      'fields',
      'childRelationships',
      'recordTypeInfos',
      'actionOverrides',
      'namedLayoutInfos',
      'supportedScopes',
      'compactLayoutable',
      'listviewable',
      'lookupLayoutable',
      'searchLayoutable',
      'networkScopeFieldName',
    ]) {
      expect(d).toHaveProperty(key);
    }
    for (const f of d.fields) for (const key of FIELD_KEYS) expect(f).toHaveProperty(key);
    const accountId = d.fields.find((f) => f['name'] === 'AccountId');
    expect(accountId).toMatchObject({
      type: 'reference',
      soapType: 'tns:ID',
      referenceTo: ['Account'],
      relationshipName: 'Account',
      byteLength: 18,
    });
    const lastName = d.fields.find((f) => f['name'] === 'LastName');
    expect(lastName).toMatchObject({
      type: 'string',
      soapType: 'xsd:string',
      nillable: false,
      byteLength: (lastName?.['length'] as number) * 3,
    });
    expect(
      d.recordTypeInfos.some((r) => r['master'] === true && r['recordTypeId'] === '012000000000000AAA'),
    ).toBe(true);
    const account = (await api('GET', '/sobjects/Account/describe')).json as { childRelationships: Json[] };
    expect(account.childRelationships).toContainEqual(
      objectLike({
        childSObject: 'Contact',
        field: 'AccountId',
        relationshipName: 'Contacts',
        junctionIdListNames: [],
      }),
    );
  });

  it('serves basic info and 404s unknown types', async () => {
    const basic = await api('GET', '/sobjects/Account');
    expect(basic.json).toMatchObject({
      objectDescribe: { name: 'Account', keyPrefix: '001' },
      recentItems: [],
    });
    const unknown = await api('GET', '/sobjects/Nope__c/describe');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
  });
});
