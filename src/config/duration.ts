/**
 * Durations in settings: `500ms`, `30s`, `2m`, `1h`, `365d` (one number and one unit). Values are
 * kept as milliseconds; `formatDuration` gives back the shortest exact text.
 */
import { z } from 'zod';

const UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNITS;
const DURATION = /^(\d+)\s*(ms|s|m|h|d)$/;

/** Milliseconds of `30s` / `2m` / `1h` / `365d`; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2] as Unit];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** `120000` → `2m`; the largest unit that divides the value exactly. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms !== 0 && ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** A duration option: text such as `2m` in, milliseconds out, within [min, max] milliseconds. */
export function durationOption(min: number, max: number) {
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a duration such as 30s, 2m, 1h or 365d' });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `must be from ${formatDuration(min)} to ${formatDuration(max)}`,
      });
      return z.NEVER;
    }
    return ms;
  });
}
