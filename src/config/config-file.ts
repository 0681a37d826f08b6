/**
 * Reading ferry.config.yaml: YAML syntax, unknown keys (named with the nearest valid key), and
 * secrets, which the file may only point at — `passwordEnv: SF_PASSWORD` (an environment variable)
 * or `passwordFile: ./secrets/pw` (a file, relative to the config file) — never contain.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { nearest, type ConfigProblem } from './config-problems.js';
import { DATABASE_OPTIONS } from './database-options.js';
import { MIRROR_OPTIONS } from './mirror-options.js';
import { OBJECT_MAPPING_OPTIONS } from './object-mapping.js';
import type { OptionTable } from './option-table.js';
import { ORG_OPTIONS } from './org-options.js';
import { WRITE_OPTIONS } from './write-options.js';

/** The file's sections that are option tables. */
export const FILE_SECTIONS = {
  org: ORG_OPTIONS,
  database: DATABASE_OPTIONS,
  mirror: MIRROR_OPTIONS,
  writes: WRITE_OPTIONS,
} as const satisfies Record<string, OptionTable>;

export type SectionName = keyof typeof FILE_SECTIONS;
export const TOP_LEVEL_KEYS: readonly string[] = [...Object.keys(FILE_SECTIONS), 'objects'];

/** A secret may still be written literally when this says so (a database URL without a password). */
const LITERAL_ALLOWED: Readonly<Record<string, (value: unknown) => boolean>> = {
  'database.url': (v) => typeof v === 'string' && !/^\w+:\/\/[^/@\s]*:[^/@\s]*@/.test(v),
};

function sectionKeys(table: OptionTable): string[] {
  return Object.entries(table).flatMap(([k, spec]) => (spec.secret ? [k, `${k}Env`, `${k}File`] : [k]));
}

export interface ConfigFileContent {
  /** Section values ready for `resolveOptions({ file })`, secrets read from where the file points. */
  readonly sections: Readonly<Record<SectionName, Record<string, unknown>>>;
  /** The `objects:` map as written (validated later). */
  readonly objects: Readonly<Record<string, unknown>> | undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses YAML text; `problems` gets every syntax, key and secret problem. */
export function parseConfigText(
  text: string,
  options: { fileName: string; env: Readonly<Record<string, string | undefined>>; problems: ConfigProblem[] },
): ConfigFileContent {
  const { fileName, env, problems } = options;
  const empty: ConfigFileContent = {
    sections: { org: {}, database: {}, mirror: {}, writes: {} },
    objects: undefined,
  };
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      problems.push({
        path: fileName,
        message: `not valid YAML: ${e.message}`,
        fix: 'fix the syntax at that line',
      });
    }
    return empty;
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    problems.push({
      path: fileName,
      message: 'must be a YAML map with the keys org, database, mirror, writes and objects',
      fix: 'run `ferry init` for a starter file',
    });
    return empty;
  }
  const root: unknown = doc.toJS() ?? {};
  if (!isRecord(root)) return empty;
  const baseDir = dirname(resolve(fileName));
  const sections: Record<SectionName, Record<string, unknown>> = {
    org: {},
    database: {},
    mirror: {},
    writes: {},
  };

  for (const [top, value] of Object.entries(root)) {
    if (!TOP_LEVEL_KEYS.includes(top)) {
      problems.push(unknownKey(top, top, TOP_LEVEL_KEYS));
      continue;
    }
    if (top === 'objects') continue;
    const section = top as SectionName;
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) {
      problems.push({ path: section, message: 'must be a map of settings', fix: `see \`ferry init\`` });
      continue;
    }
    const table: OptionTable = FILE_SECTIONS[section];
    const valid = sectionKeys(table);
    for (const [key, v] of Object.entries(value)) {
      const path = `${section}.${key}`;
      if (!valid.includes(key)) {
        problems.push(unknownKey(path, key, valid, `${section}.`));
        continue;
      }
      const spec = table[key];
      if (spec?.secret && !LITERAL_ALLOWED[path]?.(v)) {
        problems.push(literalSecret(section, key, spec.env));
        continue;
      }
      if (spec) {
        sections[section][key] = v;
        continue;
      }
      // `<secret>Env` or `<secret>File`.
      const target = key.replace(/(Env|File)$/, '');
      const viaEnv = key.endsWith('Env');
      if (typeof v !== 'string' || v.trim() === '') {
        problems.push({
          path,
          message: viaEnv ? 'must name an environment variable' : 'must be the path of a file',
          fix: viaEnv
            ? `e.g. ${key}: ${table[target]?.env ?? 'MY_VARIABLE'}`
            : `e.g. ${key}: ./secrets/${target}`,
        });
        continue;
      }
      if (viaEnv) {
        const fromEnv = env[v];
        // Unset: the value stays missing; the flow's completeness check reports it if needed.
        if (fromEnv !== undefined && fromEnv !== '') sections[section][target] = fromEnv;
      } else {
        const file = resolve(baseDir, v);
        try {
          sections[section][target] = readFileSync(file, 'utf8').trim();
        } catch (err) {
          problems.push({
            path,
            message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
            fix: `create the file holding the ${target}, or fix the path (relative to ${fileName})`,
          });
        }
      }
    }
  }

  let objects: Record<string, unknown> | undefined;
  const rawObjects = root.objects;
  if (rawObjects !== undefined && rawObjects !== null) {
    if (Array.isArray(rawObjects) && rawObjects.every((o) => typeof o === 'string')) {
      objects = Object.fromEntries(rawObjects.map((o) => [o, null]));
    } else if (isRecord(rawObjects)) {
      objects = rawObjects;
      const valid = Object.keys(OBJECT_MAPPING_OPTIONS);
      for (const [name, mapping] of Object.entries(rawObjects)) {
        if (!isRecord(mapping)) continue;
        for (const key of Object.keys(mapping)) {
          if (!valid.includes(key))
            problems.push(unknownKey(`objects.${name}.${key}`, key, valid, `objects.${name}.`));
        }
      }
    } else {
      problems.push({
        path: 'objects',
        message: 'must map object API names to their settings',
        fix: 'e.g. objects: { Account: { fields: all }, Contact: {} }',
      });
    }
  }
  return { sections, objects };
}

function unknownKey(path: string, key: string, valid: readonly string[], prefix = ''): ConfigProblem {
  const near = nearest(key, valid);
  return {
    path,
    message: 'unknown key',
    fix: near !== undefined ? `did you mean ${prefix}${near}?` : `valid keys here: ${valid.join(', ')}`,
  };
}

function literalSecret(section: string, key: string, envName: string | undefined): ConfigProblem {
  const env = envName ?? 'MY_SECRET';
  return {
    path: `${section}.${key}`,
    message: 'secrets may not be written in the config file (the value is ignored and not shown)',
    fix: `remove it and write \`${key}Env: ${env}\` (an environment variable holding it) or \`${key}File: ./secrets/${key}\` (a file holding it), or just set ${env}`,
  };
}

/** Reads and parses the config file; a missing file is a problem only when `required`. */
export function loadConfigFile(
  fileName: string,
  options: {
    env: Readonly<Record<string, string | undefined>>;
    problems: ConfigProblem[];
    required: boolean;
  },
): ConfigFileContent | undefined {
  let text: string;
  try {
    text = readFileSync(fileName, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !options.required) return undefined;
    options.problems.push({
      path: fileName,
      message: `cannot read the config file: ${code ?? String(err)}`,
      fix: code === 'ENOENT' ? 'create it with `ferry init`, or fix the path' : 'check its permissions',
    });
    return undefined;
  }
  return parseConfigText(text, { fileName, env: options.env, problems: options.problems });
}
