import { describe, expect, it } from 'vitest';
import { ApiCallError } from '../spec/errors.js';
import { computeRetryDelay } from './retry-delay.js';

const rateLimited = (headers: Record<string, string>) =>
  new ApiCallError('slow down', { status: 429, headers });

describe('computeRetryDelay', () => {
  it('prefers retry-after-ms over retry-after', () => {
    const error = rateLimited({ 'retry-after-ms': '1500', 'retry-after': '30' });
    expect(computeRetryDelay({ attempt: 1, error })).toBe(1500);
  });

  it('reads retry-after in seconds, whatever the header case', () => {
    expect(computeRetryDelay({ attempt: 1, error: rateLimited({ 'Retry-After': '2.5' }) })).toBe(2500);
  });

  it('reads retry-after as an HTTP date against the injected clock', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    const error = rateLimited({ 'retry-after': 'Wed, 01 Jan 2025 00:00:07 GMT' });
    expect(computeRetryDelay({ attempt: 1, error, now: () => now })).toBe(7000);
  });

  it('reads an HTTP date already past, as from a clock ahead of the server, as no wait rather than a negative one', () => {
    const now = Date.parse('2025-01-01T00:00:05Z');
    const error = rateLimited({ 'retry-after': 'Wed, 01 Jan 2025 00:00:02 GMT' });
    expect(computeRetryDelay({ attempt: 1, error, now: () => now })).toBe(0);
  });

  it('caps what the server asks for at maxDelayMs', () => {
    const error = rateLimited({ 'retry-after': '3600' });
    expect(computeRetryDelay({ attempt: 1, error })).toBe(60_000);
    expect(computeRetryDelay({ attempt: 1, error, maxDelayMs: 5000 })).toBe(5000);
  });

  it('falls back to backoff when the header is not a number or a date', () => {
    const error = rateLimited({ 'retry-after': 'soon' });
    expect(computeRetryDelay({ attempt: 1, error, random: () => 0.5 })).toBe(250);
  });

  it('doubles the backoff per attempt up to the cap, with full jitter by default', () => {
    const error = new ApiCallError('server error', { status: 500 });
    const top = () => 0.999_999;
    const delays = [1, 2, 3, 4, 10].map((attempt) =>
      Math.round(computeRetryDelay({ attempt, error, random: top })),
    );
    expect(delays).toEqual([500, 1000, 2000, 4000, 60_000]);
    expect(computeRetryDelay({ attempt: 3, error, random: () => 0 })).toBe(0);
  });

  it('keeps at least 75% of the backoff with partial jitter', () => {
    const error = new ApiCallError('server error', { status: 503 });
    expect(computeRetryDelay({ attempt: 2, error, jitter: 'partial', random: () => 0.999_999 })).toBeCloseTo(
      750,
    );
    expect(computeRetryDelay({ attempt: 2, error, jitter: 'partial', random: () => 0 })).toBe(1000);
  });
});
