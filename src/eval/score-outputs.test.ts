import { describe, expect, it } from 'vitest';
import type { ItemResult } from '../engine/types.js';
import { defineTask } from '../task/define-task.js';
import { describeOutputScores, OutputsScorer } from './score-outputs.js';

const task = defineTask({
  name: 'tickets',
  instruction: 'Answer each question about the ticket.',
  fields: ['body'],
  outputs: [
    { name: 'topic', answer: { type: 'labels', labels: ['billing', 'delivery'] } },
    { name: 'mentions', answer: { type: 'labels', labels: ['refund', 'deadline'], multiple: true, min: 0 } },
  ],
});

function result(
  topic: [answer: string | null, gold: string],
  mentions: [answer: string[], gold: string[]],
): ItemResult {
  const part = (answer: unknown, gold: unknown, correct: boolean) => ({
    answer: answer as string,
    confidence: 1,
    settled: true,
    margin: 1,
    tally: {},
    votes: [],
    gold: gold as string,
    correct,
  });
  return {
    index: 0,
    id: 'x',
    answer: null,
    confidence: 1,
    settled: true,
    margin: 1,
    tally: {},
    votes: [],
    status: 'answered',
    rounds: 1,
    outputs: {
      topic: part(topic[0], topic[1], topic[0] === topic[1]),
      mentions: part(mentions[0], mentions[1], mentions[0].join() === mentions[1].join()),
    },
  };
}

describe('OutputsScorer', () => {
  it('scores each output against its own gold: kappa for one label, F1 per label and Jaccard for a set', () => {
    const scorer = new OutputsScorer(task);
    scorer.add(result(['billing', 'billing'], [['refund'], ['refund']]));
    scorer.add(result(['delivery', 'delivery'], [['refund', 'deadline'], ['refund']]));
    scorer.add(result(['billing', 'delivery'], [[], []]));
    scorer.add(result([null, 'billing'], [['deadline'], ['refund']]));
    const [topic, mentions] = scorer.finish();
    expect(topic).toMatchObject({ output: 'topic', scored: 4, correct: 2, accuracy: 0.5 });
    expect(topic?.confusion?.matrix.counts).toEqual([
      [1, 0, 1],
      [1, 1, 0],
    ]);
    expect(topic?.confusion?.kappa).toBeCloseTo(
      (0.5 - (0.5 * 0.5 + 0.5 * 0.25)) / (1 - (0.5 * 0.5 + 0.5 * 0.25)),
    );
    expect(mentions).toMatchObject({ output: 'mentions', scored: 4, correct: 2, accuracy: 0.5 });
    // refund: gold 3 times, answered 2, both 2; deadline: gold 0, answered 2, both 0.
    expect(mentions?.labels).toEqual([
      { label: 'refund', support: 3, predicted: 2, truePositives: 2, f1: 0.8 },
      { label: 'deadline', support: 0, predicted: 2, truePositives: 0, f1: 0 },
    ]);
    // Jaccard 1, 1/2, 1 (both empty), 0.
    expect(mentions?.jaccard).toBeCloseTo(2.5 / 4);
    expect(describeOutputScores([topic!, mentions!])[1]).toBe(
      'output mentions: accuracy 50.0% (2/4); Jaccard 62.5%; F1 per label refund 80.0%, deadline 0.0%',
    );
  });
});
