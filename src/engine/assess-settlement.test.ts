import { describe, expect, it } from 'vitest';
import { assessSettlement } from './assess-settlement.js';
import type { Vote } from './vote.js';

const vote = (round: number, answer: string, confident: boolean): Vote => ({
  round,
  answer,
  confident,
  position: 0,
  batchSize: 32,
});

describe('assessSettlement', () => {
  it('settles a lone sure answer and sure answers that agree', () => {
    expect(assessSettlement([vote(1, 'yes', true)], 'weighted')).toEqual({ settled: true, margin: 1 });
    expect(assessSettlement([vote(1, 'yes', true), vote(2, 'yes', true)], 'majority')).toEqual({
      settled: true,
      margin: 1,
    });
  });

  it('flags an answer that was never given sure', () => {
    const history = [vote(1, 'no', false), vote(2, 'no', false), vote(3, 'no', false)];
    expect(assessSettlement(history, 'weighted')).toEqual({ settled: false, margin: 1 });
  });

  it('flags a tie and a narrow split, and settles a clear majority', () => {
    const tie = [vote(1, 'yes', true), vote(2, 'no', true)];
    expect(assessSettlement(tie, 'weighted')).toEqual({ settled: false, margin: 0 });
    const twoToOne = [vote(1, 'yes', true), vote(2, 'no', true), vote(3, 'yes', true)];
    expect(assessSettlement(twoToOne, 'majority')).toEqual({ settled: false, margin: 0.333 });
    const threeToOne = [...twoToOne, vote(4, 'yes', true)];
    expect(assessSettlement(threeToOne, 'majority')).toEqual({ settled: true, margin: 0.5 });
  });

  it('weighs unsure dissent lightly under weighted voting only', () => {
    const history = [vote(1, 'yes', true), vote(2, 'no', false)];
    // Weighted: 1 against 0.2, margin 0.8 / 1.2.
    expect(assessSettlement(history, 'weighted')).toEqual({ settled: true, margin: 0.667 });
    // Majority: one vote each, a tie.
    expect(assessSettlement(history, 'majority')).toEqual({ settled: false, margin: 0 });
  });

  it('flags an item without votes', () => {
    expect(assessSettlement([], 'weighted')).toEqual({ settled: false, margin: 0 });
  });
});
