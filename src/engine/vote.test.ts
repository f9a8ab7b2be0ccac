import { describe, expect, it } from 'vitest';
import { decideVote, seasShouldStop, type Vote } from './vote.js';

const vote = (round: number, answer: string, confident: boolean): Vote => ({
  round,
  answer,
  confident,
  position: 0,
  batchSize: 1,
});

describe('decideVote', () => {
  it('majority voting counts every vote as one', () => {
    const outcome = decideVote(
      [vote(1, 'yes', false), vote(2, 'yes', false), vote(3, 'no', true)],
      'majority',
    );
    expect(outcome?.answer).toBe('yes');
    expect(outcome?.tally).toEqual({ yes: 2, no: 1 });
    expect(outcome?.confidence).toBeCloseTo(2 / 3);
  });

  it('weighted voting gives confident votes 1 and the others 0.2', () => {
    const outcome = decideVote(
      [vote(1, 'yes', false), vote(2, 'yes', false), vote(3, 'no', true)],
      'weighted',
    );
    expect(outcome?.answer).toBe('no');
    expect(outcome?.tally).toEqual({ yes: 0.4, no: 1 });
    expect(outcome?.confidence).toBeCloseTo(1 / 1.4);
  });

  it('breaks a tie in weight by the number of confident votes', () => {
    // yes: 1 + 5 x 0.2 = 2; no: 1 + 1 = 2, with two confident votes against one. yes came first,
    // so the earliest-round rule alone would pick it.
    const votes = [
      vote(1, 'yes', true),
      vote(2, 'yes', false),
      vote(3, 'yes', false),
      vote(4, 'yes', false),
      vote(5, 'yes', false),
      vote(6, 'yes', false),
      vote(7, 'no', true),
      vote(8, 'no', true),
    ];
    const outcome = decideVote(votes, 'weighted');
    expect(outcome?.tally).toEqual({ yes: 2, no: 2 });
    expect(outcome?.answer).toBe('no');
  });

  it('breaks a full tie by the answer given in the earliest round', () => {
    expect(decideVote([vote(2, 'no', true), vote(1, 'yes', true)], 'majority')?.answer).toBe('yes');
    expect(decideVote([vote(1, 'no', true), vote(2, 'yes', true)], 'majority')?.answer).toBe('no');
  });

  it('breaks a full tie by the round an answer was first given, not the round it was last given', () => {
    const votes = [vote(1, 'yes', true), vote(2, 'no', true), vote(3, 'no', true), vote(4, 'yes', true)];
    expect(decideVote(votes, 'majority')?.answer).toBe('yes');
  });

  it('reads weights that differ only by rounding as a tie', () => {
    // yes: 1 + 0.2 + 0.2 + 1 sums to 2.4, no: 1 + 1 + 0.2 + 0.2 to 2.4000000000000004; both have
    // two confident votes, so yes, given first, wins. Compared exactly, no would.
    const votes = [
      vote(1, 'yes', true),
      vote(2, 'no', true),
      vote(3, 'yes', false),
      vote(4, 'no', true),
      vote(5, 'yes', false),
      vote(6, 'no', false),
      vote(7, 'yes', true),
      vote(8, 'no', false),
    ];
    const outcome = decideVote(votes, 'weighted');
    expect(outcome?.tally).toEqual({ yes: 2.4, no: 2.4 });
    expect(outcome?.answer).toBe('yes');
  });

  it('has no outcome without votes', () => {
    expect(decideVote([], 'majority')).toBeUndefined();
  });
});

describe('seasShouldStop', () => {
  it('stops an item confidently answered alike in two consecutive rounds', () => {
    expect(seasShouldStop([vote(1, 'yes', true), vote(2, 'yes', true)], 2)).toBe(true);
  });

  it('never stops in round 1', () => {
    expect(seasShouldStop([vote(1, 'yes', true)], 1)).toBe(false);
  });

  it('keeps an item whose answers differ, or one of whose votes is not confident', () => {
    expect(seasShouldStop([vote(1, 'yes', true), vote(2, 'no', true)], 2)).toBe(false);
    expect(seasShouldStop([vote(1, 'yes', false), vote(2, 'yes', true)], 2)).toBe(false);
    expect(seasShouldStop([vote(1, 'yes', true), vote(2, 'yes', false)], 2)).toBe(false);
  });

  it('needs the two rounds to be consecutive', () => {
    expect(seasShouldStop([vote(1, 'yes', true), vote(3, 'yes', true)], 3)).toBe(false);
  });
});
