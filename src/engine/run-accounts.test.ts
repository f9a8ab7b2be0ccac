import { describe, expect, it } from 'vitest';
import { RunAccounts } from './run-accounts.js';
import type { CallRecord, ItemResult } from './types.js';

const call = (overrides: Partial<CallRecord>): CallRecord => ({
  round: 1,
  attempt: 0,
  items: 4,
  inputTokens: 100,
  outputTokens: 20,
  cachedInputTokens: 0,
  estimated: false,
  finishReason: 'stop',
  ...overrides,
});

const result = (overrides: Partial<ItemResult>): ItemResult =>
  ({
    index: 0,
    id: 'a',
    answer: 'yes',
    status: 'answered',
    rounds: 1,
    votes: [],
    ...overrides,
  }) as ItemResult;

describe('RunAccounts', () => {
  it('adds every call to the run and to its round, failed calls apart with no tokens', () => {
    const accounts = new RunAccounts();
    accounts.call(call({}), false);
    accounts.call(
      call({ round: 2, attempt: 1, inputTokens: 50, outputTokens: 5, cachedInputTokens: 30 }),
      true,
    );
    accounts.call(call({ round: 2, finishReason: 'failed', inputTokens: 0, outputTokens: 0 }), false);
    const totals = accounts.totals();
    expect(totals).toMatchObject({
      calls: 2,
      failedCalls: 1,
      reasks: 1,
      inputTokens: 150,
      outputTokens: 25,
      cachedInputTokens: 30,
      replayedCalls: 1,
      replayedInputTokens: 50,
      replayedOutputTokens: 5,
    });
    expect(totals.rounds.map((round) => [round.round, round.calls, round.inputTokens])).toEqual([
      [1, 1, 100],
      [2, 1, 50],
    ]);
    expect(totals.rounds.reduce((sum, round) => sum + round.inputTokens, 0)).toBe(totals.inputTokens);
  });

  it('counts items by outcome, their rounds, and the scored ones', () => {
    const accounts = new RunAccounts();
    accounts.roundStarted(1, 3);
    accounts.stopped(1, 'seas');
    accounts.roundStarted(2, 2);
    // Through the last round is no early stop: counted by reason, not as the round's stop.
    accounts.stopped(2, 'rounds');
    accounts.stopped(2, 'rounds');
    accounts.finished(result({ rounds: 1, correct: true }));
    accounts.finished(result({ rounds: 2, correct: false }));
    accounts.finished(result({ rounds: 2, status: 'failed', answer: null }));
    const totals = accounts.totals();
    expect(totals).toMatchObject({
      items: 3,
      answered: 2,
      failed: 1,
      unanswered: 0,
      scored: 2,
      accuracy: 0.5,
    });
    expect(totals.roundsPerItem).toBeCloseTo(5 / 3, 10);
    expect(totals.rounds.map((round) => [round.round, round.activeItems, round.stopped])).toEqual([
      [1, 3, 1],
      [2, 2, 0],
    ]);
    expect([accounts.stops('seas'), accounts.stops('seas', 1), accounts.stops('seas', 2)]).toEqual([1, 1, 0]);
    expect(accounts.stops('rounds')).toBe(2);
    expect(accounts.stops('pilot')).toBe(0);
    accounts.settled(2);
    accounts.enteredRound(2);
    expect(accounts.enteredRound(1)).toBe(false);
    expect(accounts.progress(5, 10)).toEqual({
      itemsDone: 3,
      itemsSettled: 2,
      round: 2,
      maxRounds: 5,
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      failedCalls: 0,
      itemsTotal: 10,
    });
  });

  it('hands out copies: a summary taken earlier does not change', () => {
    const accounts = new RunAccounts();
    accounts.call(call({}), false);
    const before = accounts.totals();
    accounts.call(call({}), false);
    expect(before.rounds[0]!.calls).toBe(1);
    expect(accounts.totals().rounds[0]!.calls).toBe(2);
  });
});
