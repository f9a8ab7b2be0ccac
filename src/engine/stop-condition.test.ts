import { describe, expect, it } from 'vitest';
import type { AdaptiveDecision } from './adaptive-decision.js';
import { resolveStrategy } from './resolve-strategy.js';
import {
  fewLeft,
  pilotDecision,
  roundCountIs,
  seasAgreement,
  stoppingRules,
  stopReason,
  unsureAgreement,
} from './stop-condition.js';
import type { Vote } from './vote.js';

const vote = (round: number, answer: string, confident: boolean, batchSize = 32): Vote => ({
  round,
  answer,
  confident,
  position: 0,
  batchSize,
});

describe('stopping conditions on hand-made vote histories', () => {
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

  it('pilotDecision stops after round 1 the strata that stop, and a pilot item whose label repeated', () => {
    const decision: AdaptiveDecision = {
      stable: true,
      stopsAfterRound1: { sure: true, unsure: false },
      batchSize: 64,
    };
    const stop = pilotDecision(decision);
    expect(stop({ votes: [vote(1, 'yes', true)], round: 1 })).toBe(true);
    expect(stop({ votes: [vote(1, 'yes', false)], round: 1 })).toBe(false);
    // No round-1 answer (a failed call): nothing to stop on.
    expect(stop({ votes: [], round: 1 })).toBe(false);
    // An answer from a probe of a size the run did not keep proves nothing.
    expect(stop({ votes: [vote(1, 'yes', true, 128)], round: 1 })).toBe(false);
    expect(stop({ votes: [vote(1, 'yes', true, 64)], round: 1 })).toBe(true);
    // Asked again before the decision (the pilot): it stops when round 2 repeated its label.
    expect(stop({ votes: [vote(1, 'yes', true), vote(2, 'yes', false)], round: 2 })).toBe(true);
    expect(stop({ votes: [vote(1, 'yes', true), vote(2, 'no', true)], round: 2 })).toBe(false);
    expect(stop({ votes: [vote(1, 'no', false), vote(2, 'no', false)], round: 2 })).toBe(false);
    // Later rounds are SEAS's and the unsure cap's.
    expect(stop({ votes: [vote(1, 'yes', true), vote(2, 'no', true), vote(3, 'yes', true)], round: 3 })).toBe(
      false,
    );
    expect(
      stop({ votes: [vote(1, 'yes', true), vote(2, 'yes', false), vote(3, 'no', false)], round: 3 }),
    ).toBe(false);
  });

  it('fewLeft stops an item due with fewer than the minimum, after round 1 only', () => {
    const stop = fewLeft(8);
    expect(stop({ votes: [vote(1, 'yes', false)], round: 1, peers: 7 })).toBe(true);
    expect(stop({ votes: [vote(1, 'yes', false)], round: 1, peers: 8 })).toBe(false);
    // Not due next (other items of the window are asked before it): not yet.
    expect(stop({ votes: [vote(1, 'yes', false)], round: 1 })).toBe(false);
    expect(stop({ votes: [], round: 0, peers: 3 })).toBe(false);
    expect(fewLeft(0)({ votes: [vote(1, 'yes', false)], round: 1, peers: 1 })).toBe(false);
  });
});

describe('the stopping rules', () => {
  const strategy = resolveStrategy({ strategy: 'adaptive', rounds: 5, format: 'lines' });
  const stable: AdaptiveDecision = {
    stable: true,
    stopsAfterRound1: { sure: true, unsure: true },
    batchSize: 32,
  };
  const unsureTwice = { votes: [vote(1, 'no', false), vote(2, 'no', false)], round: 2 };
  const tied = { votes: [vote(1, 'no', true), vote(2, 'yes', true)], round: 2 };

  it('name the first condition that holds', () => {
    expect(stopReason(stoppingRules.none(strategy), unsureTwice)).toBeUndefined();
    expect(stopReason(stoppingRules.none(strategy), { ...tied, round: 5 })).toBe('rounds');
    expect(stopReason(stoppingRules.seas(strategy), unsureTwice)).toBeUndefined();
    // At the last round every rule stops, and the stop is not an early one.
    const sureTwice = { votes: [vote(4, 'no', true), vote(5, 'no', true)], round: 5 };
    expect(stopReason(stoppingRules.seas(strategy), sureTwice)).toBe('rounds');
    expect(
      stopReason(stoppingRules.seas(strategy), {
        ...sureTwice,
        round: 4,
        votes: [vote(3, 'no', true), vote(4, 'no', true)],
      }),
    ).toBe('seas');
  });

  it('adaptive is SEAS until the pilot finds the model stable, then adds the decision, the unsure cap and small rounds', () => {
    expect(stopReason(stoppingRules.adaptive(strategy), unsureTwice)).toBeUndefined();
    const notStable = { ...stable, stable: false };
    expect(stopReason(stoppingRules.adaptive(strategy, notStable), unsureTwice)).toBeUndefined();
    const applied = stoppingRules.adaptive(strategy, stable);
    expect(stopReason(applied, { votes: [vote(1, 'no', true)], round: 1 })).toBe('pilot');
    expect(
      stopReason(applied, { votes: [vote(1, 'yes', true), ...unsureTwice.votes.slice(1)], round: 2 }),
    ).toBe(undefined);
    const noStrata = stoppingRules.adaptive(strategy, {
      ...stable,
      stopsAfterRound1: { sure: false, unsure: false },
    });
    expect(stopReason(noStrata, unsureTwice)).toBe('unsure');
    expect(stopReason(noStrata, tied)).toBeUndefined();
    expect(stopReason(noStrata, { ...tied, peers: 3 })).toBe('few');
    expect(stopReason(noStrata, { ...tied, peers: 30 })).toBeUndefined();
  });
});
