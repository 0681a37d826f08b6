import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_POLL,
  parseRetryAfter,
  pollDelays,
  realSleep,
  type RetryOptions,
} from '../../src/salesforce/http/backoff.js';

const opts: RetryOptions = { attempts: 6, baseDelayMs: 500, maxDelayMs: 8_000 };

describe('retry backoff (exponential, full jitter)', () => {
  it('draws uniformly from [0, min(max, base·2^n)]', () => {
    const windows = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, opts, () => 0.999999));
    expect(windows).toEqual([499, 999, 1999, 3999, 7999, 7999, 7999]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, opts, () => 0))).toEqual([0, 0, 0, 0]);
    expect(backoffDelay(2, opts, () => 0.5)).toBe(1000);
  });

  it('spreads retries: different random draws give different delays', () => {
    const draws = [0.1, 0.4, 0.7, 0.95];
    let i = 0;
    const delays = draws.map(() => backoffDelay(3, opts, () => draws[i++] ?? 0));
    expect(new Set(delays).size).toBe(4);
    for (const d of delays) expect(d).toBeLessThan(4000);
  });

  it('honours Retry-After as a floor, capped by the maximum', () => {
    expect(backoffDelay(0, opts, () => 0, 3000)).toBe(3000);
    expect(backoffDelay(0, opts, () => 0, 60_000)).toBe(8000);
    expect(backoffDelay(4, opts, () => 0.9, 10)).toBe(7200);
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('5')).toBe(5000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2024-05-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 May 2024 00:00:10 GMT', now)).toBe(10_000);
  });
});

describe('Bulk poll schedule', () => {
  it('starts near half a second and grows geometrically to a cap', () => {
    const it = pollDelays(DEFAULT_POLL);
    const first = Array.from({ length: 12 }, () => it.next().value);
    expect(first[0]).toBe(500);
    expect(first[1]).toBe(750);
    expect(first[2]).toBe(1125);
    for (let i = 1; i < first.length; i++) expect(first[i]).toBeGreaterThanOrEqual(first[i - 1] ?? 0);
    expect(first.at(-1)).toBe(DEFAULT_POLL.maxDelayMs);
    // An hour of polling costs far fewer calls than one per second.
    let total = 0;
    let calls = 0;
    const again = pollDelays(DEFAULT_POLL);
    while (total < 3_600_000) {
      total += again.next().value;
      calls++;
    }
    expect(calls).toBeLessThan(400);
  });
});

describe('realSleep', () => {
  it('is cancelled by an AbortSignal', async () => {
    const ac = new AbortController();
    const p = realSleep(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});
