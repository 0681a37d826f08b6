/**
 * `Sforce-Limit-Info: api-usage=18/5000` (optionally `; per-app-api-usage=17/250(appName=x)` or
 * `; api-bursts=1/750`) rides on every REST response. Reading it from each response gives Ferry a
 * free, always-current view of the daily API budget without spending calls on `GET /limits`.
 */

export interface ApiUsage {
  /** Requests counted against the org's rolling 24-hour allocation so far. */
  readonly used: number;
  /** The org's allocation. */
  readonly max: number;
}

const API_USAGE = /(?:^|[;,\s])api-usage=(\d+)\/(\d+)/;

/** The `api-usage=N/M` part of a Sforce-Limit-Info header, or undefined when absent or malformed. */
export function parseLimitInfo(header: string | readonly string[] | undefined): ApiUsage | undefined {
  if (header === undefined) return undefined;
  const text = typeof header === 'string' ? header : header.join(';');
  const m = API_USAGE.exec(text);
  if (!m) return undefined;
  const used = Number(m[1]);
  const max = Number(m[2]);
  if (!Number.isSafeInteger(used) || !Number.isSafeInteger(max)) return undefined;
  return { used, max };
}

export type UsageListener = (usage: ApiUsage) => void;

/** Latest API usage seen on any response; listeners hear every update (e.g. a limits governor). */
export class ApiUsageTracker {
  #current: ApiUsage | undefined;
  readonly #listeners = new Set<UsageListener>();

  get current(): ApiUsage | undefined {
    return this.#current;
  }

  /** Fraction of the daily allocation used (0..1+), or undefined before the first response. */
  get fraction(): number | undefined {
    const c = this.#current;
    return c && c.max > 0 ? c.used / c.max : undefined;
  }

  record(header: string | readonly string[] | undefined): void {
    const usage = parseLimitInfo(header);
    if (!usage) return;
    this.#current = usage;
    for (const listener of this.#listeners) listener(usage);
  }

  /** Returns an unsubscribe function. */
  onChange(listener: UsageListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
