import type { ChatModel, GenerateRequest, GenerateResult } from '../spec/chat-model.js';
import { AbortError, ApiCallError, RetryError } from '../spec/errors.js';
import { RateLimiter, type RateLimitReservation } from './rate-limiter.js';
import {
  type ResolvedSchedulerOptions,
  resolveSchedulerOptions,
  type SchedulerEvent,
  type SchedulerOptions,
} from './resolve-scheduler-options.js';
import { computeRetryDelay } from './retry-delay.js';
import { Semaphore } from './semaphore.js';

/** Counters since the scheduler was created. Every attempt counts, retries included. */
export interface SchedulerStats {
  /** Attempts sent to a model. Always `succeeded + failed + inFlight`. */
  started: number;
  /** Attempts that returned a reply (a `finishReason: 'length'` reply included). */
  succeeded: number;
  /** Attempts that threw: HTTP errors, timeouts, network errors, user aborts during the call. */
  failed: number;
  /** Attempts that were retries of an earlier one. */
  retries: number;
  /** Attempts answered with HTTP 429. */
  rateLimited429: number;
  /** Usage reported by the succeeded attempts. */
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  /** Attempts inside `model.generate` right now, and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
}

export interface Scheduler {
  readonly options: ResolvedSchedulerOptions;
  /**
   * Runs `model.generate(request)` under the scheduler's concurrency, rate limits, per-attempt
   * timeout and retries.
   *
   * Rejects with `AbortError` when `request.signal` aborts (never retried). An error that is not
   * retried (not a retryable `ApiCallError`, or any error when `maxRetries` is 0) is rethrown as
   * the model threw it, whatever the attempt: a first-try 401 arrives as that `ApiCallError`.
   * Only a call that was retried until `maxRetries + 1` attempts had failed rejects with a
   * `RetryError` (reason `maxRetriesExceeded`) holding every attempt's error; its `lastError` is
   * then always a retryable one (429, 5xx, a timeout, no connection).
   */
  generate(model: ChatModel, request: GenerateRequest): Promise<GenerateResult>;
  stats(): SchedulerStats;
}

/** The errors the scheduler aborted attempts with when they timed out (see `isAttemptTimeout`). */
const attemptTimeouts = new WeakSet<object>();

/**
 * Whether an attempt's signal was aborted because the attempt timed out: the request was sent and
 * no reply came in time. Any other reason (the caller's abort, a run stopped) is not a timeout.
 */
export function isAttemptTimeout(reason: unknown): reason is ApiCallError {
  return typeof reason === 'object' && reason !== null && attemptTimeouts.has(reason);
}

/** setTimeout fires at once for longer delays, so those mean "no timeout". */
const longestTimerMs = 2 ** 31 - 1;

/**
 * A scheduler for every call to one provider account: all models scheduled with it share its
 * concurrency and its rate limits, as they share the provider's.
 */
export function createScheduler(options: SchedulerOptions = {}): Scheduler {
  const resolved = resolveSchedulerOptions(options);
  const { now, sleep, onEvent } = resolved;
  const slots = new Semaphore(resolved.concurrency);
  const limiter = new RateLimiter({
    requestsPerMinute: resolved.requestsPerMinute,
    tokensPerMinute: resolved.tokensPerMinute,
    headroom: resolved.rateLimitHeadroom,
    now,
    sleep,
  });
  const counters: SchedulerStats = {
    started: 0,
    succeeded: 0,
    failed: 0,
    retries: 0,
    rateLimited429: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
  /** After a 429 no call starts before this time: the whole fleet backs off, not just one call. */
  let pausedUntil = Number.NEGATIVE_INFINITY;

  const emit = (event: SchedulerEvent) => onEvent?.(event);

  async function waitWhilePaused(modelId: string, signal: AbortSignal | undefined): Promise<void> {
    // A loop, because another 429 may extend the pause while we sleep.
    for (let waitMs = pausedUntil - now(); waitMs > 0; waitMs = pausedUntil - now()) {
      emit({ type: 'wait', reason: 'paused', modelId, waitMs });
      await sleep(waitMs, signal);
    }
  }

  /** Waits out any pause and the rate limits; returns the reservation to settle after the call. */
  async function waitForTurn(
    modelId: string,
    estimatedTokens: number,
    signal: AbortSignal | undefined,
  ): Promise<RateLimitReservation> {
    for (;;) {
      await waitWhilePaused(modelId, signal);
      const reservation = limiter.reserve(estimatedTokens);
      const waitMs = reservation.startAt - now();
      if (waitMs > 0) {
        emit({ type: 'wait', reason: 'rate-limit', modelId, waitMs });
        try {
          await sleep(waitMs, signal);
        } catch (error) {
          limiter.cancel(reservation);
          throw error;
        }
      }
      if (pausedUntil <= now()) return reservation;
      // A 429 arrived while we waited: give the place back and queue again behind the pause, so
      // that the calls held back do not all start in one burst when it ends.
      limiter.cancel(reservation);
    }
  }

  async function attempt(model: ChatModel, request: GenerateRequest): Promise<GenerateResult> {
    const callerSignal = request.signal;
    // Aborted while the call waited for its turn: its listener below would never fire, and the
    // request would go out all the same.
    if (callerSignal?.aborted) throw new AbortError(undefined, { cause: callerSignal.reason });
    // One controller per attempt, fed by the caller's signal and by the timeout. Not
    // AbortSignal.any: with a long-lived run signal, Node keeps every composite signal of every
    // attempt reachable from it (nodejs/node#55351, #64476), and its timeout timer cannot be
    // cleared; here both the listener and the timer go away when the attempt ends.
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut: ApiCallError | undefined;
    if (resolved.timeoutMs <= longestTimerMs) {
      timer = setTimeout(() => {
        // The attempt's signal carries the timeout as its reason: a layer beneath (the request
        // ledger) tells a request that was sent and timed out from one the caller gave up.
        timedOut = new ApiCallError(`The call to ${model.id} timed out after ${resolved.timeoutMs} ms`, {
          isRetryable: true,
        });
        attemptTimeouts.add(timedOut);
        controller.abort(timedOut);
      }, resolved.timeoutMs);
    }
    // Settles the attempt at once on abort or timeout, even if the model ignores its signal.
    let onAttemptAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAttemptAbort = () => reject(controller.signal.reason);
      controller.signal.addEventListener('abort', onAttemptAbort, { once: true });
    });

    counters.started++;
    counters.inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
    try {
      const generating = model.generate({ ...request, signal: controller.signal });
      // Whichever of the two loses the race must not become an unhandled rejection.
      generating.catch(() => {});
      aborted.catch(() => {});
      const result = await Promise.race([generating, aborted]);
      counters.succeeded++;
      return result;
    } catch (error) {
      counters.failed++;
      if (callerSignal?.aborted) throw new AbortError(undefined, { cause: callerSignal.reason });
      if (timedOut !== undefined) throw timedOut;
      throw error;
    } finally {
      counters.inFlight--;
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
      if (onAttemptAbort !== undefined) controller.signal.removeEventListener('abort', onAttemptAbort);
    }
  }

  async function generate(model: ChatModel, request: GenerateRequest): Promise<GenerateResult> {
    const signal = request.signal;
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    // Only a tokens-per-minute budget reads the estimate, and counting a long prompt's tokens
    // costs more CPU than the rest of the call's handling.
    const estimatedTokens = resolved.tokensPerMinute === undefined ? 0 : resolved.estimateTokens(request);
    const errors: unknown[] = [];

    // The slot is held through retries and their backoff: a struggling server then sees fewer
    // calls, not the same number from new callers.
    const release = await slots.acquire(signal);
    try {
      for (let attemptNumber = 1; ; attemptNumber++) {
        const reservation = await waitForTurn(model.id, estimatedTokens, signal);
        if (attemptNumber > 1) counters.retries++;
        let result: GenerateResult;
        try {
          result = await attempt(model, request);
        } catch (error) {
          // A failed attempt keeps its estimated debit: the provider may well have counted it.
          if (AbortError.isInstance(error)) throw error;
          errors.push(error);
          const retryable = ApiCallError.isInstance(error) && error.isRetryable;
          const delayMs = computeRetryDelay({
            attempt: attemptNumber,
            error,
            initialDelayMs: resolved.initialRetryDelayMs,
            maxDelayMs: resolved.maxRetryDelayMs,
            random: resolved.random,
            now,
          });
          // The whole fleet backs off, even when this call has no retries left: the server's
          // verdict is about the account, not about this request.
          if (ApiCallError.isInstance(error) && error.status === 429) {
            counters.rateLimited429++;
            pausedUntil = Math.max(pausedUntil, now() + delayMs);
            emit({ type: 'rate-limited', modelId: model.id, pauseMs: delayMs, error });
          }
          // An error that is not retried ends the call as it is, so that callers read a 401 or an
          // InputError directly; the attempts before it were reported as `retry` events.
          if (!retryable) throw error;
          if (attemptNumber > resolved.maxRetries) {
            if (attemptNumber === 1) throw error;
            throw new RetryError(
              `Call to ${model.id} failed after ${attemptNumber} attempts: ${describe(error)}`,
              { reason: 'maxRetriesExceeded', errors },
            );
          }
          emit({ type: 'retry', modelId: model.id, attempt: attemptNumber, delayMs, error });
          await sleep(delayMs, signal);
          continue;
        }
        limiter.settle(reservation, result.usage.inputTokens + result.usage.outputTokens);
        counters.inputTokens += result.usage.inputTokens;
        counters.outputTokens += result.usage.outputTokens;
        counters.cachedInputTokens += result.usage.cachedInputTokens ?? 0;
        return result;
      }
    } finally {
      release();
    }
  }

  return {
    options: resolved,
    generate,
    stats: () => ({ ...counters }),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
