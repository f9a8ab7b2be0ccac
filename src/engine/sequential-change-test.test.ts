import { describe, expect, it } from 'vitest';
import { sequentialChangeTest } from './sequential-change-test.js';

const options = {
  stableRate: { sure: 0.04, unsure: 0.25 },
  unstableRate: { sure: 0.12, unsure: 0.75 },
  risk: 0.1,
};
const none = { items: 0, moved: 0 };
const test = (sure: [number, number], unsure: [number, number] = [0, 0]) =>
  sequentialChangeTest(
    { sure: { items: sure[0], moved: sure[1] }, unsure: { items: unsure[0], moved: unsure[1] } },
    options,
  );

describe('sequentialChangeTest', () => {
  it('wants more items while the evidence is thin', () => {
    expect(sequentialChangeTest({ sure: none, unsure: none }, options).verdict).toBe('undecided');
    expect(test([10, 0]).verdict).toBe('undecided');
    expect(test([0, 0], [1, 0]).verdict).toBe('undecided');
  });

  it('calls a model stable after 26 sure answers that all stay, or fewer beside an unsure one that stays', () => {
    // A sure answer that stays adds log(0.88 / 0.96) = -0.0870; the threshold is log(0.1 / 0.9) = -2.197.
    expect(test([25, 0]).verdict).toBe('undecided');
    expect(test([26, 0]).verdict).toBe('stable');
    // An unsure answer that stays unsure with its label adds log(0.25 / 0.75) = -1.099.
    expect(test([12, 0], [1, 0]).verdict).toBe('undecided');
    expect(test([13, 0], [1, 0]).verdict).toBe('stable');
  });

  it('calls a model order-dependent when its unsure answers come back sure', () => {
    // Each such answer adds log(0.75 / 0.25) = +1.099: three outweigh 20 sure answers that stay.
    expect(test([20, 0], [3, 3]).verdict).toBe('undecided');
    expect(test([0, 0], [3, 3]).verdict).toBe('order-dependent');
    expect(test([10, 1], [3, 3]).verdict).toBe('order-dependent');
    // Sure answers that move (+1.099 each) decide it too.
    expect(test([10, 4]).verdict).toBe('order-dependent');
  });

  it('does not call a model stable while its sure answers alone make the case against it', () => {
    // 27 sure answers, 4 of them moved: +2.39 on their own; 5 unsure ones that stay: -5.49.
    const evidence = test([27, 4], [5, 0]);
    expect(evidence.logLikelihoodRatio).toBeLessThan(evidence.stableAt);
    expect(evidence.byStratum.sure).toBeGreaterThan(evidence.orderDependentAt);
    expect(evidence.verdict).toBe('undecided');
    // With one move fewer the sure answers no longer make that case.
    expect(test([27, 3], [5, 0]).verdict).toBe('stable');
  });

  it('needs more items that stay after one that moved', () => {
    expect(test([32, 1]).verdict).toBe('undecided');
    expect(test([39, 1]).verdict).toBe('stable');
  });

  it('reports its sum, counts and thresholds', () => {
    const evidence = test([10, 1], [4, 1]);
    expect(evidence.logLikelihoodRatio).toBeCloseTo(
      Math.log(3) + 9 * Math.log(0.88 / 0.96) + Math.log(3) + 3 * Math.log(1 / 3),
      10,
    );
    expect(evidence.sure).toEqual({ items: 10, moved: 1 });
    expect(evidence.unsure).toEqual({ items: 4, moved: 1 });
    expect(evidence.stableAt).toBeCloseTo(-Math.log(9), 10);
    expect(evidence.orderDependentAt).toBeCloseTo(Math.log(9), 10);
  });
});
