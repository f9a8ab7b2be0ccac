import type { GenerateRequest } from '../spec/chat-model.js';
import { countMessageTokens } from '../spec/count-tokens.js';
import type { ApiCallError } from '../spec/errors.js';
import { delay } from './delay.js';
import { schedulerDefaults } from './scheduler-defaults.js';

/** What the scheduler reports as it goes, for progress bars and logs. */
export type SchedulerEvent =
  | {
      /** A call is held back: by the rate limits, or by a pause after a 429. */
      type: 'wait';
      reason: 'rate-limit' | 'paused';
      modelId: string;
      /** How long it will wait, in milliseconds. */
      waitMs: number;
    }
  | {
      /** A 429 came back: every new start of this scheduler is paused for `pauseMs`. */
      type: 'rate-limited';
      modelId: string;
      pauseMs: number;
      error: ApiCallError;
    }
  | {
      /** An attempt failed with a retryable error; attempt `attempt + 1` follows after `delayMs`. */
      type: 'retry';
      modelId: string;
      attempt: number;
      delayMs: number;
      error: unknown;
    };

export interface SchedulerOptions {
  /** Calls in flight at once, retries and their backoff included. @default 8 */
  concurrency?: number;
  /** The provider's requests-per-minute limit. @default undefined (unlimited) */
  requestsPerMinute?: number;
  /** The provider's tokens-per-minute limit, input plus output. @default undefined (unlimited) */
  tokensPerMinute?: number;
  /**
   * Fraction of each rate limit held back as a burst allowance and as slack for network jitter;
   * the scheduler sustains `(1 - rateLimitHeadroom) x limit`.
   * @default 0.05
   */
  rateLimitHeadroom?: number;
  /** Time allowed for one attempt, in milliseconds; `Infinity` for none. @default 120_000 */
  timeoutMs?: number;
  /** Retries after the first attempt (so at most `maxRetries + 1` attempts). @default 6 */
  maxRetries?: number;
  /** Backoff before the first retry when the server names no delay, in milliseconds. @default 500 */
  initialRetryDelayMs?: number;
  /** Longest backoff, and cap on a server's `retry-after`, in milliseconds. @default 60_000 */
  maxRetryDelayMs?: number;
  /**
   * Tokens a request will use, input plus output, debited from the tokens-per-minute budget before
   * the call and corrected with the reported usage after it.
   * @default countMessageTokens(messages) + (maxOutputTokens ?? 256)
   */
  estimateTokens?: (request: GenerateRequest) => number;
  /** Clock in milliseconds (for tests). @default Date.now */
  now?: () => number;
  /** Cancellable sleep in milliseconds (for tests). @default delay */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Randomness in [0, 1) for backoff jitter (for tests). @default Math.random */
  random?: () => number;
  /** Called synchronously on every wait, 429 and retry. @default undefined */
  onEvent?: (event: SchedulerEvent) => void;
}

export interface ResolvedSchedulerOptions {
  readonly concurrency: number;
  readonly requestsPerMinute: number | undefined;
  readonly tokensPerMinute: number | undefined;
  readonly rateLimitHeadroom: number;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly initialRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly estimateTokens: (request: GenerateRequest) => number;
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly onEvent: ((event: SchedulerEvent) => void) | undefined;
}

/** Output tokens budgeted for a request that sets no `maxOutputTokens`. */
const defaultOutputTokens = 256;

function defaultEstimateTokens(request: GenerateRequest): number {
  return countMessageTokens(request.messages) + (request.maxOutputTokens ?? defaultOutputTokens);
}

/** Checks the scheduler's options once and fills in the defaults; the caller's object is not touched. */
export function resolveSchedulerOptions(options: SchedulerOptions = {}): ResolvedSchedulerOptions {
  const concurrency = options.concurrency ?? schedulerDefaults.concurrency;
  if (!(Number.isInteger(concurrency) && concurrency >= 1) && concurrency !== Number.POSITIVE_INFINITY) {
    fail('concurrency', 'an integer >= 1 or Infinity', concurrency);
  }
  const positiveOrUnset = (name: string, value: number | undefined) => {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      fail(name, 'a finite number > 0 or undefined', value);
    }
    return value;
  };
  const timeoutMs = options.timeoutMs ?? schedulerDefaults.timeoutMs;
  if (!(typeof timeoutMs === 'number' && timeoutMs > 0))
    fail('timeoutMs', 'a number > 0 or Infinity', timeoutMs);
  const maxRetries = options.maxRetries ?? schedulerDefaults.maxRetries;
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) fail('maxRetries', 'an integer >= 0', maxRetries);
  const initialRetryDelayMs = options.initialRetryDelayMs ?? schedulerDefaults.initialRetryDelayMs;
  if (!(Number.isFinite(initialRetryDelayMs) && initialRetryDelayMs >= 0)) {
    fail('initialRetryDelayMs', 'a finite number >= 0', initialRetryDelayMs);
  }
  const maxRetryDelayMs = options.maxRetryDelayMs ?? schedulerDefaults.maxRetryDelayMs;
  if (!(Number.isFinite(maxRetryDelayMs) && maxRetryDelayMs >= initialRetryDelayMs)) {
    fail(
      'maxRetryDelayMs',
      `a finite number >= initialRetryDelayMs (${initialRetryDelayMs})`,
      maxRetryDelayMs,
    );
  }
  const rateLimitHeadroom = options.rateLimitHeadroom ?? schedulerDefaults.rateLimitHeadroom;
  if (!(typeof rateLimitHeadroom === 'number' && rateLimitHeadroom >= 0 && rateLimitHeadroom < 1)) {
    fail('rateLimitHeadroom', 'a number in [0, 1)', rateLimitHeadroom);
  }
  const functionOrUnset = <T>(name: string, value: T | undefined): T | undefined => {
    if (value !== undefined && typeof value !== 'function') fail(name, 'a function or undefined', value);
    return value;
  };

  return {
    concurrency,
    requestsPerMinute: positiveOrUnset('requestsPerMinute', options.requestsPerMinute),
    tokensPerMinute: positiveOrUnset('tokensPerMinute', options.tokensPerMinute),
    rateLimitHeadroom,
    timeoutMs,
    maxRetries,
    initialRetryDelayMs,
    maxRetryDelayMs,
    estimateTokens: functionOrUnset('estimateTokens', options.estimateTokens) ?? defaultEstimateTokens,
    now: functionOrUnset('now', options.now) ?? Date.now,
    sleep: functionOrUnset('sleep', options.sleep) ?? delay,
    random: functionOrUnset('random', options.random) ?? Math.random,
    onEvent: functionOrUnset('onEvent', options.onEvent),
  };
}

function fail(name: string, expected: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new TypeError(`Expected \`${name}\` to be ${expected}, got \`${shown}\``);
}
