import { describe, expect, it } from 'vitest';
import { ApiUsageTracker, parseLimitInfo } from '../../src/salesforce/http/limit-info.js';

describe('Sforce-Limit-Info parsing', () => {
  it('reads api-usage=N/M in its documented forms', () => {
    expect(parseLimitInfo('api-usage=18/5000')).toEqual({ used: 18, max: 5000 });
    expect(parseLimitInfo('api-usage=10018/100000; api-bursts=1/750')).toEqual({ used: 10018, max: 100000 });
    expect(parseLimitInfo('per-app-api-usage=17/250(appName=x); api-usage=25/5000')).toEqual({
      used: 25,
      max: 5000,
    });
    expect(parseLimitInfo(['api-usage=3/15000'])).toEqual({ used: 3, max: 15000 });
  });

  it('ignores absent or malformed headers', () => {
    expect(parseLimitInfo(undefined)).toBeUndefined();
    expect(parseLimitInfo('')).toBeUndefined();
    expect(parseLimitInfo('per-app-api-usage=17/250(appName=x)')).toBeUndefined();
    expect(parseLimitInfo('api-usage=abc/5000')).toBeUndefined();
  });

  it('tracks the latest usage and notifies listeners', () => {
    const t = new ApiUsageTracker();
    const seen: number[] = [];
    const off = t.onChange((u) => seen.push(u.used));
    expect(t.current).toBeUndefined();
    t.record('api-usage=10/100');
    t.record(undefined);
    t.record('api-usage=25/100');
    expect(t.current).toEqual({ used: 25, max: 100 });
    expect(t.fraction).toBe(0.25);
    off();
    t.record('api-usage=30/100');
    expect(seen).toEqual([10, 25]);
  });
});
