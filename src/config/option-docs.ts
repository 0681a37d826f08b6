/**
 * Documentation generated from the option tables, so that docs, `ferry init` and code cannot drift:
 * the reference tables of docs/configuration.md and the commented starter ferry.config.yaml.
 */
import { stringify } from 'yaml';
import { FILE_SECTIONS, type SectionName } from './config-file.js';
import { formatDuration } from './duration.js';
import { CONFIG_FILE_OPTIONS, SELECTION_OPTIONS } from './mirror-options.js';
import { OBJECT_MAPPING_OPTIONS } from './object-mapping.js';
import type { OptionSpec, OptionTable } from './option-table.js';
import { WRITE_DURATION_KEYS } from './write-options.js';

const DURATION_KEYS = new Set<string>(['pollInterval', 'overlap', 'retention', ...WRITE_DURATION_KEYS]);

function shownDefault(key: string, spec: OptionSpec): unknown {
  if (spec.default === undefined) return undefined;
  return DURATION_KEYS.has(key) && typeof spec.default === 'number'
    ? formatDuration(spec.default)
    : spec.default;
}

function yamlScalar(v: unknown): string {
  return stringify(v, { flowCollectionPadding: false }).trim();
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const code = (s: string | undefined): string => (s ? `\`${s}\`` : '—');

function sectionTable(section: string, table: OptionTable): string[] {
  const rows = ['| File key | Env | Flag | Default | Meaning |', '| --- | --- | --- | --- | --- |'];
  for (const [key, spec] of Object.entries(table)) {
    const fileKey = spec.secret
      ? `\`${section}.${key}Env\`, \`${section}.${key}File\`${section === 'database' ? `, \`${section}.${key}\` (no password)` : ''}`
      : `\`${section}.${key}\``;
    const def = shownDefault(key, spec);
    const secret = !spec.secret
      ? ''
      : section === 'database'
        ? ' **Secret** when it holds a password: then only through the environment, `urlEnv` or `urlFile`.'
        : ' **Secret**: only through the environment, `…Env` or `…File`, never written in the file.';
    rows.push(
      `| ${fileKey} | ${code(spec.env)} | ${code(spec.flag)} | ${def === undefined ? '—' : code(yamlScalar(def))} | ${cell(spec.description)}.${secret} |`,
    );
  }
  return rows;
}

/** The Markdown reference of every option (the generated part of docs/configuration.md). */
export function renderOptionReference(): string {
  const out: string[] = [];
  for (const [section, table] of Object.entries(FILE_SECTIONS)) {
    out.push(`### \`${section}:\``, '', ...sectionTable(section, table), '');
  }
  out.push('### `objects:` (one entry per object API name)', '');
  out.push('| Key | Default | Meaning |', '| --- | --- | --- |');
  for (const [key, spec] of Object.entries(OBJECT_MAPPING_OPTIONS) as [string, OptionSpec][]) {
    const def = shownDefault(key, spec);
    out.push(
      `| \`${key}\` | ${def === undefined ? '—' : code(yamlScalar(def))} | ${cell(spec.description)}. |`,
    );
  }
  out.push(
    '',
    '### Environment and flags only',
    '',
    '| Env | Flag | Default | Meaning |',
    '| --- | --- | --- | --- |',
  );
  for (const [key, spec] of Object.entries({ ...SELECTION_OPTIONS, ...CONFIG_FILE_OPTIONS }) as [
    string,
    OptionSpec,
  ][]) {
    const def = shownDefault(key, spec);
    out.push(
      `| ${code(spec.env)} | ${code(spec.flag)} | ${def === undefined ? '—' : code(yamlScalar(def))} | ${cell(spec.description)}. |`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** Placeholders shown (commented out) for options without a default. */
const EXAMPLES: Readonly<Record<string, string>> = {
  'org.loginUrl': 'https://login.salesforce.com',
  'org.instanceUrl': 'https://mydomain.my.salesforce.com',
  'org.username': 'integration@example.com',
  'org.clientId': 'your-connected-app-consumer-key',
  'org.privateKeyFile': './secrets/server.key',
  'database.url': 'postgres://ferry@localhost:5432/ferry',
  'database.port': '5433',
};

const OBJECT_EXAMPLES: Readonly<Record<string, string>> = {
  filter: `"Type = 'Customer'"`,
  retention: '365d',
};

/** Secrets the default (password) flow uses: shown active, pointing at their FERRY_ variable. */
const ACTIVE_SECRETS = new Set(['org.password', 'org.securityToken', 'org.clientSecret']);

function comment(spec: OptionSpec): string {
  const where = [spec.env && `env ${spec.env}`, spec.flag && `flag ${spec.flag.split(' ')[0]}`].filter(
    Boolean,
  );
  return `  # ${spec.description}${where.length ? ` (${where.join(', ')})` : ''}`;
}

function sectionLines(section: SectionName, table: OptionTable): string[] {
  const lines = [`${section}:`];
  for (const [key, spec] of Object.entries(table)) {
    const path = `${section}.${key}`;
    lines.push(comment(spec));
    const def = shownDefault(key, spec);
    if (spec.secret && EXAMPLES[path] === undefined) {
      const active = ACTIVE_SECRETS.has(path) ? '' : '# ';
      lines.push(`  ${active}${key}Env: ${spec.env ?? 'MY_SECRET'}   # or ${key}File: ./secrets/${key}`);
    } else if (def !== undefined) {
      lines.push(`  ${key}: ${yamlScalar(def)}`);
    } else {
      lines.push(`  # ${key}: ${EXAMPLES[path] ?? ''}`);
    }
  }
  return lines;
}

/** The commented starter file written by `ferry init`: every option at its default. */
export function renderStarterConfig(): string {
  const lines = [
    '# Ferry configuration (written by `ferry init`). Reference: docs/configuration.md',
    '# Every setting can also be given as an environment variable (FERRY_...) or a flag;',
    '# precedence is flags > environment > this file > defaults. Check it with `ferry config check`.',
    '#',
    '# Secrets are never written here: name the environment variable (passwordEnv: FERRY_SF_PASSWORD)',
    '# or the file (passwordFile: ./secrets/password) that holds each one.',
    '',
  ];
  for (const [section, table] of Object.entries(FILE_SECTIONS) as [SectionName, OptionTable][]) {
    lines.push(...sectionLines(section, table), '');
  }
  lines.push(
    '# Objects to mirror, by API name. An empty entry ({}) takes every default.',
    'objects:',
    '  Account:',
  );
  for (const [key, spec] of Object.entries(OBJECT_MAPPING_OPTIONS) as [string, OptionSpec][]) {
    lines.push(`  ${comment(spec)}`);
    const def = shownDefault(key, spec);
    if (def !== undefined) lines.push(`    ${key}: ${yamlScalar(def)}`);
    else if (OBJECT_EXAMPLES[key] !== undefined) lines.push(`    # ${key}: ${OBJECT_EXAMPLES[key]}`);
  }
  lines.push(
    '  Contact: {}',
    '    # e.g. access: read-write',
    '  Opportunity: {}',
    '    # e.g. fields: [Name, StageName, Amount, CloseDate, AccountId]',
    '  # Task:',
    '  #   retention: 365d   # only for Task and Event',
    '',
  );
  return lines.join('\n');
}
