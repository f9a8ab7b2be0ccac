import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatModel, GenerateRequest, GenerateResult } from '../spec/chat-model.js';
import { AbortError, ApiCallError, RetryError } from '../spec/errors.js';
import { delay } from './delay.js';
import type { SchedulerEvent } from './resolve-scheduler-options.js';
import { createScheduler } from './scheduler.js';

const request: GenerateRequest = { messages: [{ role: 'user', content: 'Is the sky blue?' }] };

function reply(overrides: Partial<GenerateResult> = {}): GenerateResult {
  return { text: 'yes', usage: { inputTokens: 10, outputTokens: 1 }, finishReason: 'stop', ...overrides };
}

/** A tiny ChatModel whose behaviour per call is given by `respond`; it records every call. */
function fakeModel(
  respond: (call: GenerateRequest, index: number) => Promise<GenerateResult> | GenerateResult,
) {
  const calls: GenerateRequest[] = [];
  const model: ChatModel = {
    id: 'fake:model',
    simulated: true,
    supportsJsonSchema: false,
    generate: async (call) => {
      calls.push(call);
      return respond(call, calls.length - 1);
    },
  };
  return { model, calls };
}

const never = () => new Promise<GenerateResult>(() => {});

/** Lets every pending promise callback run, without moving the fake clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('createScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ loopLimit: 100_000 });
    vi.setSystemTime(0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never has more than `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const { model } = fakeModel(async (_call, index) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await delay(10 + ((index * 37) % 50));
      inFlight--;
      return reply();
    });
    const scheduler = createScheduler({ concurrency: 3 });
    const all = Promise.all(Array.from({ length: 25 }, () => scheduler.generate(model, request)));
    await vi.runAllTimersAsync();
    await all;
    expect(mostInFlight).toBe(3);
    expect(scheduler.stats()).toMatchObject({ started: 25, succeeded: 25, maxInFlight: 3, inFlight: 0 });
  });

  it('keeps a sliding-window rpm server free of 429s while reaching >= 90% of its limit', async () => {
    const limit = 60;
    const starts: number[] = [];
    const { model } = fakeModel(async () => {
      const time = Date.now();
      const recent = starts.filter((start) => start > time - 60_000).length;
      starts.push(time);
      if (recent >= limit) throw new ApiCallError('Too many requests', { status: 429 });
      await delay(300);
      return reply();
    });
    const scheduler = createScheduler({ concurrency: 20, requestsPerMinute: limit });
    const all = Promise.all(Array.from({ length: 300 }, () => scheduler.generate(model, request)));
    await vi.runAllTimersAsync();
    await all;
    expect(scheduler.stats().rateLimited429).toBe(0);
    const minutes = (starts.at(-1)! - starts[0]!) / 60_000;
    expect(starts.length / minutes).toBeGreaterThanOrEqual(0.9 * limit);
  });

  it('keeps a sliding-window tpm server free of 429s, correcting estimates with real usage', async () => {
    const limit = 100_000;
    const counted: { time: number; tokens: number }[] = [];
    const { model } = fakeModel(async (_call, index) => {
      const time = Date.now();
      const usage = { inputTokens: 800 + ((index * 131) % 400), outputTokens: 20 + (index % 60) };
      const recent = counted
        .filter((entry) => entry.time > time - 60_000)
        .reduce((sum, e) => sum + e.tokens, 0);
      counted.push({ time, tokens: usage.inputTokens + usage.outputTokens });
      if (recent + usage.inputTokens + usage.outputTokens > limit) {
        throw new ApiCallError('Too many tokens', { status: 429 });
      }
      await delay(500);
      return reply({ usage });
    });
    // The estimate budgets 1500 output tokens that the replies never use: only the correction by
    // reported usage lets the client get near the limit (without it: 0.95 x 1050 / 2700, about 37%).
    const scheduler = createScheduler({
      concurrency: 8,
      tokensPerMinute: limit,
      estimateTokens: () => 2700,
    });
    const all = Promise.all(Array.from({ length: 600 }, () => scheduler.generate(model, request)));
    await vi.runAllTimersAsync();
    await all;
    expect(scheduler.stats().rateLimited429).toBe(0);
    const minutes = (counted.at(-1)!.time - counted[0]!.time) / 60_000;
    const total = counted.reduce((sum, entry) => sum + entry.tokens, 0);
    expect(total / minutes).toBeGreaterThanOrEqual(0.9 * limit);
  });

  it('starts the next call early when a reply used fewer tokens than estimated', async () => {
    const starts: number[] = [];
    const { model } = fakeModel(() => {
      starts.push(Date.now());
      return reply({ usage: { inputTokens: 90, outputTokens: 10 } });
    });
    // headroom 0: a one-token bucket refilled at exactly 1 token per millisecond.
    const scheduler = createScheduler({
      tokensPerMinute: 60_000,
      rateLimitHeadroom: 0,
      estimateTokens: () => 1000,
    });
    await scheduler.generate(model, request);
    const second = scheduler.generate(model, request);
    await vi.runAllTimersAsync();
    await second;
    // Without the correction the second call would wait the full 1000 ms of the first estimate.
    expect(starts[1]! - starts[0]!).toBeLessThan(1000);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(100);
  });

  it('waits what retry-after asks, capped at maxRetryDelayMs', async () => {
    let time = 0;
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      time += ms;
    };
    const { model, calls } = fakeModel((_call, index) => {
      if (index === 0) throw new ApiCallError('slow down', { status: 429, headers: { 'retry-after': '2' } });
      if (index === 1)
        throw new ApiCallError('slow down', { status: 429, headers: { 'retry-after': '3600' } });
      return reply();
    });
    const events: SchedulerEvent[] = [];
    const scheduler = createScheduler({
      now: () => time,
      sleep,
      maxRetryDelayMs: 10_000,
      onEvent: (event) => events.push(event),
    });
    await expect(scheduler.generate(model, request)).resolves.toMatchObject({ text: 'yes' });
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([2000, 10_000]);
    expect(events.filter((event) => event.type === 'retry').map((event) => event.delayMs)).toEqual([
      2000, 10_000,
    ]);
    expect(scheduler.stats()).toMatchObject({ retries: 2, rateLimited429: 2, failed: 2, succeeded: 1 });
  });

  it('pauses every new start after a 429 until its retry-after has passed', async () => {
    const starts: { index: number; time: number }[] = [];
    const { model } = fakeModel(async (_call, index) => {
      starts.push({ index, time: Date.now() });
      await delay(100);
      if (index === 0) throw new ApiCallError('slow down', { status: 429, headers: { 'retry-after': '5' } });
      return reply();
    });
    const events: SchedulerEvent[] = [];
    const scheduler = createScheduler({ onEvent: (event) => events.push(event) });
    const first = scheduler.generate(model, request);
    await vi.advanceTimersByTimeAsync(1000);
    // A fresh call, from another caller, while the first one backs off.
    const second = scheduler.generate(model, request);
    await vi.runAllTimersAsync();
    await Promise.all([first, second]);

    expect(starts[0]!.time).toBe(0);
    const afterPause = starts.slice(1).map((start) => start.time);
    expect(afterPause).toHaveLength(2);
    for (const time of afterPause) expect(time).toBeGreaterThanOrEqual(100 + 5000);
    expect(events).toContainEqual(expect.objectContaining({ type: 'rate-limited', pauseMs: 5000 }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'wait', reason: 'paused' }));
  });

  it('re-queues a call that was waiting for the rate limit when a 429 pauses the scheduler', async () => {
    const starts: number[] = [];
    const { model } = fakeModel((_call, index) => {
      starts.push(Date.now());
      if (index === 0) throw new ApiCallError('slow down', { status: 429, headers: { 'retry-after': '5' } });
      return reply();
    });
    // headroom 0: exactly one request per second, no burst.
    const scheduler = createScheduler({ requestsPerMinute: 60, rateLimitHeadroom: 0 });
    const all = Promise.all([scheduler.generate(model, request), scheduler.generate(model, request)]);
    await vi.runAllTimersAsync();
    await all;
    // The second call had its place at 1000 ms; both start after the pause, still a second apart.
    expect(starts).toHaveLength(3);
    expect(starts[1]).toBeGreaterThanOrEqual(5000);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(999);
  });

  it('does not retry a 400, and rethrows it as the model threw it', async () => {
    const refusal = new ApiCallError('Bad request', { status: 400 });
    const { model, calls } = fakeModel(() => {
      throw refusal;
    });
    const scheduler = createScheduler();
    const error = await scheduler.generate(model, request).catch((caught: unknown) => caught);
    expect(calls).toHaveLength(1);
    expect(error).toBe(refusal);
    expect(scheduler.stats()).toMatchObject({ retries: 0, failed: 1 });
  });

  it('does not retry an error that is not an ApiCallError, and rethrows it', async () => {
    const { model, calls } = fakeModel(() => {
      throw new TypeError('bug in the adapter');
    });
    const error = await createScheduler()
      .generate(model, request)
      .catch((caught: unknown) => caught);
    expect(calls).toHaveLength(1);
    expect(error).toBeInstanceOf(TypeError);
    expect(RetryError.isInstance(error)).toBe(false);
  });

  it('rethrows an error that ends a retried call when that error is not retried', async () => {
    const refusal = new ApiCallError('Unauthorized', { status: 401 });
    const { model, calls } = fakeModel((_, index) => {
      if (index === 0) throw new ApiCallError('Server error', { status: 503 });
      throw refusal;
    });
    const retries: unknown[] = [];
    const scheduler = createScheduler({
      maxRetries: 3,
      sleep: async () => {},
      onEvent: (event) => {
        if (event.type === 'retry') retries.push(event.error);
      },
    });
    const error = await scheduler.generate(model, request).catch((caught: unknown) => caught);
    expect(calls).toHaveLength(2);
    expect(error).toBe(refusal);
    // The attempt before it is not lost: it was reported when it was retried.
    expect((retries[0] as ApiCallError).status).toBe(503);
  });

  it('rethrows a retryable error as it is when maxRetries is 0 (nothing was retried)', async () => {
    const overload = new ApiCallError('Server error', { status: 503 });
    const { model, calls } = fakeModel(() => {
      throw overload;
    });
    const error = await createScheduler({ maxRetries: 0 })
      .generate(model, request)
      .catch((caught: unknown) => caught);
    expect(calls).toHaveLength(1);
    expect(error).toBe(overload);
  });

  it('gives up after maxRetries with every error', async () => {
    const { model, calls } = fakeModel(() => {
      throw new ApiCallError('Server error', { status: 503 });
    });
    const scheduler = createScheduler({ maxRetries: 2, sleep: async () => {} });
    const error = (await scheduler.generate(model, request).catch((caught: unknown) => caught)) as RetryError;
    expect(calls).toHaveLength(3);
    expect(error.reason).toBe('maxRetriesExceeded');
    expect(error.errors).toHaveLength(3);
    expect(error.message).toContain('after 3 attempts');
  });

  it('turns a slow attempt into a retryable timeout error, even when the model ignores its signal', async () => {
    const { model, calls } = fakeModel(never);
    const scheduler = createScheduler({ timeoutMs: 50, maxRetries: 1, sleep: async () => {} });
    const pending = scheduler.generate(model, request).catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(100);
    const error = (await pending) as RetryError;
    expect(calls).toHaveLength(2);
    expect(calls[0]!.signal?.aborted).toBe(true);
    expect(error.reason).toBe('maxRetriesExceeded');
    const timeout = error.lastError as ApiCallError;
    expect(timeout.status).toBeUndefined();
    expect(timeout.isRetryable).toBe(true);
    expect(timeout.message).toBe('The call to fake:model timed out after 50 ms');
  });

  it('returns a reply cut off at the length limit instead of failing it', async () => {
    const { model, calls } = fakeModel(() => reply({ finishReason: 'length' }));
    const scheduler = createScheduler();
    await expect(scheduler.generate(model, request)).resolves.toMatchObject({ finishReason: 'length' });
    expect(calls).toHaveLength(1);
  });

  it('leaves no abort listener on the caller signal after a successful call', async () => {
    const { model } = fakeModel(() => reply());
    const controller = new AbortController();
    await createScheduler().generate(model, { ...request, signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  describe('a user abort rejects at once (no timer needs to fire) and leaves no listener', () => {
    async function expectPromptAbort(pending: Promise<unknown>, controller: AbortController) {
      const outcome = pending.catch((caught: unknown) => caught);
      controller.abort(new Error('user pressed Ctrl-C'));
      await settle(); // microtasks only: the fake clock does not move
      expect(await outcome).toBeInstanceOf(AbortError);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    }

    it('while the model is working, even if it ignores the signal', async () => {
      const { model } = fakeModel(never);
      const scheduler = createScheduler();
      const controller = new AbortController();
      const pending = scheduler.generate(model, { ...request, signal: controller.signal });
      await settle();
      expect(scheduler.stats().inFlight).toBe(1);
      await expectPromptAbort(pending, controller);
      expect(scheduler.stats()).toMatchObject({ inFlight: 0, failed: 1, retries: 0 });
    });

    it('while waiting for a concurrency slot', async () => {
      const { model, calls } = fakeModel(never);
      const scheduler = createScheduler({ concurrency: 1 });
      void scheduler.generate(model, request);
      const controller = new AbortController();
      const pending = scheduler.generate(model, { ...request, signal: controller.signal });
      await settle();
      await expectPromptAbort(pending, controller);
      expect(calls).toHaveLength(1);
    });

    it('while waiting for the rate limit', async () => {
      const { model, calls } = fakeModel(() => reply());
      const scheduler = createScheduler({ requestsPerMinute: 1 });
      await scheduler.generate(model, request);
      const controller = new AbortController();
      const pending = scheduler.generate(model, { ...request, signal: controller.signal });
      await settle();
      await expectPromptAbort(pending, controller);
      expect(calls).toHaveLength(1);
    });

    it('while backing off before a retry', async () => {
      const { model, calls } = fakeModel(() => {
        throw new ApiCallError('Server error', { status: 500 });
      });
      const scheduler = createScheduler({ random: () => 0.99 });
      const controller = new AbortController();
      const pending = scheduler.generate(model, { ...request, signal: controller.signal });
      await settle();
      expect(calls).toHaveLength(1);
      await expectPromptAbort(pending, controller);
      await vi.runAllTimersAsync();
      expect(calls).toHaveLength(1);
    });

    it('while the scheduler is paused after a 429', async () => {
      const { model } = fakeModel((_call, index) => {
        if (index === 0)
          throw new ApiCallError('slow down', { status: 429, headers: { 'retry-after': '30' } });
        return reply();
      });
      const scheduler = createScheduler({ maxRetries: 0 });
      await scheduler.generate(model, request).catch(() => {});
      const controller = new AbortController();
      const pending = scheduler.generate(model, { ...request, signal: controller.signal });
      await settle();
      await expectPromptAbort(pending, controller);
    });

    it('before the call when the signal is already aborted', async () => {
      const { model, calls } = fakeModel(() => reply());
      await expect(
        createScheduler().generate(model, { ...request, signal: AbortSignal.abort() }),
      ).rejects.toBeInstanceOf(AbortError);
      expect(calls).toHaveLength(0);
    });
  });
});
