import { describe, expect, it } from 'vitest';
import { ApiCallError } from '../spec/errors.js';
import { describeSchedulerEvent } from './describe-scheduler-event.js';

describe('describeSchedulerEvent', () => {
  it('says a call is retried, why, and how long it waits', () => {
    const error = new ApiCallError('openai:gpt-4o: the API answered with status 503: overloaded', {
      status: 503,
    });
    expect(
      describeSchedulerEvent({ type: 'retry', modelId: 'openai:gpt-4o', attempt: 2, delayMs: 4200, error }),
    ).toBe(
      'warning: openai:gpt-4o: attempt 2 failed (openai:gpt-4o: the API answered with status 503: overloaded); retrying in 4.2 s',
    );
  });

  it('says the calls pause after a 429, and is silent about planned rate-limit waits', () => {
    const error = new ApiCallError('rate limited', { status: 429 });
    expect(describeSchedulerEvent({ type: 'rate-limited', modelId: 'm', pauseMs: 30_000, error })).toBe(
      'warning: m: rate limited (429); every call waits 30 s',
    );
    expect(
      describeSchedulerEvent({ type: 'wait', reason: 'rate-limit', modelId: 'm', waitMs: 500 }),
    ).toBeUndefined();
  });
});
