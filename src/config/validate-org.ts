/**
 * `validateAgainstOrg`: the configuration checked against the org (and optionally the database):
 * credentials work, each mapped object exists, each listed field exists on it, `retention` is only
 * on activity objects, and each filter is SOQL the org accepts. All problems are collected and
 * thrown as one ConfigProblemsError, each with its fix.
 */
import { errorMessage, isFerryError, RateLimitError } from '../errors/index.js';
import type { SalesforceClient } from '../salesforce/index.js';
import { soql, SoqlFragment } from '../salesforce/soql.js';
import { nearest, throwIfProblems, type ConfigProblem } from './config-problems.js';
import type { FerryConfig } from './ferry-config.js';
import { ACTIVITY_OBJECTS, type ObjectMapping } from './object-mapping.js';

/** What validation needs of the client. */
export type OrgClient = Pick<SalesforceClient, 'connect' | 'describeGlobal' | 'describe' | 'query'>;

export interface OrgValidationOptions {
  /** Connects to the database (e.g. `SELECT 1`); a rejection becomes a problem. */
  readonly checkDatabase?: (() => Promise<void>) | undefined;
  readonly signal?: AbortSignal | undefined;
}

const FILTER_ERRORS = new Set([
  'MALFORMED_QUERY',
  'INVALID_FIELD',
  'INVALID_TYPE',
  'INVALID_QUERY_FILTER_OPERATOR',
]);

export async function validateAgainstOrg(
  config: FerryConfig,
  client: OrgClient,
  options: OrgValidationOptions = {},
): Promise<void> {
  const problems: ConfigProblem[] = [];
  for (const m of Object.values(config.objects)) {
    if (
      m.retention !== undefined &&
      !ACTIVITY_OBJECTS.some((a) => a.toLowerCase() === m.name.toLowerCase())
    ) {
      problems.push({
        path: `objects.${m.name}.retention`,
        message: `retention applies only to activity objects (${ACTIVITY_OBJECTS.join(', ')}), not ${m.name}`,
        fix: `remove retention from objects.${m.name}`,
      });
    }
  }
  const [dbProblems, orgProblems] = await Promise.all([
    checkDatabase(config, options.checkDatabase),
    checkOrg(config, client, options.signal),
  ]);
  throwIfProblems([...orgProblems, ...problems, ...dbProblems]);
}

async function checkDatabase(
  config: FerryConfig,
  check: (() => Promise<void>) | undefined,
): Promise<ConfigProblem[]> {
  if (!check) return [];
  try {
    await check();
    return [];
  } catch (err) {
    return [
      {
        path: 'database',
        message: `cannot use the database: ${errorMessage(err)}`,
        fix:
          config.database.url !== undefined
            ? 'check database.url / FERRY_DATABASE_URL, and that the server is running and accepts this user'
            : `check that embedded Postgres can start in ${config.database.dataDir}, or set FERRY_DATABASE_URL`,
      },
    ];
  }
}

/**
 * An exhausted API quota says nothing about the configuration: it is rethrown, so a sync started
 * while the daily limit is used up waits for the budget instead of exiting as misconfigured.
 */
function unlessQuota(err: unknown): void {
  if (err instanceof RateLimitError) throw err;
}

async function checkOrg(
  config: FerryConfig,
  client: OrgClient,
  signal?: AbortSignal,
): Promise<ConfigProblem[]> {
  try {
    await client.connect(signal);
  } catch (err) {
    return [
      {
        path: 'org',
        message: `cannot log in to Salesforce with the ${config.org.auth} flow: ${errorMessage(err)}`,
        fix: loginFix(config),
      },
    ];
  }
  const mappings = Object.values(config.objects);
  if (mappings.length === 0) return [];
  let names: Map<string, string>;
  try {
    const global = await client.describeGlobal(signal);
    names = new Map(global.sobjects.map((o) => [o.name.toLowerCase(), o.name]));
  } catch (err) {
    unlessQuota(err);
    return [{ path: 'objects', message: `cannot list the org’s objects: ${errorMessage(err)}` }];
  }
  const perObject = await Promise.all(mappings.map((m) => checkObject(m, names, client, signal)));
  return perObject.flat();
}

function loginFix(config: FerryConfig): string {
  switch (config.org.auth) {
    case 'password':
      return 'check org.username (FERRY_SF_USERNAME), the password and security token (FERRY_SF_PASSWORD, FERRY_SF_SECURITY_TOKEN), the connected app (FERRY_SF_CLIENT_ID, FERRY_SF_CLIENT_SECRET) and org.loginUrl';
    case 'refresh_token':
      return 'check the refresh token (FERRY_SF_REFRESH_TOKEN) and the connected app (FERRY_SF_CLIENT_ID); obtain a new token if it was revoked';
    case 'client_credentials':
      return 'check FERRY_SF_CLIENT_ID / FERRY_SF_CLIENT_SECRET and that the connected app has a run-as user';
    case 'jwt':
      return 'check org.username, FERRY_SF_CLIENT_ID, the key in FERRY_SF_PRIVATE_KEY_FILE and that the user is pre-authorized for the app';
    case 'access_token':
      return 'the session id in FERRY_SF_ACCESS_TOKEN is wrong or expired; obtain a new one, and check org.instanceUrl';
  }
}

async function checkObject(
  m: ObjectMapping,
  names: Map<string, string>,
  client: OrgClient,
  signal?: AbortSignal,
): Promise<ConfigProblem[]> {
  const path = `objects.${m.name}`;
  const actual = names.get(m.name.toLowerCase());
  if (actual === undefined) {
    const near = nearest(m.name, names.values());
    return [
      {
        path,
        message: `the org has no object ${m.name}`,
        fix:
          near !== undefined
            ? `did you mean ${near}?`
            : 'check the API name (custom objects end in __c) and that the user can see it',
      },
    ];
  }
  const problems: ConfigProblem[] = [];
  if (m.fields !== 'all') {
    try {
      const described = await client.describe(actual, signal);
      const fields = new Set(described.fields.map((f) => f.name.toLowerCase()));
      for (const field of m.fields) {
        if (fields.has(field.toLowerCase())) continue;
        const near = nearest(
          field,
          described.fields.map((f) => f.name),
        );
        problems.push({
          path: `${path}.fields`,
          message: `${actual} has no field ${field}`,
          fix:
            near !== undefined
              ? `did you mean ${near}?`
              : `remove it, or check field-level security for the user`,
        });
      }
    } catch (err) {
      unlessQuota(err);
      problems.push({ path, message: `cannot describe ${actual}: ${errorMessage(err)}` });
    }
  }
  if (m.filter !== undefined) {
    // The filter is, by definition, SOQL the user wrote; it is parenthesized and checked by the org.
    const query = soql
      .select(['Id'])
      .from(actual)
      .where(SoqlFragment.unsafeRaw(`(${m.filter})`))
      .limit(1);
    try {
      for await (const page of client.query(query, { signal }).pages()) {
        void page;
        break;
      }
    } catch (err) {
      unlessQuota(err);
      const known = isFerryError(err) && err.code !== undefined && FILTER_ERRORS.has(err.code);
      problems.push({
        path: `${path}.filter`,
        message: `${known ? 'Salesforce rejects' : 'cannot check'} the filter ${JSON.stringify(m.filter)} on ${actual}: ${errorMessage(err)}`,
        fix: known
          ? "write a SOQL WHERE condition without the WHERE keyword, using the object's field API names, e.g. Industry = 'Energy'"
          : undefined,
      });
    }
  }
  return problems;
}
