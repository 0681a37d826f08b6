/**
 * Declarative options: each one states its type, default, description, env name, flag and whether
 * it is a secret, once. Values resolve flags > env > file > defaults; every problem is reported at
 * once as one ConfigError; the result is frozen. This module is the only reader of process.env.
 */
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { REDACTED } from '../log/redact.js';

export interface OptionSpec<T = unknown> {
  readonly schema: z.ZodType<T>;
  readonly default?: T;
  readonly description: string;
  /** `FERRY_...` */
  readonly env?: string;
  /** Commander flag, e.g. `--port <n>`. */
  readonly flag?: string;
  readonly secret?: boolean;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

export type ResolvedOptions<T extends OptionTable> = {
  readonly [K in keyof T]: T[K] extends OptionSpec<infer V> ? V : never;
};

export interface OptionSources {
  /** Parsed command-line flags keyed by option name (undefined = not given). */
  flags?: Readonly<Record<string, unknown>>;
  env?: Readonly<Record<string, string | undefined>>;
  file?: Readonly<Record<string, unknown>>;
}

export function resolveOptions<T extends OptionTable>(
  table: T,
  sources: OptionSources,
  area: string,
): ResolvedOptions<T> {
  const env = sources.env ?? process.env;
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(table)) {
    const fromFlag = sources.flags?.[key];
    const fromEnv = spec.env ? env[spec.env] : undefined;
    const fromFile = sources.file?.[key];
    const [raw, origin] =
      fromFlag !== undefined
        ? [fromFlag, spec.flag ?? `--${key}`]
        : fromEnv !== undefined && fromEnv !== ''
          ? [fromEnv, spec.env!]
          : fromFile !== undefined
            ? [fromFile, `${area}.${key} in the config file`]
            : [undefined, 'default'];
    if (raw === undefined) {
      if (spec.default !== undefined) out[key] = spec.default;
      continue;
    }
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else {
      const shown = spec.secret ? REDACTED : JSON.stringify(raw);
      problems.push(
        `${origin}: ${shown} is not valid for ${key} (${spec.description}): ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      );
    }
  }
  if (problems.length) {
    throw new ConfigError(`invalid ${area} settings:\n  - ${problems.join('\n  - ')}`, {
      code: 'INVALID_CONFIG',
      hint: 'fix the values named above',
    });
  }
  return Object.freeze(out) as ResolvedOptions<T>;
}

/** A copy safe to print: secrets replaced. */
export function redactOptions<T extends OptionTable>(
  table: T,
  values: ResolvedOptions<T>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(table)) {
    const v = (values as Record<string, unknown>)[key];
    out[key] = table[key]!.secret && v !== undefined ? REDACTED : v;
  }
  return out;
}

/** Integers from flags or env arrive as strings. */
export const intOption = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
