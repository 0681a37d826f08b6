/**
 * Describe rendering (§2.2). Every key a real org sends is emitted, with `null`/`false`/`0` where
 * it does not apply, because clients index describe results blindly. Properties the schema model
 * does not carry (soapType, byteLength, ...) are derived from the field type the way Salesforce
 * derives them.
 */
import type { OrgApi, SchemaApi } from '../org/types.js';
import type { FieldDef, FieldType, ObjectDef } from '../schema/types.js';

const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  picklist: 'xsd:string',
  multipicklist: 'xsd:string',
  combobox: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  encryptedstring: 'xsd:string',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  long: 'xsd:long',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  time: 'xsd:time',
  base64: 'xsd:base64Binary',
  address: 'urn:address',
  location: 'urn:location',
};

const TEXT_TYPES = new Set<FieldType>([
  'string',
  'textarea',
  'picklist',
  'multipicklist',
  'combobox',
  'email',
  'phone',
  'url',
  'encryptedstring',
]);

/** Long text, multi-select picklists and compound fields cannot be aggregated (or grouped). */
const NOT_AGGREGATABLE = new Set<FieldType>([
  'textarea',
  'multipicklist',
  'address',
  'location',
  'base64',
  'encryptedstring',
]);

/** Salesforce stores text as UTF-8 with up to 3 bytes per character; ids are ASCII. */
function byteLength(f: FieldDef): number {
  if (f.type === 'id' || f.type === 'reference') return 18;
  if (TEXT_TYPES.has(f.type)) return f.length * 3;
  return 0;
}

function extraTypeInfo(f: FieldDef): string | null {
  return f.type === 'textarea' ? 'plaintextarea' : null;
}

export function describeField(f: FieldDef): Record<string, unknown> {
  const polymorphic = f.referenceTo.length > 1;
  const defaultValue =
    f.defaultValue !== null && typeof f.defaultValue === 'object' ? null : (f.defaultValue ?? null);
  return {
    aggregatable: !NOT_AGGREGATABLE.has(f.type),
    aiPredictionField: false,
    autoNumber: f.autoNumber,
    byteLength: byteLength(f),
    calculated: f.calculated,
    calculatedFormula: f.formula,
    cascadeDelete: f.cascadeDelete,
    caseSensitive: f.caseSensitive,
    compoundFieldName: f.compoundFieldName,
    controllerName: null,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.type === 'boolean' && defaultValue === null ? false : defaultValue,
    defaultValueFormula: null,
    defaultedOnCreate: f.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.digits,
    displayLocationInDecimal: false,
    encrypted: f.type === 'encryptedstring',
    externalId: f.externalId,
    extraTypeInfo: extraTypeInfo(f),
    filterable: f.filterable,
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: f.groupable,
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: f.idLookup,
    inlineHelpText: null,
    label: f.label,
    length: f.length,
    mask: null,
    maskType: null,
    name: f.name,
    nameField: f.nameField,
    namePointing: polymorphic,
    nillable: f.nillable,
    permissionable: f.custom && f.nillable && !f.calculated,
    picklistValues: f.picklistValues.map((value) => ({
      active: true,
      defaultValue: value === f.defaultValue,
      label: value,
      validFor: null,
      value,
    })),
    polymorphicForeignKey: polymorphic,
    precision: f.precision,
    queryByDistance: f.type === 'location',
    referenceTargetField: null,
    referenceTo: [...f.referenceTo],
    relationshipName: f.relationshipName,
    relationshipOrder: null,
    restrictedDelete: false,
    restrictedPicklist: f.restrictedPicklist,
    scale: f.scale,
    searchPrefilterable: false,
    soapType: SOAP_TYPES[f.type],
    sortable: f.sortable,
    type: f.type,
    unique: f.unique,
    updateable: f.updateable,
    writeRequiresMasterRead: false,
  };
}

function base(version: string, o: ObjectDef): string {
  return `/services/data/v${version}/sobjects/${o.name}`;
}

/** One entry of `GET /sobjects` (DescribeGlobalSObjectResult). */
export function describeGlobalEntry(o: ObjectDef, version: string): Record<string, unknown> {
  const url = base(version, o);
  return {
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    createable: o.createable,
    custom: o.custom,
    customSetting: false,
    deepCloneable: false,
    deletable: o.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: o.keyPrefix,
    label: o.label,
    labelPlural: o.labelPlural,
    layoutable: true,
    mergeable: ['Account', 'Contact', 'Lead'].includes(o.name),
    mruEnabled: true,
    name: o.name,
    queryable: o.queryable,
    replicateable: o.replicateable,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: o.undeletable,
    updateable: o.updateable,
    urls: { rowTemplate: `${url}/{ID}`, describe: `${url}/describe`, sobject: url },
  };
}

const MASTER_RECORD_TYPE_ID = '012000000000000AAA';

interface RecordTypeRow {
  id: string;
  name: string;
  developerName: string;
  active: boolean;
}

/** The object's record types from the org's RecordType rows; none when RecordType is not modelled. */
function recordTypesOf(org: OrgApi, o: ObjectDef): RecordTypeRow[] {
  if (!o.fieldIndex.has('recordtypeid')) return [];
  try {
    const q = org.compile(
      `SELECT Id, Name, DeveloperName, IsActive FROM RecordType WHERE SobjectType = '${o.name}' ORDER BY Name`,
    );
    const cursor = org.openCursor(q, { scanAll: false });
    const text = (v: unknown): string => (typeof v === 'string' ? v : '');
    return cursor.page(0, Math.min(cursor.totalSize, 200)).map((row) => ({
      id: text(row['Id']),
      name: text(row['Name']),
      developerName: text(row['DeveloperName']),
      active: row['IsActive'] !== false,
    }));
  } catch {
    return [];
  }
}

function recordTypeInfos(org: OrgApi, o: ObjectDef, version: string): Array<Record<string, unknown>> {
  const url = base(version, o);
  const types = recordTypesOf(org, o);
  const info = (
    id: string,
    name: string,
    dev: string,
    master: boolean,
    available: boolean,
    isDefault: boolean,
  ) => ({
    active: true,
    available,
    defaultRecordTypeMapping: isDefault,
    developerName: dev,
    master,
    name,
    recordTypeId: id,
    urls: { layout: `${url}/describe/layouts/${id}` },
  });
  const custom = types.map((t, i) => ({
    ...info(t.id, t.name, t.developerName, false, t.active, i === 0),
    active: t.active,
  }));
  return [
    ...custom,
    info(MASTER_RECORD_TYPE_ID, 'Master', 'Master', true, custom.length === 0, custom.length === 0),
  ];
}

export function childRelationshipsOf(schema: SchemaApi, o: ObjectDef): Array<Record<string, unknown>> {
  return schema.childRelationships(o.name).map((c) => ({
    cascadeDelete: c.cascadeDelete,
    childSObject: c.childSObject,
    deprecatedAndHidden: false,
    field: c.field,
    junctionIdListNames: [],
    junctionReferenceTo: [],
    relationshipName: c.relationshipName,
    restrictedDelete: c.restrictedDelete,
  }));
}

/** `GET /sobjects/{T}/describe` (DescribeSObjectResult). */
export function describeObject(org: OrgApi, o: ObjectDef, version: string): Record<string, unknown> {
  const url = base(version, o);
  const global = describeGlobalEntry(o, version);
  return {
    actionOverrides: [],
    ...global,
    childRelationships: childRelationshipsOf(org.schema, o),
    compactLayoutable: true,
    defaultImplementation: null,
    extendedBy: null,
    extendsInterfaces: null,
    fields: o.fields.map(describeField),
    idEnabled: true,
    implementedBy: null,
    implementsInterfaces: null,
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: recordTypeInfos(org, o, version),
    searchLayoutable: true,
    sobjectDescribeOption: 'FULL',
    supportedScopes: [
      { label: 'All records', name: 'everything' },
      { label: 'My records', name: 'mine' },
    ],
    urls: {
      compactLayouts: `${url}/describe/compactLayouts`,
      rowTemplate: `${url}/{ID}`,
      approvalLayouts: `${url}/describe/approvalLayouts`,
      uiDetailTemplate: null,
      uiEditTemplate: null,
      defaultValues: `${url}/defaultValues?recordTypeId&fields`,
      listviews: `${url}/listviews`,
      describe: `${url}/describe`,
      uiNewRecord: null,
      quickActions: `${url}/quickActions`,
      layouts: `${url}/describe/layouts`,
      sobject: url,
    },
  };
}
