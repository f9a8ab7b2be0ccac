import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AbortError } from '../spec/errors.js';
import { delay } from './delay.js';
import { RateLimiter } from './rate-limiter.js';

/** Most starts that fall in any closed window of `windowMs`. */
function busiestWindow(starts: number[], windowMs = 60_000): number {
  let best = 0;
  let first = 0;
  for (let last = 0; last < starts.length; last++) {
    while (starts[last]! - starts[first]! > windowMs) first++;
    best = Math.max(best, last - first + 1);
  }
  return best;
}

describe('RateLimiter', () => {
  it('spaces requests so no 60 s window exceeds requestsPerMinute, at >= 90% of it', () => {
    const limiter = new RateLimiter({ requestsPerMinute: 60, now: () => 0 });
    const starts = Array.from({ length: 300 }, () => limiter.reserve(0).startAt);
    expect(busiestWindow(starts)).toBeLessThanOrEqual(60);
    // A small burst (5% of the limit) and then smooth spacing, not 60 requests at once.
    expect(starts.slice(0, 4)).toEqual([0, 0, 0, expect.closeTo(60_000 / 57, 6)]);
    const perMinute = (starts.length - 1) / (starts.at(-1)! / 60_000);
    expect(perMinute).toBeGreaterThanOrEqual(54);
  });

  it('paces tokens per minute over a sliding window of mixed request sizes', () => {
    const limiter = new RateLimiter({ tokensPerMinute: 100_000, now: () => 0 });
    const sizes = Array.from({ length: 400 }, (_, index) => 500 + ((index * 7919) % 4000));
    const starts = sizes.map((size) => limiter.reserve(size).startAt);
    let worst = 0;
    let first = 0;
    let inWindow = 0;
    for (let last = 0; last < starts.length; last++) {
      inWindow += sizes[last]!;
      while (starts[last]! - starts[first]! > 60_000) inWindow -= sizes[first++]!;
      worst = Math.max(worst, inWindow);
    }
    expect(worst).toBeLessThanOrEqual(100_000);
    const total = sizes.reduce((sum, size) => sum + size, 0);
    expect(total / (starts.at(-1)! / 60_000)).toBeGreaterThanOrEqual(90_000);
  });

  it('keeps its first-in, first-out order across both limits', () => {
    const limiter = new RateLimiter({ requestsPerMinute: 600, tokensPerMinute: 20_000, now: () => 0 });
    const starts = [50, 5000, 10, 10, 3000, 1].map((tokens) => limiter.reserve(tokens).startAt);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it('lets a request larger than the whole bucket through, then makes the next one repay the debt', () => {
    // headroom 0: a bucket of one token refilled at exactly 1 token per millisecond.
    const limiter = new RateLimiter({ tokensPerMinute: 60_000, headroom: 0, now: () => 0 });
    expect(limiter.reserve(5000).startAt).toBe(0);
    expect(limiter.reserve(1).startAt).toBeCloseTo(5000);
  });

  it('refunds tokens a reply did not use, so the next request starts sooner', () => {
    const limiter = new RateLimiter({ tokensPerMinute: 60_000, headroom: 0, now: () => 0 });
    const first = limiter.reserve(1000);
    limiter.settle(first, 100);
    expect(limiter.reserve(1).startAt).toBeCloseTo(100);
  });

  it('debits the extra tokens of a reply longer than estimated, so the next request waits longer', () => {
    const limiter = new RateLimiter({ tokensPerMinute: 60_000, headroom: 0, now: () => 0 });
    const first = limiter.reserve(1000);
    limiter.settle(first, 3000);
    limiter.settle(first, 1); // settling twice must not count twice
    expect(limiter.reserve(1).startAt).toBeCloseTo(3000);
  });

  it('sleeps until the reserved time in acquire', async () => {
    let time = 0;
    const limiter = new RateLimiter({
      requestsPerMinute: 60,
      headroom: 0,
      now: () => time,
      sleep: async (ms) => {
        time += ms;
      },
    });
    await limiter.acquire(0);
    await limiter.acquire(0);
    expect(time).toBeCloseTo(1000);
  });

  it('cancels the reservation of an aborted acquire and leaves no listener', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 60, headroom: 0 });
    await limiter.acquire(0);
    const controller = new AbortController();
    const waiting = limiter.acquire(0, controller.signal);
    await delay(5);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // The cancelled place is given back: the next request waits one interval, not two.
    const next = limiter.reserve(0);
    expect(next.startAt - Date.now()).toBeLessThanOrEqual(1000);
  });

  it('rejects a limit that is not a positive number', () => {
    expect(() => new RateLimiter({ tokensPerMinute: 0 })).toThrow(
      'Expected `tokensPerMinute` to be a finite number > 0 or undefined, got `0`',
    );
  });
});
