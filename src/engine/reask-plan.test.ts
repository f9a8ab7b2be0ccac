import { describe, expect, it } from 'vitest';
import { type ReaskInput, reaskPlan } from './reask-plan.js';

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
    expect(reaskPlan(base)).toEqual({
      parts: 2,
      format: 'lines',
      reason: 'numbered the inputs from 1, but they are numbered from 0',
    });
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

  it('plans nothing once the attempts are used up or nothing is missing', () => {
    expect(reaskPlan({ ...base, attempt: 2 })).toBeUndefined();
    expect(reaskPlan({ ...base, missing: 0 })).toBeUndefined();
    expect(reaskPlan({ ...base, maxReasks: 0 })).toBeUndefined();
  });
});
