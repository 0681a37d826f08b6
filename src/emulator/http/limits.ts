/**
 * API usage: the DailyApiRequests allowance (per emulator-clock UTC day; Salesforce uses a rolling
 * 24 h window, a day bucket is close enough and predictable in tests), other daily allowances the
 * Bulk endpoints report through `env.recordUsage`, and per-endpoint call counters for tests.
 */
import { REST_PREFIX } from './api-version.js';
import { json } from './respond.js';
import type { Route } from './types.js';

/** Static allowances of a Developer-Edition-sized org, plus the ones we count. */
const OTHER_LIMITS: Record<string, number> = {
  DailyAsyncApexExecutions: 250000,
  DailyBulkApiBatches: 15000,
  DailyBulkV2QueryFileStorageMB: 976562,
  DailyBulkV2QueryJobs: 10000,
  DailyDurableStreamingApiEvents: 10000,
  DailyGenericStreamingApiEvents: 10000,
  DailyStreamingApiEvents: 10000,
  DailyWorkflowEmails: 2000,
  DataStorageMB: 1024,
  FileStorageMB: 1024,
  HourlyODataCallout: 10000,
  HourlyTimeBasedWorkflow: 1000,
  MassEmail: 5000,
  SingleEmail: 5000,
  StreamingApiConcurrentClients: 20,
};

interface SavedState {
  day: string;
  used: number;
  max: number;
  other: Record<string, number>;
}

export interface ApiLimitsOptions {
  readonly dailyApiLimit: number;
  /** The emulator clock. */
  readonly now: () => Date;
}

export class ApiLimits {
  private day: string;
  private used = 0;
  private max: number;
  private readonly other = new Map<string, number>();
  private readonly callCounts = new Map<string, number>();

  constructor(private readonly options: ApiLimitsOptions) {
    this.max = options.dailyApiLimit;
    this.day = this.today();
  }

  private today(): string {
    return this.options.now().toISOString().slice(0, 10);
  }

  /** Starts a new allowance when the emulator clock has moved into another day. */
  private roll(): void {
    const today = this.today();
    if (today !== this.day) {
      this.day = today;
      this.used = 0;
      this.other.clear();
    }
  }

  /** Counts one API request; false (and nothing counted) when the allowance is exhausted. */
  consume(): boolean {
    this.roll();
    if (this.used >= this.max) return false;
    this.used++;
    return true;
  }

  /** `Sforce-Limit-Info` value (§2.10). */
  header(): string {
    this.roll();
    return `api-usage=${this.used}/${this.max}`;
  }

  get apiUsage(): { used: number; max: number; remaining: number; day: string } {
    this.roll();
    return { used: this.used, max: this.max, remaining: Math.max(0, this.max - this.used), day: this.day };
  }

  exhaust(): void {
    this.roll();
    this.used = this.max;
  }

  set(options: { max?: number | undefined; used?: number | undefined }): void {
    this.roll();
    if (options.max !== undefined) this.max = options.max;
    if (options.used !== undefined) this.used = options.used;
  }

  /** Usage of another daily allowance (`DailyBulkV2QueryJobs`...), reported by /limits. */
  recordUsage(limit: string, amount = 1): void {
    this.roll();
    this.other.set(limit, (this.other.get(limit) ?? 0) + amount);
  }

  recordCall(endpoint: string): void {
    this.callCounts.set(endpoint, (this.callCounts.get(endpoint) ?? 0) + 1);
  }

  calls(): { total: number; byEndpoint: Record<string, number> } {
    const byEndpoint = Object.fromEntries([...this.callCounts].sort(([a], [b]) => a.localeCompare(b)));
    let total = 0;
    for (const n of this.callCounts.values()) total += n;
    return { total, byEndpoint };
  }

  resetCalls(): void {
    this.callCounts.clear();
  }

  /** Back to a fresh day (control-surface reset). */
  reset(): void {
    this.used = 0;
    this.other.clear();
    this.callCounts.clear();
    this.max = this.options.dailyApiLimit;
    this.day = this.today();
  }

  /** The `/limits` resource body. */
  render(): Record<string, { Max: number; Remaining: number }> {
    this.roll();
    const out: Record<string, { Max: number; Remaining: number }> = {
      DailyApiRequests: { Max: this.max, Remaining: Math.max(0, this.max - this.used) },
    };
    for (const [name, max] of Object.entries(OTHER_LIMITS)) {
      out[name] = { Max: max, Remaining: Math.max(0, max - (this.other.get(name) ?? 0)) };
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }

  save(): SavedState {
    return { day: this.day, used: this.used, max: this.max, other: Object.fromEntries(this.other) };
  }

  load(state: unknown): void {
    const s = state as Partial<SavedState> | null;
    if (typeof s?.day === 'string') this.day = s.day;
    if (typeof s?.used === 'number') this.used = s.used;
    if (typeof s?.max === 'number') this.max = s.max;
    for (const [k, v] of Object.entries(s?.other ?? {})) if (typeof v === 'number') this.other.set(k, v);
  }
}

export function limitsRoutes(limits: ApiLimits): Route[] {
  return [
    {
      method: 'GET',
      pattern: new RegExp(`${REST_PREFIX}/limits$`),
      auth: 'bearer',
      name: 'limits',
      counted: true,
      handle: () => json(200, limits.render()),
    },
  ];
}
