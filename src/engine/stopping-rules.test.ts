import { describe, expect, it } from 'vitest';
import { resolveStrategy } from './resolve-strategy.js';
import { roundCountIs } from './round-count-is.js';
import { seasAgreement } from './seas-agreement.js';
import { shouldStop } from './stop-condition.js';
import { stoppingRules } from './stopping-rules.js';
import { unsureAgreement } from './unsure-agreement.js';
import type { Vote } from './vote.js';

const vote = (round: number, answer: string, confident: boolean): Vote => ({
  round,
  answer,
  confident,
  position: 0,
  batchSize: 32,
});

describe('stopping predicates on hand-made vote histories', () => {
  it('seasAgreement wants the same sure answer in this round and the one before', () => {
    const stop = seasAgreement();
    expect(stop({ votes: [vote(1, 'yes', true)], round: 1 })).toBe(false);
    expect(stop({ votes: [vote(1, 'yes', true), vote(2, 'yes', true)], round: 2 })).toBe(true);
    // A tie of two sure votes is no agreement.
    expect(stop({ votes: [vote(1, 'yes', true), vote(2, 'no', true)], round: 2 })).toBe(false);
    expect(stop({ votes: [vote(1, 'yes', true), vote(2, 'yes', false)], round: 2 })).toBe(false);
    // A round without a vote (a missing answer) breaks the chain.
    expect(stop({ votes: [vote(1, 'yes', true), vote(3, 'yes', true)], round: 3 })).toBe(false);
  });

  it('unsureAgreement stops unsure votes that repeat one label, not a split or a sure vote', () => {
    const stop = unsureAgreement(2);
    expect(stop({ votes: [vote(1, 'no', false)], round: 1 })).toBe(false);
    expect(stop({ votes: [vote(1, 'no', false), vote(2, 'no', false)], round: 2 })).toBe(true);
    expect(stop({ votes: [vote(1, 'no', false), vote(2, 'yes', false)], round: 2 })).toBe(false);
    expect(stop({ votes: [vote(1, 'no', true), vote(2, 'no', false)], round: 2 })).toBe(false);
    // Only the last votes count: a split long ago does not hold an item.
    const history = [vote(1, 'yes', false), vote(2, 'no', false), vote(3, 'no', false)];
    expect(stop({ votes: history, round: 3 })).toBe(true);
    expect(unsureAgreement(3)({ votes: history, round: 3 })).toBe(false);
  });

  it('roundCountIs stops at the last round whatever the votes', () => {
    const tie = [vote(1, 'yes', true), vote(2, 'no', true)];
    expect(roundCountIs(3)({ votes: tie, round: 2 })).toBe(false);
    expect(roundCountIs(3)({ votes: [...tie, vote(3, 'yes', false)], round: 3 })).toBe(true);
  });

  it('a rule set stops when any of its conditions holds', () => {
    const strategy = resolveStrategy({ strategy: 'adaptive', rounds: 5, format: 'lines' });
    const adaptive = stoppingRules.adaptive(strategy);
    const seas = stoppingRules.seas(strategy);
    const unsureTwice = { votes: [vote(1, 'no', false), vote(2, 'no', false)], round: 2 };
    expect(shouldStop(adaptive, unsureTwice)).toBe(true);
    expect(shouldStop(seas, unsureTwice)).toBe(false);
    const tied = { votes: [vote(1, 'no', true), vote(2, 'yes', true)], round: 2 };
    expect(shouldStop(adaptive, tied)).toBe(false);
    expect(shouldStop(seas, { ...tied, round: 5 })).toBe(true);
    expect(shouldStop(stoppingRules.none(strategy), unsureTwice)).toBe(false);
  });
});
