import { ApiCallError } from '../spec/errors.js';

export interface RetryDelayOptions {
  /** How many attempts have failed so far, counting from 1. */
  attempt: number;
  /** The error of the failed attempt; its `retry-after-ms` / `retry-after` headers win over backoff. */
  error: unknown;
  /** Backoff before the first retry, in milliseconds. @default 500 */
  initialDelayMs?: number;
  /** No delay is longer than this, not even one a server asks for, in milliseconds. @default 60_000 */
  maxDelayMs?: number;
  /**
   * `full`: uniform in [0, backoff], which spreads a fleet of clients best (AWS "full jitter").
   * `partial`: uniform in [0.75, 1] x backoff, which keeps a floor under every delay.
   * @default 'full'
   */
  jitter?: 'full' | 'partial';
  /** Source of randomness in [0, 1). @default Math.random */
  random?: () => number;
  /** Clock for `retry-after` given as an HTTP date, in epoch milliseconds. @default Date.now */
  now?: () => number;
}

/**
 * How long to wait before the next attempt, in milliseconds: what the server asked for
 * (`retry-after-ms`, then `retry-after` in seconds or as an HTTP date), else exponential backoff
 * with jitter; never more than `maxDelayMs`.
 */
export function computeRetryDelay({
  attempt,
  error,
  initialDelayMs = 500,
  maxDelayMs = 60_000,
  jitter = 'full',
  random = Math.random,
  now = Date.now,
}: RetryDelayOptions): number {
  const requested = ApiCallError.isInstance(error) ? requestedDelayMs(error.headers, now()) : undefined;
  if (requested !== undefined) return Math.min(requested, maxDelayMs);

  const backoff = Math.min(initialDelayMs * 2 ** Math.max(0, attempt - 1), maxDelayMs);
  const factor = jitter === 'full' ? random() : 1 - random() * 0.25;
  return backoff * factor;
}

function requestedDelayMs(headers: Record<string, string>, nowMs: number): number | undefined {
  const milliseconds = parseNonNegative(header(headers, 'retry-after-ms'));
  if (milliseconds !== undefined) return milliseconds;

  const retryAfter = header(headers, 'retry-after')?.trim();
  if (retryAfter === undefined || retryAfter === '') return undefined;
  const seconds = parseNonNegative(retryAfter);
  if (seconds !== undefined) return seconds * 1000;
  const date = Date.parse(retryAfter);
  // A date in the past means "now"; a clock slightly behind the server's must not mean "never".
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function parseNonNegative(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  return Number(text);
}

/** Header names are case-insensitive, and adapters do not all lower-case them. */
function header(headers: Record<string, string>, name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}
