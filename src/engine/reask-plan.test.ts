import { describe, expect, it } from 'vitest';
import { ApiCallError, InputError, RetryError } from '../spec/errors.js';
import { failedCallPlan, type ReaskInput, reaskPlan } from './reask-plan.js';

const base: ReaskInput = {
  batchSize: 8,
  missing: 8,
  format: 'lines',
  issue: { kind: 'numbering-from-1', detail: '' },
  truncated: false,
  attempt: 0,
  maxReasks: 2,
  supportsJsonSchema: true,
};

describe('reaskPlan', () => {
  it('splits a batch that got no usable answer and names the convention that failed', () => {
    const noAnswers = { ...base, issue: { kind: 'no-answers' as const, detail: '' } };
    expect(reaskPlan(noAnswers)).toEqual({
      parts: 2,
      format: 'lines',
      reason: 'held no answer in the format asked for',
      extraAttempt: false,
    });
    expect(reaskPlan({ ...base, attempt: 1 })).toEqual({
      parts: 2,
      format: 'lines',
      reason: 'numbered the inputs from 1, but they are numbered from 0',
      extraAttempt: false,
    });
  });

  it('asks a batch whose numbering failed again whole the first time, naming the fault, as an extra attempt', () => {
    expect(reaskPlan(base)).toEqual({
      parts: 1,
      format: 'lines',
      reason: 'numbered the inputs from 1, but they are numbered from 0',
      extraAttempt: true,
    });
    // A partly answered batch is asked whole anyway: no split is put off, so no attempt is added.
    expect(reaskPlan({ ...base, missing: 3 })?.extraAttempt).toBe(false);
    expect(reaskPlan({ ...base, maxReasks: 0 })).toBeUndefined();
    for (const kind of ['numbering-out-of-range', 'numbering-gap', 'repeated'] as const) {
      expect(reaskPlan({ ...base, issue: { kind, detail: '' } })?.parts).toBe(1);
    }
    expect(reaskPlan({ ...base, truncated: true })?.parts).toBe(2);
  });

  it('keeps a partly answered batch whole unless the reply was cut off', () => {
    expect(reaskPlan({ ...base, missing: 3, issue: { kind: 'numbering-gap', detail: '' } })).toMatchObject({
      parts: 1,
      reason: 'skipped an input',
    });
    expect(reaskPlan({ ...base, missing: 3, truncated: true })).toMatchObject({
      parts: 2,
      reason: 'was cut off before it answered every input',
    });
  });

  it('asks a single item in the other format, JSON only where the model takes a schema', () => {
    const single = { ...base, batchSize: 1, missing: 1, issue: { kind: 'no-code' as const, detail: '' } };
    expect(reaskPlan(single)?.format).toBe('json');
    expect(reaskPlan({ ...single, supportsJsonSchema: false })?.format).toBe('lines');
    expect(reaskPlan({ ...single, format: 'json', supportsJsonSchema: false })?.format).toBe('lines');
  });

  it('adds no attempt for a single item whose numbering failed: there is no split to put off', () => {
    expect(reaskPlan({ ...base, batchSize: 1, missing: 1 })).toMatchObject({ parts: 1, extraAttempt: false });
  });

  it('plans nothing once the attempts are used up or nothing is missing', () => {
    expect(reaskPlan({ ...base, attempt: 2 })).toBeUndefined();
    expect(reaskPlan({ ...base, missing: 0 })).toBeUndefined();
    expect(reaskPlan({ ...base, maxReasks: 0 })).toBeUndefined();
  });
});

describe('failedCallPlan', () => {
  const call = { batchSize: 8, attempt: 0, maxReasks: 2 };
  const status = (code: number) => new ApiCallError(`status ${code}`, { status: code });

  it('stops the run on an error that refuses every call alike, however many attempts are left', () => {
    expect(failedCallPlan({ ...call, error: status(401) })).toBe('stop');
    expect(failedCallPlan({ ...call, error: status(404) })).toBe('stop');
    const retried = new RetryError('gave up', { reason: 'errorNotRetryable', errors: [status(403)] });
    expect(failedCallPlan({ ...call, error: retried })).toBe('stop');
    expect(failedCallPlan({ ...call, error: new InputError('no gold answer') })).toBe('stop');
  });

  it('splits a call that may have been too large or too slow', () => {
    expect(failedCallPlan({ ...call, error: status(400) })).toBe('split');
    expect(failedCallPlan({ ...call, error: status(413) })).toBe('split');
    expect(failedCallPlan({ ...call, error: new ApiCallError('socket hang up') })).toBe('split');
    expect(failedCallPlan({ ...call, error: new Error('timed out') })).toBe('split');
    // The smallest batch that halves: two calls of one item each.
    expect(failedCallPlan({ ...call, batchSize: 2, error: status(400) })).toBe('split');
  });

  it('asks a rate-limited or overloaded call again whole instead of adding calls', () => {
    const limited = new RetryError('gave up', { reason: 'maxRetriesExceeded', errors: [status(429)] });
    expect(failedCallPlan({ ...call, error: limited })).toBe('again');
    expect(failedCallPlan({ ...call, error: status(503) })).toBe('again');
  });

  it('records the items failed once attempts are used up, or when one item fails for no size reason', () => {
    expect(failedCallPlan({ ...call, attempt: 2, error: status(400) })).toBe('record');
    expect(failedCallPlan({ ...call, attempt: 2, error: status(503) })).toBe('record');
    expect(failedCallPlan({ ...call, batchSize: 1, error: status(400) })).toBe('record');
    expect(failedCallPlan({ ...call, batchSize: 1, error: status(503) })).toBe('again');
  });
});
