import { describe, expect, it } from 'vitest';
import type { ChatModel, GenerateResult } from '../spec/chat-model.js';
import { ApiCallError, RetryError } from '../spec/errors.js';
import { retryBilledFailures } from './retry-billed-failures.js';

const billedUsage = { inputTokens: 120, outputTokens: 9, estimated: true };
const billed = () =>
  new ApiCallError('the API answered with status 200: Invalid JSON response', {
    status: 200,
    isRetryable: true,
    billedUsage,
  });
const reply: GenerateResult = {
  text: 'yes',
  usage: { inputTokens: 120, outputTokens: 3 },
  finishReason: 'stop',
};

/** A model that fails with the given errors, one per call, then answers. */
function failingThen(errors: Error[]): ChatModel & { calls: number } {
  const model = {
    id: 'openai-compatible:queued',
    simulated: false,
    supportsJsonSchema: false,
    calls: 0,
    async generate() {
      const error = errors[model.calls];
      model.calls += 1;
      if (error !== undefined) throw error;
      return reply;
    },
  };
  return model;
}

const noWait = async () => {};
const ask = { messages: [{ role: 'user' as const, content: 'is it?' }] };

describe('retryBilledFailures', () => {
  it('asks again after a billed failure, each attempt through the model beneath, and tells of the retry', async () => {
    const model = failingThen([billed(), billed()]);
    const retries: number[] = [];
    const retried = retryBilledFailures(model, {
      sleep: noWait,
      onRetry: (event) => retries.push(event.attempt),
    });
    await expect(retried.generate(ask)).resolves.toEqual(reply);
    expect(model.calls).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up after maxRetries retries with every attempt in a RetryError', async () => {
    const model = failingThen([billed(), billed(), billed()]);
    const error = await retryBilledFailures(model, { maxRetries: 2, sleep: noWait })
      .generate(ask)
      .catch((caught: unknown) => caught);
    expect(model.calls).toBe(3);
    expect(RetryError.isInstance(error) && error.errors).toHaveLength(3);
  });

  it('passes any other failure through at once: the workers retried it already', async () => {
    for (const failure of [
      new ApiCallError('overloaded', { status: 503, isRetryable: true }),
      new ApiCallError('stopped', { status: 200, isRetryable: false, isFatal: true, billedUsage }),
      new Error('not an API error'),
    ]) {
      const model = failingThen([failure]);
      await expect(retryBilledFailures(model, { sleep: noWait }).generate(ask)).rejects.toBe(failure);
      expect(model.calls).toBe(1);
    }
  });
});
