import { describe, expect, it } from 'vitest';
import { peakWindowSum } from './peak-window-sum.js';
import { RateLimiter } from './rate-limiter.js';

describe('peakWindowSum', () => {
  it('adds up the busiest window, both ends included, whatever the order given', () => {
    const events = [
      { at: 70_000, amount: 5 },
      { at: 0, amount: 10 },
      { at: 60_000, amount: 20 },
      { at: 61_000, amount: 1 },
    ];
    // [0, 60 s] holds 30; [60 s, 120 s] holds 26.
    expect(peakWindowSum(events, 60_000)).toBe(30);
    expect(peakWindowSum([], 60_000)).toBe(0);
  });
});

describe('tokens per minute as a run shorter than a minute uses them', () => {
  /** Starts of requests of `size` tokens reserved at once, each settled at its estimate. */
  function starts(limiter: RateLimiter, count: number, size: number): number[] {
    return Array.from({ length: count }, () => {
      const reservation = limiter.reserve(size);
      limiter.settle(reservation, size);
      return reservation.startAt;
    });
  }

  it('stays within the limit in every minute, while the rate averaged over a 5 s run reads above it', () => {
    const limit = 150_000;
    const limiter = new RateLimiter({ tokensPerMinute: limit, now: () => 0 });
    const size = 4000;
    const all = starts(limiter, 200, size);
    const events = all.map((at) => ({ at, amount: size }));
    expect(peakWindowSum(events, 60_000)).toBeLessThanOrEqual(limit);
    // The first 5 s: the burst allowance and 5 s of refill, scaled to a minute.
    const early = events.filter((event) => event.at <= 5000);
    const averagedPerMinute = (early.length * size) / (5000 / 60_000);
    expect(averagedPerMinute).toBeGreaterThan(1.2 * limit);
    expect(peakWindowSum(early, 60_000)).toBeLessThan(limit);
  });

  it('stays within the limit when replies use less than estimated and the rest is refunded', () => {
    const limit = 100_000;
    const limiter = new RateLimiter({ tokensPerMinute: limit, now: () => 0 });
    const events = Array.from({ length: 300 }, (_, index) => {
      const used = 1000 + ((index * 7919) % 3000);
      const reservation = limiter.reserve(used * 2);
      limiter.settle(reservation, used);
      return { at: reservation.startAt, amount: used };
    });
    expect(peakWindowSum(events, 60_000)).toBeLessThanOrEqual(limit);
  });
});
