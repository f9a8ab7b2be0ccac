import { describe, expect, it } from 'vitest';
import { createSlidingWindowLimiter } from './sliding-window-limiter.js';

describe('createSlidingWindowLimiter', () => {
  it('admits up to the request limit per window and says when the next one fits', () => {
    let now = 0;
    const limiter = createSlidingWindowLimiter({ requests: 2 }, () => now);
    expect(limiter.tryAdmit(0).allowed).toBe(true);
    now = 10_000;
    expect(limiter.tryAdmit(0)).toMatchObject({ allowed: true, remainingRequests: 0 });
    expect(limiter.tryAdmit(0)).toEqual({ allowed: false, retryAfterMs: 50_000, limit: 'requests' });
    now = 60_000;
    expect(limiter.tryAdmit(0).allowed).toBe(true);
  });

  it('admits up to the token limit per window, waiting for enough old tokens to leave', () => {
    let now = 0;
    const limiter = createSlidingWindowLimiter({ tokens: 1000 }, () => now);
    expect(limiter.tryAdmit(600).allowed).toBe(true);
    now = 5_000;
    expect(limiter.tryAdmit(300)).toMatchObject({ allowed: true, remainingTokens: 100 });
    expect(limiter.tryAdmit(500)).toEqual({ allowed: false, retryAfterMs: 55_000, limit: 'tokens' });
    now = 60_000;
    expect(limiter.tryAdmit(500).allowed).toBe(true);
  });

  it('lets a request larger than the whole budget through an empty window', () => {
    const limiter = createSlidingWindowLimiter({ tokens: 100 }, () => 0);
    expect(limiter.tryAdmit(500).allowed).toBe(true);
    expect(limiter.tryAdmit(1).allowed).toBe(false);
  });
});
