import { describe, expect, it } from 'vitest';
import type { ItemResult, RoundSummary } from '../engine/types.js';
import type { Vote } from '../engine/vote.js';
import { analyzeResults, ResultsAnalyzer } from './analyze-results.js';

function vote(round: number, answer: string, confident: boolean, position = 0, batchSize = 4): Vote {
  return { round, answer, confident, position, batchSize };
}

function result(index: number, votes: Vote[], gold?: string): ItemResult {
  return {
    index,
    id: `item-${index}`,
    answer: null,
    confidence: null,
    tally: {},
    settled: true,
    margin: 1,
    votes,
    status: 'answered',
    rounds: 3,
    ...(gold === undefined ? {} : { gold }),
  };
}

function round(number: number, inputTokens: number): RoundSummary {
  return { round: number, activeItems: 2, calls: 1, inputTokens, outputTokens: 10, stopped: 0 };
}

describe('analyzeResults', () => {
  it('recounts the vote over rounds 1..r: an item wrong in round 1 and outvoted later counts as right from round 3', () => {
    const details = analyzeResults({
      results: [
        result(0, [vote(1, 'no', true), vote(2, 'yes', true), vote(3, 'yes', true)], 'yes'),
        result(1, [vote(1, 'yes', true), vote(2, 'yes', true), vote(3, 'yes', true)], 'yes'),
      ],
      // Out of order on purpose: the details list rounds in order.
      rounds: [round(3, 300), round(1, 100), round(2, 200)],
      voting: 'majority',
    });
    // Round 2: one `no` and one `yes`, tied on weight and confidence; the earlier round's `no` wins.
    expect(details.byRound.map((entry) => entry.accuracy)).toEqual([0.5, 0.5, 1]);
    expect(details.byRound.map((entry) => entry.inputTokens)).toEqual([100, 200, 300]);
    expect(details.scored).toBe(2);
  });

  it('weights votes as the run did: two unsure votes lose to one confident vote under weighted voting', () => {
    const votes = [vote(1, 'yes', true), vote(2, 'no', false), vote(3, 'no', false)];
    const weighted = analyzeResults({
      results: [result(0, votes, 'yes')],
      rounds: [round(3, 1)],
      voting: 'weighted',
    });
    const majority = analyzeResults({
      results: [result(0, votes, 'yes')],
      rounds: [round(3, 1)],
      voting: 'majority',
    });
    expect(weighted.byRound[0]?.accuracy).toBe(1);
    expect(majority.byRound[0]?.accuracy).toBe(0);
  });

  it('counts votes by stated confidence and leaves out items without a gold answer', () => {
    const details = analyzeResults({
      results: [
        result(0, [vote(1, 'yes', true), vote(2, 'no', false), vote(3, 'yes', false)], 'yes'),
        result(1, [vote(1, 'no', true)], 'yes'),
        result(2, [vote(1, 'yes', true), vote(2, 'yes', true)]),
      ],
      rounds: [round(1, 1)],
      voting: 'weighted',
    });
    expect(details.confidence).toEqual({
      confident: { votes: 2, correct: 1 },
      notConfident: { votes: 2, correct: 1 },
    });
    expect(details.scored).toBe(2);
  });

  it('buckets votes by relative position, with no more buckets than the largest batch has places', () => {
    const details = analyzeResults({
      results: [
        result(
          0,
          [
            vote(1, 'yes', true, 0, 4),
            vote(2, 'yes', true, 3, 4),
            // A re-asked pair: its second place is half-way into its batch.
            vote(3, 'no', true, 1, 2),
          ],
          'yes',
        ),
      ],
      rounds: [round(1, 1)],
      voting: 'weighted',
    });
    expect(details.byPosition).toEqual([
      { bucket: 0, from: 0, to: 0.25, votes: 1, correct: 1 },
      { bucket: 1, from: 0.25, to: 0.5, votes: 0, correct: 0 },
      { bucket: 2, from: 0.5, to: 0.75, votes: 1, correct: 0 },
      { bucket: 3, from: 0.75, to: 1, votes: 1, correct: 1 },
    ]);
  });

  it('caps buckets at ten for large batches and keeps every vote', () => {
    const votes = Array.from({ length: 32 }, (_, position) => vote(1, 'yes', true, position, 32));
    const details = analyzeResults({
      results: [result(0, votes, 'yes')],
      rounds: [round(1, 1)],
      voting: 'majority',
    });
    expect(details.byPosition).toHaveLength(10);
    expect(details.byPosition.reduce((total, bucket) => total + bucket.votes, 0)).toBe(32);
    expect(details.byPosition[9]).toMatchObject({ from: 0.9, to: 1 });
  });

  it('has null accuracy and no position buckets without gold answers', () => {
    const details = analyzeResults({
      results: [result(0, [vote(1, 'yes', true)])],
      rounds: [round(1, 1)],
      voting: 'weighted',
      sampleBatch: { messages: [{ role: 'user', content: 'q' }], reply: 'a' },
    });
    expect(details.byRound[0]?.accuracy).toBeNull();
    expect(details.byPosition).toEqual([]);
    expect(details.sampleBatch?.reply).toBe('a');
  });

  it('counts an item whose votes ended early with its last vote in every later round', () => {
    const details = analyzeResults({
      results: [
        // Stopped after round 1, right; wrong in round 1 then right from round 2 on.
        result(0, [vote(1, 'yes', true)], 'yes'),
        result(1, [vote(1, 'no', true), vote(2, 'yes', true), vote(3, 'yes', true)], 'yes'),
      ],
      rounds: [round(1, 1), round(2, 1), round(3, 1), round(4, 1)],
      voting: 'majority',
    });
    expect(details.byRound.map((entry) => entry.accuracy)).toEqual([0.5, 0.5, 1, 1]);
  });
});

describe('ResultsAnalyzer', () => {
  it('gives the figures of analyzeResults one result at a time, buckets sized by the batches it saw', () => {
    const results = [
      result(0, [vote(1, 'yes', true, 0, 3), vote(2, 'no', false, 2, 3)], 'yes'),
      result(1, [vote(1, 'no', true, 1, 3)], 'no'),
      result(2, [vote(1, 'yes', false, 2, 3), vote(2, 'yes', true, 0, 3)], 'no'),
    ];
    const rounds = [round(1, 10), round(2, 5)];
    const streamed = new ResultsAnalyzer({ voting: 'weighted' });
    for (const item of results) streamed.add(item);
    const details = streamed.finish(rounds);
    expect(details).toEqual(analyzeResults({ results, rounds, voting: 'weighted' }));
    // Batches of three places give three buckets, not ten with seven always empty.
    expect(details.byPosition.map((bucket) => bucket.votes)).toEqual([2, 1, 2]);
    expect(details.byRound.map((entry) => entry.accuracy)).toEqual([2 / 3, 2 / 3]);
  });
});
