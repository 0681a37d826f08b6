/**
 * The deterministic seed org: `demo` (a few thousand related records) or `--records N` (N Accounts,
 * 2N Contacts, N Opportunities). Every value is a function of the record's position and the
 * random seed, so the same options always give the same org (timestamps are relative to the org's
 * epoch, which the state file keeps).
 */
import { OPPORTUNITY_STAGES } from '../schema/standard-objects.js';
import { makeId } from '../org/ids.js';
import { lazyRowFactory, mix, pick, type BaseData, type FieldFn } from './base-data.js';

export interface SeedOptions {
  seed: 'demo' | 'none';
  records?: number | undefined;
  randomSeed: number;
  /** Start of the org's life (ms); seed timestamps fall in the 30 days before it. */
  epochMs: number;
  adminUsername: string;
}

const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Katherine',
  'Linus',
  'Margaret',
  'Dennis',
  'Barbara',
  'Ken',
  'Frances',
  'Edsger',
  'Radia',
  'Tim',
  'Hedy',
  'John',
  'Sophie',
  'Niklaus',
  'Anita',
  'Bjarne',
  'Shafi',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Johnson',
  'Torvalds',
  'Hamilton',
  'Ritchie',
  'Liskov',
  'Thompson',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Berners-Lee',
  'Lamarr',
  'Backus',
  'Wilson',
  'Wirth',
  'Borg',
  'Stroustrup',
  'Goldwasser',
];
const WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Hooli',
  'Vandelay',
  'Wonka',
  'Gringotts',
  'Oscorp',
  'Aperture',
  'Massive',
  'Dynamic',
  'Blue Sky',
  'Northwind',
  'Contoso',
];
const SUFFIX = ['Inc.', 'LLC', 'Ltd.', 'GmbH', 'S.A.', 'Corp.', 'Group', 'Holdings'];
const CITIES: ReadonlyArray<readonly [string, string, string, number, number]> = [
  ['San Francisco', 'CA', '94105', 37.79, -122.39],
  ['New York', 'NY', '10001', 40.75, -73.99],
  ['Austin', 'TX', '73301', 30.27, -97.74],
  ['Chicago', 'IL', '60601', 41.88, -87.62],
  ['Seattle', 'WA', '98101', 47.61, -122.33],
  ['Boston', 'MA', '02108', 42.36, -71.06],
  ['Denver', 'CO', '80202', 39.74, -104.99],
  ['Atlanta', 'GA', '30303', 33.75, -84.39],
];
const STREETS = [
  'Market St',
  'Main St',
  'Broadway',
  'Elm St',
  'Oak Ave',
  'Pine St',
  'Lake Shore Dr',
  'Congress Ave',
];
const INDUSTRIES = [
  'Banking',
  'Biotechnology',
  'Consulting',
  'Education',
  'Energy',
  'Finance',
  'Healthcare',
  'Manufacturing',
  'Media',
  'Retail',
  'Technology',
  'Transportation',
];
const DAY = 86_400_000;

/**
 * Values that do not identify the record come from pools of strings built once: at a million rows,
 * building (and regex-cleaning) several strings per row costs more than serialising them.
 * JSON round-tripping makes each pooled string flat, so serialisers never have to flatten it.
 */
function pool(size: number, make: (k: number) => string): readonly string[] {
  return Array.from({ length: size }, (_, k) => JSON.parse(JSON.stringify(make(k))) as string);
}
const POOL = 4096;
const PHONES = pool(POOL, (k) => `(555) ${pad(mix(k, 11) % 1000, 3)}-${pad(mix(k, 12) % 10000, 4)}`);
const FAXES = pool(1000, (k) => `(555) ${pad(k, 3)}-0000`);
const SICS = pool(POOL, (k) => pad(mix(k, 15) % 9999, 4));
const STREET_ADDRESSES = pool(
  POOL,
  (k) => `${(mix(k, 2) % 9000) + 100} ${STREETS[mix(k, 3) % STREETS.length]!}`,
);
const WEB_PREFIX = pool(WORDS.length, (k) => `https://www.${WORDS[k]!.toLowerCase().replace(/ /g, '')}`);
const TICKERS = pool(WORDS.length, (k) => WORDS[k]!.slice(0, 4).toUpperCase());
const EMAIL_PREFIX = pool(
  FIRST.length * LAST.length,
  (k) =>
    `${FIRST[k % FIRST.length]!.toLowerCase()}.${LAST[Math.floor(k / FIRST.length)]!.toLowerCase().replace(/[^a-z]/g, '')}`,
);
const DESCRIPTIONS = pool(
  4,
  (k) =>
    [
      'Seeded account.\nSecond line, with "quotes", commas; and tabs\tinside.',
      'Key customer — renewal due; see notes: "priority".',
      'Partner since 2019, ünïcödé and emoji ✓',
      'Plain description',
    ][k]!,
);

/** Names of the seeded users; user 1 is the admin the emulator logs in as. */
export const USER_COUNT = 5;

const TWO = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));

/** `YYYY-MM-DDTHH:mm:ss.000Z` from the cached day string: toISOString per row is a hot spot at a million rows. */
function iso(ms: number): string {
  const day = Math.floor(ms / DAY);
  let rest = Math.floor((ms - day * DAY) / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  return `${dayString(day * DAY)}T${TWO[h]!}:${TWO[m]!}:${TWO[rest - m * 60]!}.000Z`;
}

/** `YYYY-MM-DD` of day `day` (days since 1970), cached: seeded dates repeat across rows. */
const dayStrings = new Map<number, string>();
function dayString(ms: number): string {
  const day = Math.floor(ms / DAY);
  let s = dayStrings.get(day);
  if (s === undefined) {
    s = new Date(day * DAY).toISOString().slice(0, 10);
    dayStrings.set(day, s);
  }
  return s;
}

/** Shared timestamp plan: modstamps non-decreasing in position, several records per second. */
function timeline(
  count: number,
  epochMs: number,
): { modstamp: (i: number) => string; created: (i: number) => string } {
  const start = epochMs - 30 * DAY;
  const span = 20 * DAY;
  const step =
    count > 0 ? Math.max(1000, Math.floor(span / Math.max(1, Math.ceil(count / 3)) / 1000) * 1000) : 1000;
  let cacheKey = -1;
  let cacheVal = '';
  const modMs = (i: number): number => start + Math.floor(i / 3) * step;
  const modstamp = (i: number): string => {
    const key = Math.floor(i / 3);
    if (key !== cacheKey) {
      cacheKey = key;
      cacheVal = iso(modMs(i));
    }
    return cacheVal;
  };
  return {
    modstamp,
    // Seed records were never edited after they were created.
    created: (i) => modstamp(i),
  };
}

function audit(
  prefix: string,
  count: number,
  epochMs: number,
  userId: (i: number) => string,
): { fields: Record<string, FieldFn>; modstamp: (i: number) => string } {
  const t = timeline(count, epochMs);
  return {
    modstamp: t.modstamp,
    fields: {
      Id: (i) => makeId(prefix, i),
      IsDeleted: () => false,
      CreatedDate: t.created,
      CreatedById: userId,
      LastModifiedDate: t.modstamp,
      LastModifiedById: userId,
      SystemModstamp: t.modstamp,
    },
  };
}

function data(
  count: number,
  prefix: string,
  epochMs: number,
  fields: Record<string, FieldFn>,
  extra: Partial<BaseData> = {},
): BaseData {
  const owner = (i: number): string => makeId('005', (mix(i, 5) % USER_COUNT) + 1);
  const a = audit(prefix, count, epochMs, owner);
  const all: Record<string, FieldFn> = { ...a.fields, ...fields };
  if (
    !('OwnerId' in fields) &&
    prefix !== '005' &&
    prefix !== '00D' &&
    prefix !== '012' &&
    !prefix.startsWith('a')
  )
    all.OwnerId = owner;
  return { count, row: lazyRowFactory(all), modstamp: a.modstamp, ...extra };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function parentOf(i: number, per: number): number {
  return Math.floor((i - 1) / per) + 1;
}

function childRangeFor(field: string, per: number, parentCount: number) {
  return (f: string, parent: number): readonly [number, number] | undefined =>
    f === field && parent >= 1 && parent <= parentCount ? [(parent - 1) * per + 1, parent * per] : undefined;
}

function address(prefix: string, salt: number, nullEvery = 0): Record<string, FieldFn> {
  const city = (i: number) => CITIES[mix(i, salt) % CITIES.length]!;
  const blank = (i: number) => nullEvery > 0 && mix(i, salt + 1) % nullEvery === 0;
  return {
    [`${prefix}Street`]: (i) => (blank(i) ? null : pick(STREET_ADDRESSES, i, salt + 2)),
    [`${prefix}City`]: (i) => (blank(i) ? null : city(i)[0]),
    [`${prefix}State`]: (i) => (blank(i) ? null : city(i)[1]),
    [`${prefix}PostalCode`]: (i) => (blank(i) ? null : city(i)[2]),
    [`${prefix}Country`]: (i) => (blank(i) ? null : 'USA'),
    [`${prefix}Latitude`]: (i) => (blank(i) ? null : city(i)[3]),
    [`${prefix}Longitude`]: (i) => (blank(i) ? null : city(i)[4]),
  };
}

export interface SeedPlan {
  readonly data: ReadonlyMap<string, BaseData>;
}

export function seedPlan(options: SeedOptions): SeedPlan {
  const { epochMs } = options;
  const s = options.randomSeed;
  const map = new Map<string, BaseData>();
  const userId = (i: number) => makeId('005', i);
  const admin = () => userId(1);

  map.set(
    'Organization',
    data(1, '00D', epochMs, {
      Name: () => 'Ferry Emulated Org',
      InstanceName: () => 'EMU1',
      IsSandbox: () => false,
      TrialExpirationDate: () => null,
      NamespacePrefix: () => null,
      OrganizationType: () => 'Developer Edition',
      OwnerId: admin,
      CreatedById: admin,
      LastModifiedById: admin,
    }),
  );
  map.set(
    'User',
    data(
      USER_COUNT,
      '005',
      epochMs,
      {
        Username: (i) => (i === 1 ? options.adminUsername : `user${i}@ferry.test`),
        FirstName: (i) => (i === 1 ? 'Ada' : FIRST[(i * 3) % FIRST.length]!),
        LastName: (i) => (i === 1 ? 'Admin' : LAST[(i * 7) % LAST.length]!),
        Email: (i) => (i === 1 ? options.adminUsername : `user${i}@ferry.test`),
        Alias: (i) => `user${i}`,
        IsActive: () => true,
        TimeZoneSidKey: () => 'GMT',
        CreatedById: admin,
        LastModifiedById: admin,
      },
      {
        findUnique: (f, v) =>
          f === 'Username'
            ? v === options.adminUsername
              ? 1
              : /^user(\d+)@ferry\.test$/.exec(v)
                ? Number(/^user(\d+)/.exec(v)![1])
                : undefined
            : undefined,
      },
    ),
  );
  map.set(
    'RecordType',
    data(2, '012', epochMs, {
      Name: (i) => (i === 1 ? 'Customer' : 'Partner'),
      DeveloperName: (i) => (i === 1 ? 'Customer' : 'Partner'),
      SobjectType: () => 'Account',
      IsActive: () => true,
      Description: () => null,
      CreatedById: admin,
      LastModifiedById: admin,
    }),
  );
  if (options.seed === 'none' && !options.records) return { data: map };

  const accounts = options.records ?? 500;
  const contactsPer = options.records ? 2 : 3;
  const oppsPer = options.records ? 1 : 2;
  const demo = !options.records;
  const acctName = (i: number) =>
    `${pick(WORDS, i, s + 1)} ${pick(WORDS, i, s + 2)} ${pick(SUFFIX, i, s + 3)} ${i}`;

  map.set(
    'Account',
    data(accounts, '001', epochMs, {
      Name: acctName,
      AccountNumber: (i) => `ACC-${pad(i, 8)}`,
      Type: (i) =>
        pick(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Partner', 'Other'], i, s + 4),
      Industry: (i) => pick(INDUSTRIES, i, s + 5),
      Rating: (i) => (mix(i, s + 6) % 4 === 0 ? null : pick(['Hot', 'Warm', 'Cold'], i, s + 7)),
      Ownership: (i) => pick(['Public', 'Private', 'Subsidiary', 'Other'], i, s + 8),
      AnnualRevenue: (i) => (mix(i, s + 9) % 50) * 250_000,
      NumberOfEmployees: (i) => (mix(i, s + 10) % 5000) + 1,
      Phone: (i) => pick(PHONES, i, s + 11),
      Fax: (i) => (mix(i, s + 13) % 3 === 0 ? pick(FAXES, i, s + 14) : null),
      Website: (i) => `${WEB_PREFIX[mix(i, s + 1) % WORDS.length]!}${i}.example.com`,
      Sic: (i) => pick(SICS, i, s + 15),
      TickerSymbol: (i) => (mix(i, s + 16) % 5 === 0 ? pick(TICKERS, i, s + 17) : null),
      Description: (i) => (mix(i, s + 18) % 2 === 0 ? pick(DESCRIPTIONS, i, s + 19) : null),
      ParentId: (i) =>
        i > 10 && mix(i, s + 19) % 20 === 0 ? makeId('001', (mix(i, s + 20) % (i - 1)) + 1) : null,
      RecordTypeId: (i) => makeId('012', (mix(i, s + 21) % 2) + 1),
      ...address('Billing', s + 30),
      ...address('Shipping', s + 40, 3),
      Active__c: (i) => pick(['Yes', 'No'], i, s + 22),
      CustomerPriority__c: (i) => pick(['High', 'Medium', 'Low'], i, s + 23),
      SLA__c: (i) => pick(['Gold', 'Silver', 'Platinum', 'Bronze'], i, s + 24),
      SLAExpirationDate__c: (i) => dayString(epochMs + ((mix(i, s + 25) % 700) - 200) * DAY),
      NumberofLocations__c: (i) => mix(i, s + 26) % 100,
      Tier__c: (i) =>
        mix(i, s + 27) % 3 === 0
          ? 'Enterprise;Strategic'
          : pick(['Mid-Market', 'SMB', 'Enterprise'], i, s + 28),
      Ferry_Id__c: () => null,
    }),
  );

  const contacts = accounts * contactsPer;
  map.set(
    'Contact',
    data(
      contacts,
      '003',
      epochMs,
      {
        AccountId: (i) => makeId('001', parentOf(i, contactsPer)),
        Salutation: (i) => pick(['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.'], i, s + 50),
        FirstName: (i) => pick(FIRST, i, s + 51),
        LastName: (i) => pick(LAST, i, s + 52),
        Title: (i) => pick(['CEO', 'CTO', 'VP Sales', 'Engineer', 'Buyer', 'Analyst'], i, s + 53),
        Department: (i) => pick(['Engineering', 'Sales', 'Finance', 'Operations'], i, s + 54),
        Email: (i) =>
          `${EMAIL_PREFIX[(mix(i, s + 51) % FIRST.length) + (mix(i, s + 52) % LAST.length) * FIRST.length]!}${i}@example.com`,
        Phone: (i) => pick(PHONES, i, s + 55),
        MobilePhone: (i) => (mix(i, s + 57) % 2 ? pick(PHONES, i, s + 58) : null),
        Birthdate: (i) => dayString(Date.UTC(1950, 0, 1) + (mix(i, s + 60) % 18000) * DAY),
        LeadSource: (i) =>
          pick(['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'], i, s + 61),
        HasOptedOutOfEmail: (i) => mix(i, s + 62) % 10 === 0,
        ReportsToId: (i) =>
          i % contactsPer !== 1 && contactsPer > 1
            ? makeId('003', (parentOf(i, contactsPer) - 1) * contactsPer + 1)
            : null,
        Description: (i) => (mix(i, s + 63) % 4 === 0 ? 'Met at the conference; prefers email.' : null),
        ...address('Mailing', s + 70, 4),
        Languages__c: (i) => pick(['English', 'English;French', 'German', 'Spanish', null], i, s + 64),
        Level__c: (i) => pick(['Primary', 'Secondary', 'Tertiary'], i, s + 65),
        Ferry_Id__c: () => null,
      },
      { childRange: childRangeFor('AccountId', contactsPer, accounts) },
    ),
  );

  const opps = accounts * oppsPer;
  map.set(
    'Opportunity',
    data(
      opps,
      '006',
      epochMs,
      {
        AccountId: (i) => makeId('001', parentOf(i, oppsPer)),
        Name: (i) => `${pick(WORDS, parentOf(i, oppsPer), s + 1)} deal ${i}`,
        Description: () => null,
        StageName: (i) => pick(OPPORTUNITY_STAGES, i, s + 80),
        Amount: (i) => (mix(i, s + 81) % 100_000) * 10 + (mix(i, s + 82) % 100) / 100,
        Probability: (i) => (mix(i, s + 83) % 11) * 10,
        CloseDate: (i) => dayString(epochMs + ((mix(i, s + 84) % 365) - 180) * DAY),
        Type: (i) =>
          pick(['Existing Customer - Upgrade', 'Existing Customer - Replacement', 'New Customer'], i, s + 85),
        NextStep: (i) => (mix(i, s + 86) % 2 ? 'Follow up call' : null),
        LeadSource: (i) => pick(['Web', 'Phone Inquiry', 'Partner Referral', 'Other'], i, s + 87),
        TrackingNumber__c: (i) => `TRK${pad(i, 9)}`,
        Ferry_Id__c: () => null,
      },
      { childRange: childRangeFor('AccountId', oppsPer, accounts) },
    ),
  );

  if (!demo) return { data: map };

  map.set(
    'Lead',
    data(300, '00Q', epochMs, {
      FirstName: (i) => pick(FIRST, i, s + 90),
      LastName: (i) => pick(LAST, i, s + 91),
      Company: (i) => `${pick(WORDS, i, s + 92)} ${pick(SUFFIX, i, s + 93)}`,
      Title: () => null,
      Email: (i) => `lead${i}@example.org`,
      Phone: () => null,
      Status: (i) =>
        pick(['Open - Not Contacted', 'Working - Contacted', 'Closed - Not Converted'], i, s + 94),
      LeadSource: (i) => pick(['Web', 'Other'], i, s + 95),
      Industry: (i) => pick(INDUSTRIES, i, s + 96),
      Rating: () => null,
      AnnualRevenue: () => null,
      NumberOfEmployees: () => null,
      IsConverted: () => false,
      ...address('', s + 97, 2),
      Ferry_Id__c: () => null,
    }),
  );
  map.set(
    'Case',
    data(250, '500', epochMs, {
      CaseNumber: (i) => pad(i, 8),
      AccountId: (i) => makeId('001', i * 2 - 1 <= accounts ? i * 2 - 1 : 1),
      ContactId: (i) => makeId('003', (Math.min(i * 2 - 1, accounts) - 1) * contactsPer + 1),
      Subject: (i) => `Problem #${i}`,
      Description: () => null,
      Status: (i) => pick(['New', 'Working', 'Escalated', 'Closed'], i, s + 100),
      Priority: (i) => pick(['High', 'Medium', 'Low'], i, s + 101),
      Origin: (i) => pick(['Phone', 'Email', 'Web'], i, s + 102),
      Ferry_Id__c: () => null,
    }),
  );
  map.set(
    'Task',
    data(500, '00T', epochMs, {
      Subject: (i) => pick(['Call', 'Send Letter', 'Send Quote', 'Other'], i, s + 110),
      ActivityDate: (i) => dayString(epochMs - (mix(i, s + 111) % 730) * DAY),
      Status: (i) => pick(['Not Started', 'In Progress', 'Completed'], i, s + 112),
      Priority: (i) => pick(['High', 'Normal', 'Low'], i, s + 113),
      WhoId: (i) => makeId('003', ((i - 1) % contacts) + 1),
      WhatId: (i) => makeId('001', ((i - 1) % accounts) + 1),
      Description: () => null,
    }),
  );
  map.set(
    'Event',
    data(200, '00U', epochMs, {
      Subject: (i) => pick(['Call', 'Meeting', 'Email'], i, s + 120),
      StartDateTime: (i) => iso(epochMs - (mix(i, s + 121) % 500) * DAY),
      EndDateTime: (i) => iso(epochMs - (mix(i, s + 121) % 500) * DAY + 3_600_000),
      DurationInMinutes: () => 60,
      ActivityDate: (i) => iso(epochMs - (mix(i, s + 121) % 500) * DAY).slice(0, 10),
      Location: (i) => pick(['Zoom', 'HQ', 'Customer site'], i, s + 122),
      WhoId: (i) => makeId('003', ((i * 7 - 1) % contacts) + 1),
      WhatId: (i) => makeId('006', ((i - 1) % opps) + 1),
      Description: () => null,
    }),
  );
  const invoices = accounts * 2;
  map.set(
    'Invoice__c',
    data(
      invoices,
      'a00',
      epochMs,
      {
        Name: (i) => `INV-${pad(i, 6)}`,
        Account__c: (i) => makeId('001', parentOf(i, 2)),
        Invoice_Number__c: (i) => `INV-${pad(i, 6)}`,
        Status__c: (i) => pick(['Draft', 'Sent', 'Paid', 'Void'], i, s + 130),
        Invoice_Date__c: (i) => dayString(epochMs - (mix(i, s + 131) % 365) * DAY),
        Due_Date__c: (i) => dayString(epochMs - (mix(i, s + 131) % 365) * DAY + 30 * DAY),
        Amount__c: (i) => (mix(i, s + 132) % 1_000_000) / 100,
        Tax_Rate__c: (i) => pick([0, 5.5, 10, 20], i, s + 133),
        Paid__c: (i) => mix(i, s + 130) % 4 === 2,
        Notes__c: () => null,
        Ferry_Id__c: () => null,
      },
      {
        childRange: childRangeFor('Account__c', 2, accounts),
        findUnique: (f, v) =>
          f === 'Invoice_Number__c' &&
          /^INV-\d{6}$/.test(v) &&
          Number(v.slice(4)) >= 1 &&
          Number(v.slice(4)) <= invoices
            ? Number(v.slice(4))
            : undefined,
      },
    ),
  );
  map.set(
    'Invoice_Line__c',
    data(
      invoices * 2,
      'a01',
      epochMs,
      {
        Name: (i) => `Line ${i}`,
        Invoice__c: (i) => makeId('a00', parentOf(i, 2)),
        Product__c: (i) => pick(['Widget', 'Gadget', 'Service hours', 'Support plan'], i, s + 140),
        Quantity__c: (i) => (mix(i, s + 141) % 20) + 1,
        Unit_Price__c: (i) => (mix(i, s + 142) % 50_000) / 100,
        Ferry_Id__c: () => null,
      },
      { childRange: childRangeFor('Invoice__c', 2, invoices) },
    ),
  );
  return { data: map };
}
