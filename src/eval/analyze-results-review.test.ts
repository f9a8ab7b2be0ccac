import { describe, expect, it } from 'vitest';
import type { Item, ItemResult } from '../engine/types.js';
import type { Vote } from '../engine/vote.js';
import { analyzeResults } from './analyze-results.js';

function vote(answer: string, confident: boolean, round = 1): Vote {
  return { round, answer, confident, position: 2, batchSize: 8, batch: 'k3p9' };
}

function answered(
  index: number,
  gold: string,
  answer: string | null,
  votes: Vote[],
  confidence: number,
): ItemResult {
  return {
    index,
    id: `t${index}`,
    answer,
    confidence: answer === null ? null : confidence,
    tally: {},
    votes,
    status: answer === null ? 'unanswered' : 'answered',
    rounds: 1,
    settled: answer !== null,
    margin: answer === null ? 0 : confidence,
    gold,
    ...(answer === null ? {} : { correct: answer === gold }),
  };
}

const items: Item[] = [0, 1, 2, 3, 4].map((index) => ({
  id: `t${index}`,
  fields: { text: `ticket ${index} ${'x'.repeat(20)}` },
}));

describe('analyzeResults: scores by class and items to review', () => {
  const results = [
    answered(0, 'bug', 'bug', [vote('bug', true), vote('bug', true, 2)], 1),
    answered(1, 'bug', 'billing', [vote('billing', true), vote('billing', true, 2)], 1),
    answered(2, 'billing', 'billing', [vote('billing', true), vote('bug', false, 2)], 0.6),
    answered(3, 'billing', null, [], 0),
    answered(4, 'account', 'account', [vote('account', false)], 1),
  ];
  const details = analyzeResults({
    results,
    rounds: [],
    voting: 'weighted',
    items,
    labels: ['billing', 'bug', 'account'],
    reviewTextLimit: 10,
  });

  it('builds the confusion matrix in the task label order, unanswered items in the last column', () => {
    expect(details.scores?.matrix).toEqual({
      labels: ['billing', 'bug', 'account'],
      counts: [
        [1, 0, 0, 1],
        [1, 1, 0, 0],
        [0, 0, 1, 0],
      ],
    });
    expect(details.scores?.accuracy).toBeCloseTo(3 / 5, 12);
  });

  it('lists wrong items first, then uncertain ones, with text cut to the limit, votes and batch codes', () => {
    expect(details.review.map((item) => [item.id, item.wrong, item.uncertain])).toEqual([
      ['t1', true, false],
      ['t3', true, true],
      ['t2', false, true], // 60% of the vote
      ['t4', false, true], // no sure vote
    ]);
    expect(details.reviewCounts).toEqual({ wrong: 2, uncertain: 2 });
    expect(details.review[0]).toMatchObject({
      gold: 'bug',
      answer: 'billing',
      fields: { text: 'ticket 1 x…' },
      votes: [
        { round: 1, answer: 'billing', confident: true, position: 2, batchSize: 8, batch: 'k3p9' },
        expect.anything(),
      ],
    });
  });

  it('keeps wrong items ahead of uncertain ones when the list is full, and counts the rest', () => {
    const short = analyzeResults({ results, rounds: [], voting: 'weighted', items, reviewLimit: 2 });
    expect(short.review.map((item) => item.id)).toEqual(['t1', 't3']);
    expect(short.reviewCounts).toEqual({ wrong: 2, uncertain: 2 });
  });
});

describe('analyzeResults: macro F1 of a run where one class was never answered', () => {
  it('averages over every label of the task: the class never predicted and the one never seen score 0', () => {
    const capitals = ['paris', 'rome', 'madrid', 'lisbon', 'vienna', 'bern', 'oslo', 'dublin'];
    const results = capitals.map((capital, index) =>
      index < 7
        ? answered(index, capital, capital, [vote(capital, true)], 1)
        : answered(index, capital, null, [], 0),
    );
    const details = analyzeResults({
      results,
      rounds: [],
      voting: 'weighted',
      labels: [...capitals, 'athens'],
    });
    expect(details.scores?.accuracy).toBe(0.875);
    // Athens is a label of the task but neither gold nor answered: it stays in the matrix with
    // F1 0. Seven classes at F1 1, dublin (never predicted) and athens at 0: macro F1 7/9.
    expect(details.scores?.matrix.labels).toEqual([...capitals, 'athens']);
    expect(details.scores?.perClass.at(-2)).toMatchObject({ label: 'dublin', predicted: 0, f1: 0 });
    expect(details.scores?.perClass.at(-1)).toMatchObject({
      label: 'athens',
      support: 0,
      predicted: 0,
      f1: 0,
    });
    expect(details.scores?.macroF1).toBeCloseTo(7 / 9, 12);
  });
});
