import { describe, expect, it } from 'vitest';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

describe('resolveSchedulerOptions', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveSchedulerOptions();
    expect(resolved).toMatchObject({
      concurrency: 8,
      requestsPerMinute: undefined,
      tokensPerMinute: undefined,
      timeoutMs: 120_000,
      maxRetries: 6,
      initialRetryDelayMs: 500,
      maxRetryDelayMs: 60_000,
    });
    const estimate = resolved.estimateTokens({ messages: [{ role: 'user', content: 'hello' }] });
    // 3 (reply primer) + 3 (message) + 1 ("hello") + 256 (default output budget)
    expect(estimate).toBe(263);
  });

  it('treats an explicit undefined as "use the default"', () => {
    expect(resolveSchedulerOptions({ concurrency: undefined }).concurrency).toBe(8);
  });

  it('names the option, the value and what would be valid', () => {
    expect(() => resolveSchedulerOptions({ concurrency: 0 })).toThrow(
      'Expected `concurrency` to be an integer >= 1 or Infinity, got `0`',
    );
    expect(() => resolveSchedulerOptions({ maxRetries: 1.5 })).toThrow(
      'Expected `maxRetries` to be an integer >= 0, got `1.5`',
    );
    expect(() => resolveSchedulerOptions({ requestsPerMinute: -1 })).toThrow('`requestsPerMinute`');
    expect(() => resolveSchedulerOptions({ timeoutMs: '5' as unknown as number })).toThrow(
      'Expected `timeoutMs` to be a number > 0 or Infinity, got `"5"`',
    );
    expect(() => resolveSchedulerOptions({ initialRetryDelayMs: 5000, maxRetryDelayMs: 1000 })).toThrow(
      '`maxRetryDelayMs`',
    );
  });

  it('does not touch the caller object', () => {
    const options = Object.freeze({ concurrency: 2 });
    expect(resolveSchedulerOptions(options).concurrency).toBe(2);
  });
});
