/**
 * The whole configuration: ferry.config.yaml (optional), then env (`FERRY_…`), then flags, over the
 * defaults of each option table. Every problem is collected and thrown as one ConfigProblemsError;
 * the result is deeply frozen. `redactConfig` gives the copy that may be printed.
 */
import { redact } from '../log/redact.js';
import type { SalesforceClientOptions } from '../salesforce/index.js';
import { redactUrl } from '../store/database-url.js';
import { ConfigError } from '../errors/index.js';
import { loadConfigFile, type ConfigFileContent } from './config-file.js';
import { problemsOf, throwIfProblems, type ConfigProblem } from './config-problems.js';
import { DATABASE_OPTIONS, type DatabaseOptions } from './database-options.js';
import { formatDuration } from './duration.js';
import {
  CONFIG_FILE_OPTIONS,
  MIRROR_OPTIONS,
  SELECTION_OPTIONS,
  type MirrorOptions,
  type SelectionOptions,
} from './mirror-options.js';
import { defaultMapping, OBJECT_NAME, parseObjectMapping, type ObjectMapping } from './object-mapping.js';
import { redactOptions, resolveOptions, type OptionTable } from './option-table.js';
import { authOptionsFor, ORG_OPTIONS, type OrgOptions } from './org-options.js';
import { WRITE_DURATION_KEYS, WRITE_OPTIONS, type WriteOptions } from './write-options.js';

export interface FerryConfig {
  /** The file the settings were read from, if any. */
  readonly file: string | undefined;
  readonly org: OrgOptions;
  readonly database: DatabaseOptions;
  readonly mirror: MirrorOptions;
  /** Write-back (Postgres → Salesforce) of read-write mappings. */
  readonly writes: WriteOptions;
  /** Mapped objects by API name, in the order given. */
  readonly objects: Readonly<Record<string, ObjectMapping>>;
}

export type EnvSource = Readonly<Record<string, string | undefined>>;

export interface ConfigSources {
  /** Path of ferry.config.yaml; omitted = no file. */
  readonly file?: string | undefined;
  /** When false, a missing `file` is not a problem (the default location). Default true. */
  readonly fileRequired?: boolean | undefined;
  /** Parsed flags keyed by Commander's attribute name (`--sf-login-url` → `sfLoginUrl`). */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** Default: process.env. */
  readonly env?: EnvSource;
}

/** Commander's attribute name for a flag: `--poll-interval <d>` → `pollInterval`. */
export function flagAttribute(flag: string): string {
  const long = flag.split(/[ ,]/).find((p) => p.startsWith('--')) ?? flag;
  return long.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Flags of one table keyed by option name, from Commander's parsed options. */
function flagsFor(table: OptionTable, flags: Readonly<Record<string, unknown>> | undefined) {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    if (spec.flag && flags) out[key] = flags[flagAttribute(spec.flag)];
  }
  return out;
}

/** Every option table whose flags a command accepts to build a FerryConfig. */
export const CONFIG_FLAG_TABLES: readonly OptionTable[] = [
  CONFIG_FILE_OPTIONS,
  ORG_OPTIONS,
  DATABASE_OPTIONS,
  MIRROR_OPTIONS,
  WRITE_OPTIONS,
  SELECTION_OPTIONS,
];

/** Which config file to read: `--config`, FERRY_CONFIG, or ferry.config.yaml when it exists. */
export function configFileFrom(
  flags: Readonly<Record<string, unknown>> | undefined,
  env: EnvSource = process.env,
): { file: string; fileRequired: boolean } {
  const given = flags?.config ?? env[CONFIG_FILE_OPTIONS.config.env];
  return typeof given === 'string' && given !== ''
    ? { file: given, fileRequired: true }
    : { file: CONFIG_FILE_OPTIONS.config.default, fileRequired: false };
}

function area<T>(problems: ConfigProblem[], path: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      problems.push(...problemsOf(err, path));
      return undefined;
    }
    throw err;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function resolveConfig(sources: ConfigSources = {}): FerryConfig {
  const env = sources.env ?? process.env;
  const problems: ConfigProblem[] = [];
  let content: ConfigFileContent | undefined;
  if (sources.file !== undefined) {
    content = loadConfigFile(sources.file, { env, problems, required: sources.fileRequired ?? true });
  }
  const file = content ? sources.file : undefined;
  const resolve = <T extends OptionTable>(table: T, name: 'org' | 'database' | 'mirror' | 'writes') =>
    area(problems, name, () =>
      resolveOptions(
        table,
        { flags: flagsFor(table, sources.flags), env, file: content?.sections[name] ?? {} },
        name,
      ),
    );
  const org = resolve(ORG_OPTIONS, 'org');
  const database = resolve(DATABASE_OPTIONS, 'database');
  const mirror = resolve(MIRROR_OPTIONS, 'mirror');
  const writes = resolve(WRITE_OPTIONS, 'writes');
  const selection = area(problems, 'objects', () =>
    resolveOptions(
      SELECTION_OPTIONS,
      { flags: flagsFor(SELECTION_OPTIONS, sources.flags), env },
      'selection',
    ),
  );
  if (org) {
    // A refused literal secret already explains why that parameter is missing.
    const known = new Set(problems.map((p) => p.path));
    problems.push(...authOptionsFor(org).problems.filter((p) => !known.has(p.path)));
  }
  const objects = selection ? resolveObjects(content?.objects, selection, problems) : {};

  throwIfProblems(problems);
  return deepFreeze({ file, org: org!, database: database!, mirror: mirror!, writes: writes!, objects });
}

function resolveObjects(
  fromFile: Readonly<Record<string, unknown>> | undefined,
  selection: SelectionOptions,
  problems: ConfigProblem[],
): Record<string, ObjectMapping> {
  const mapped = new Map<string, ObjectMapping>();
  const byLower = new Map<string, string>();
  for (const [name, value] of Object.entries(fromFile ?? {})) {
    const path = `objects.${name}`;
    if (!OBJECT_NAME.test(name)) {
      problems.push({
        path,
        message: 'not an object API name',
        fix: 'use names such as Account or Invoice__c',
      });
      continue;
    }
    const twin = byLower.get(name.toLowerCase());
    if (twin !== undefined) {
      problems.push({ path, message: `maps the same object as objects.${twin}`, fix: 'keep one of them' });
      continue;
    }
    const { mapping, issues } = parseObjectMapping(name, value);
    for (const [key, message] of issues) {
      problems.push({ path: key ? `${path}.${key}` : path, message, fix: 'see docs/configuration.md' });
    }
    if (mapping) {
      mapped.set(name, mapping);
      byLower.set(name.toLowerCase(), name);
    }
  }
  let result = mapped;
  if (selection.objects) {
    result = new Map();
    for (const name of selection.objects) {
      const fileName = byLower.get(name.toLowerCase());
      const mapping = fileName !== undefined ? mapped.get(fileName) : undefined;
      result.set(mapping?.name ?? name, mapping ?? defaultMapping(name));
    }
  }
  for (const name of selection.readWrite ?? []) {
    const key = [...result.keys()].find((k) => k.toLowerCase() === name.toLowerCase());
    const mapping = key !== undefined ? result.get(key) : undefined;
    if (key === undefined || !mapping) {
      problems.push({
        path: `${SELECTION_OPTIONS.readWrite.flag.split(' ')[0]} / ${SELECTION_OPTIONS.readWrite.env}`,
        message: `${name} is not a mapped object`,
        fix: `map it too (objects.${name} in the file, or add it to --objects / FERRY_OBJECTS)`,
      });
      continue;
    }
    result.set(key, Object.freeze({ ...mapping, access: 'read-write' as const }));
  }
  return Object.fromEntries(result);
}

/** The Salesforce client's options for this configuration (auth is complete: resolveConfig checked). */
export function clientOptionsFor(config: FerryConfig): SalesforceClientOptions {
  const { auth, problems } = authOptionsFor(config.org);
  throwIfProblems(problems);
  return { auth: auth!, apiVersion: config.org.apiVersion };
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * A plain, printable copy: secrets replaced by `[redacted]`, the database URL without its password,
 * durations written as in the file (`2m`).
 */
export function redactConfig(config: FerryConfig): Record<string, unknown> {
  const database = redactOptions(DATABASE_OPTIONS, config.database);
  if (config.database.url !== undefined) database.url = redactUrl(config.database.url);
  const objects = Object.fromEntries(
    Object.entries(config.objects).map(([name, m]) => {
      const { name: _name, retention, ...rest } = m;
      return [
        name,
        dropUndefined({
          ...rest,
          retention: retention !== undefined ? formatDuration(retention) : undefined,
        }),
      ];
    }),
  );
  return redact({
    ...(config.file !== undefined ? { file: config.file } : {}),
    org: dropUndefined(redactOptions(ORG_OPTIONS, config.org)),
    database: dropUndefined(database),
    mirror: {
      ...config.mirror,
      pollInterval: formatDuration(config.mirror.pollInterval),
      overlap: formatDuration(config.mirror.overlap),
    },
    writes: Object.fromEntries(
      Object.entries(config.writes).map(([k, v]) => [
        k,
        WRITE_DURATION_KEYS.includes(k) && typeof v === 'number' ? formatDuration(v) : v,
      ]),
    ),
    objects,
  }) as Record<string, unknown>;
}
