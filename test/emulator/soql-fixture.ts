/**
 * A small in-memory org for the SOQL and formula compiler tests: a Catalog (User, Account, Contact,
 * Invoice__c, Task), an EvalContext with formulas, compound addresses and a fixed clock, and a
 * `run` helper that drives a compiled query the way the record store does.
 */
import { base62, to18 } from '../../src/core/sfid.js';
import type { FieldDef, FieldType, ObjectDef, Row, Value } from '../../src/emulator/schema/types.js';
import { compileSoql } from '../../src/emulator/soql/compile.js';
import { compileFormula, type CompiledFormula } from '../../src/emulator/soql/formula.js';
import type { Catalog, CompiledQuery, EvalContext } from '../../src/emulator/soql/types.js';

type Spec = Partial<FieldDef> & { name: string; type: FieldType };

export function field(spec: Spec): FieldDef {
  const compound = spec.type === 'address' || spec.type === 'location';
  return {
    label: spec.name,
    length: 0,
    precision: 0,
    scale: spec.type === 'currency' || spec.type === 'double' ? 2 : 0,
    digits: 0,
    nillable: true,
    createable: true,
    updateable: true,
    defaultedOnCreate: false,
    externalId: false,
    idLookup: spec.type === 'id',
    unique: false,
    caseSensitive: false,
    calculated: spec.formula != null,
    formula: null,
    autoNumber: false,
    referenceTo: [],
    relationshipName: null,
    cascadeDelete: false,
    picklistValues: [],
    restrictedPicklist: false,
    defaultValue: null,
    custom: spec.name.endsWith('__c'),
    nameField: false,
    compoundFieldName: null,
    components: null,
    filterable: spec.type !== 'textarea' && !compound,
    sortable: spec.type !== 'textarea' && spec.type !== 'multipicklist' && !compound,
    groupable: false,
    ...spec,
  };
}

const SYSTEM: Spec[] = [
  { name: 'IsDeleted', type: 'boolean' },
  { name: 'CreatedDate', type: 'datetime' },
  { name: 'SystemModstamp', type: 'datetime' },
];

export function object(name: string, keyPrefix: string, specs: Spec[]): ObjectDef {
  const fields = [{ name: 'Id', type: 'id' } as Spec, ...specs, ...SYSTEM].map(field);
  return {
    name,
    label: name,
    labelPlural: `${name}s`,
    keyPrefix,
    custom: name.endsWith('__c'),
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    replicateable: true,
    undeletable: true,
    bulkQueryable: true,
    fields,
    fieldIndex: new Map(fields.map((f) => [f.name.toLowerCase(), f])),
    relationshipIndex: new Map(
      fields.filter((f) => f.relationshipName !== null).map((f) => [f.relationshipName!.toLowerCase(), f]),
    ),
  };
}

const ADDRESS_COMPONENTS = { street: 'BillingStreet', city: 'BillingCity', postalCode: 'BillingPostalCode' };

export function makeCatalog(extra: { account?: Spec[] } = {}): Catalog & { objects: Map<string, ObjectDef> } {
  const objects = new Map<string, ObjectDef>();
  const add = (o: ObjectDef): void => void objects.set(o.name.toLowerCase(), o);
  add(
    object('User', '005', [
      { name: 'Name', type: 'string' },
      { name: 'Alias', type: 'string' },
      { name: 'ManagerId', type: 'reference', referenceTo: ['User'], relationshipName: 'Manager' },
    ]),
  );
  add(
    object('Account', '001', [
      { name: 'Name', type: 'string', nameField: true },
      { name: 'Industry', type: 'picklist' },
      { name: 'AnnualRevenue', type: 'currency' },
      { name: 'NumberOfEmployees', type: 'int' },
      { name: 'Tier__c', type: 'multipicklist' },
      { name: 'Active__c', type: 'boolean' },
      { name: 'LastActivityDate', type: 'date' },
      { name: 'OpensAt__c', type: 'time' },
      { name: 'Description', type: 'textarea' },
      { name: 'BillingStreet', type: 'textarea', compoundFieldName: 'BillingAddress' },
      { name: 'BillingCity', type: 'string', compoundFieldName: 'BillingAddress' },
      { name: 'BillingPostalCode', type: 'string', compoundFieldName: 'BillingAddress' },
      { name: 'BillingAddress', type: 'address', components: ADDRESS_COMPONENTS },
      { name: 'OwnerId', type: 'reference', referenceTo: ['User'], relationshipName: 'Owner' },
      { name: 'ParentId', type: 'reference', referenceTo: ['Account'], relationshipName: 'Parent' },
      { name: 'Revenue_K__c', type: 'double', formula: 'AnnualRevenue / 1000' },
      ...(extra.account ?? []),
    ]),
  );
  add(
    object('Contact', '003', [
      { name: 'FirstName', type: 'string' },
      { name: 'LastName', type: 'string' },
      { name: 'Email', type: 'email' },
      { name: 'Birthdate', type: 'date' },
      { name: 'AccountId', type: 'reference', referenceTo: ['Account'], relationshipName: 'Account' },
    ]),
  );
  add(
    object('Invoice__c', 'a01', [
      { name: 'Name', type: 'string' },
      { name: 'Ext__c', type: 'string', externalId: true, idLookup: true },
      { name: 'Amount__c', type: 'currency' },
      { name: 'Due__c', type: 'date' },
      { name: 'Account__c', type: 'reference', referenceTo: ['Account'], relationshipName: 'Account__r' },
    ]),
  );
  add(
    object('Task', '00T', [
      { name: 'Subject', type: 'string' },
      { name: 'WhatId', type: 'reference', referenceTo: ['Account', 'Invoice__c'], relationshipName: 'What' },
    ]),
  );
  return { objects, object: (name) => objects.get(name.toLowerCase()) };
}

/** 2024-05-15 is a Wednesday. */
export const NOW = new Date('2024-05-15T12:00:00.000Z');

export class MemoryOrg implements EvalContext {
  readonly records = new Map<string, { object: ObjectDef; row: Row }>();
  clock = NOW;
  private counter = 0;
  private readonly formulas = new Map<FieldDef, CompiledFormula>();

  constructor(readonly catalog: ReturnType<typeof makeCatalog> = makeCatalog()) {}

  insert(objectName: string, values: Row): string {
    const object = this.catalog.object(objectName)!;
    const id = to18(object.keyPrefix + '000' + base62(++this.counter, 9));
    const stamp = new Date(Date.UTC(2024, 0, 1) + this.counter * 60_000).toISOString();
    const row: Row = { Id: id, IsDeleted: false, CreatedDate: stamp, SystemModstamp: stamp, ...values };
    this.records.set(id, { object, row });
    return id;
  }

  rows(objectName: string): Row[] {
    return [...this.records.values()].filter((r) => r.object.name === objectName).map((r) => r.row);
  }

  value(object: ObjectDef, row: Row, f: FieldDef): Value {
    if (f.calculated) {
      let compiled = this.formulas.get(f);
      if (!compiled) {
        compiled = compileFormula(f.formula ?? 'null', object, this.catalog, f);
        this.formulas.set(f, compiled);
      }
      return compiled(row, this);
    }
    if (f.components) {
      const out: Record<string, string | number | null> = {};
      let any = false;
      for (const [k, name] of Object.entries(f.components)) {
        const v = row[name] ?? null;
        if (v !== null) any = true;
        out[k] = v as string | null;
      }
      return any ? out : null;
    }
    return row[f.name] ?? null;
  }

  record(id: string): { object: ObjectDef; row: Row } | undefined {
    return this.records.get(id);
  }

  now(): Date {
    return this.clock;
  }

  /** Runs a query the way the store does: natural Id order, WHERE, ORDER BY, OFFSET, LIMIT. */
  run(soql: string | CompiledQuery): Row[] {
    const q = typeof soql === 'string' ? compileSoql(soql, this.catalog) : soql;
    let rows = this.rows(q.object.name)
      .filter((r) => r.IsDeleted !== true)
      .sort((a, b) => ((a.Id as string) < (b.Id as string) ? -1 : 1));
    if (q.where) rows = rows.filter((r) => q.where!(r, this));
    if (q.compare) rows.sort((a, b) => q.compare!(a, b, this));
    const start = q.offset ?? 0;
    return rows.slice(start, q.limit === null ? undefined : start + q.limit);
  }

  /** The values of one field of the matching rows, in result order. */
  pluck(soql: string, fieldName = 'Name'): Value[] {
    return this.run(soql).map((r) => r[fieldName] ?? null);
  }

  compile(soql: string): CompiledQuery {
    return compileSoql(soql, this.catalog);
  }
}

/** The SoqlError (or other error) a call throws. */
export function thrown(fn: () => unknown): { errorCode?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { errorCode?: string; message: string };
  }
  throw new Error('expected an error');
}

export interface Seeded {
  org: MemoryOrg;
  ids: Record<
    'u1' | 'u2' | 'a1' | 'a2' | 'a3' | 'a4' | 'c1' | 'c2' | 'c3' | 'i1' | 'i2' | 't1' | 't2',
    string
  >;
}

/** A small dataset; today (NOW) is 2024-05-15. */
export function seed(org = new MemoryOrg()): Seeded {
  const u2 = org.insert('User', { Name: 'Bob Boss', Alias: 'bob' });
  const u1 = org.insert('User', { Name: 'Alice', Alias: 'ali', ManagerId: u2 });
  const a1 = org.insert('Account', {
    Name: 'Acme',
    Industry: 'Technology',
    AnnualRevenue: 5_000_000,
    NumberOfEmployees: 50,
    Tier__c: 'Gold;Silver',
    Active__c: true,
    LastActivityDate: '2024-05-15',
    OpensAt__c: '09:00:00.000Z',
    BillingStreet: '1 Main St',
    BillingCity: 'Paris',
    OwnerId: u1,
    CreatedDate: '2024-05-15T08:00:00.000Z',
  });
  const a2 = org.insert('Account', {
    Name: 'Globex',
    Industry: 'Energy',
    AnnualRevenue: 1_000_000,
    NumberOfEmployees: 10,
    Tier__c: 'Bronze',
    Active__c: false,
    LastActivityDate: '2024-05-14',
    OwnerId: u2,
    ParentId: a1,
    CreatedDate: '2024-05-14T23:59:59.999Z',
  });
  const a3 = org.insert('Account', {
    Name: 'initech',
    Active__c: false,
    LastActivityDate: '2024-04-20',
    CreatedDate: '2024-04-01T00:00:00.000Z',
  });
  const a4 = org.insert('Account', {
    Name: "O'Brien 100%",
    Industry: 'technology',
    AnnualRevenue: 250.5,
    NumberOfEmployees: 3,
    Tier__c: 'Silver;Gold;Platinum',
    Active__c: true,
    LastActivityDate: '2023-12-31',
    ParentId: a2,
    CreatedDate: '2023-06-01T10:00:00.000Z',
  });
  const c1 = org.insert('Contact', {
    LastName: 'Smith',
    FirstName: 'Ann',
    AccountId: a1,
    Birthdate: '1990-02-03',
  });
  const c2 = org.insert('Contact', { LastName: 'Jones', AccountId: null });
  const c3 = org.insert('Contact', { LastName: 'Brown', AccountId: a4 });
  const i1 = org.insert('Invoice__c', {
    Name: 'INV-1',
    Ext__c: 'E-1',
    Account__c: a1,
    Amount__c: 100,
    Due__c: '2024-05-20',
  });
  const i2 = org.insert('Invoice__c', { Name: 'INV-2', Ext__c: 'E-2', Account__c: null, Amount__c: 20 });
  const t1 = org.insert('Task', { Subject: 'Call', WhatId: a1 });
  const t2 = org.insert('Task', { Subject: 'Bill', WhatId: i1 });
  return { org, ids: { u1, u2, a1, a2, a3, a4, c1, c2, c3, i1, i2, t1, t2 } };
}
