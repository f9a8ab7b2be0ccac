import { describe, expect, it } from 'vitest';
import { sequentialChangeTest } from './sequential-change-test.js';

const options = { stableRate: 0.005, unstableRate: 0.05, risk: 0.1 };

describe('sequentialChangeTest', () => {
  it('wants more items while the evidence is thin', () => {
    expect(sequentialChangeTest(0, 0, options).verdict).toBe('undecided');
    expect(sequentialChangeTest(27, 0, options).verdict).toBe('undecided');
  });

  it('calls a model stable after about 48 sure answers that all repeat', () => {
    // Each repeat adds log(0.95 / 0.995) = -0.0463; the threshold is log(0.1 / 0.9) = -2.197.
    expect(sequentialChangeTest(47, 0, options).verdict).toBe('undecided');
    expect(sequentialChangeTest(48, 0, options).verdict).toBe('stable');
  });

  it('calls a model order-dependent on a change among the first few, and on 2 in 59', () => {
    expect(sequentialChangeTest(3, 1, options).verdict).toBe('order-dependent');
    expect(sequentialChangeTest(59, 2, options).verdict).toBe('undecided');
    expect(sequentialChangeTest(40, 2, options).verdict).toBe('order-dependent');
    expect(sequentialChangeTest(30, 3, options).verdict).toBe('order-dependent');
  });

  it('needs more repeats after one change before it calls a model stable', () => {
    // 1 change: +2.303; 1 + 47.45 + 49.6 repeats bring the sum below -2.197.
    expect(sequentialChangeTest(97, 1, options).verdict).toBe('undecided');
    expect(sequentialChangeTest(99, 1, options).verdict).toBe('stable');
  });

  it('reports its sum and thresholds', () => {
    const evidence = sequentialChangeTest(10, 1, options);
    expect(evidence.logLikelihoodRatio).toBeCloseTo(Math.log(10) + 9 * Math.log(0.95 / 0.995), 10);
    expect(evidence.stableAt).toBeCloseTo(-Math.log(9), 10);
    expect(evidence.orderDependentAt).toBeCloseTo(Math.log(9), 10);
  });
});
