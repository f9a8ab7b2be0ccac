import { describe, expect, it } from 'vitest';
import { scoreConfusion } from './score-confusion.js';

describe('scoreConfusion', () => {
  it('scores a hand-made three-class matrix', () => {
    // Rows gold, columns answer (cat, dog, bird, no answer); 50 items.
    const scores = scoreConfusion({
      labels: ['cat', 'dog', 'bird'],
      counts: [
        [10, 2, 3, 0],
        [3, 15, 2, 0],
        [1, 1, 12, 1],
      ],
    });
    expect(scores.items).toBe(50);
    expect(scores.accuracy).toBeCloseTo(37 / 50, 12);
    const [cat, dog, bird] = scores.perClass;
    expect(cat).toMatchObject({ label: 'cat', support: 15, predicted: 14, truePositives: 10 });
    expect(cat!.precision).toBeCloseTo(10 / 14, 12);
    expect(cat!.recall).toBeCloseTo(10 / 15, 12);
    expect(cat!.f1).toBeCloseTo((2 * 10) / (14 + 15), 12);
    expect(dog!.precision).toBeCloseTo(15 / 18, 12);
    expect(dog!.recall).toBeCloseTo(15 / 20, 12);
    // The unanswered bird item lowers bird's recall, not anyone's precision.
    expect(bird).toMatchObject({ support: 15, predicted: 17, truePositives: 12 });
    expect(bird!.recall).toBeCloseTo(12 / 15, 12);
    expect(scores.macroF1).toBeCloseTo((20 / 29 + 30 / 38 + 24 / 32) / 3, 12);
    // Chance agreement: (15*14 + 20*18 + 15*17) / 50^2 = 825 / 2500.
    const chance = 825 / 2500;
    expect(scores.kappa).toBeCloseTo((37 / 50 - chance) / (1 - chance), 12);
  });

  it('gives kappa 1 for perfect agreement, 0 for chance and below 0 for systematic disagreement', () => {
    expect(
      scoreConfusion({
        labels: ['yes', 'no'],
        counts: [
          [5, 0, 0],
          [0, 5, 0],
        ],
      }).kappa,
    ).toBe(1);
    // Answers independent of gold: every cell alike.
    expect(
      scoreConfusion({
        labels: ['yes', 'no'],
        counts: [
          [5, 5, 0],
          [5, 5, 0],
        ],
      }).kappa,
    ).toBeCloseTo(0, 12);
    expect(
      scoreConfusion({
        labels: ['yes', 'no'],
        counts: [
          [0, 5, 0],
          [5, 0, 0],
        ],
      }).kappa,
    ).toBe(-1);
  });

  it('leaves undefined figures null instead of dividing by zero', () => {
    const scores = scoreConfusion({
      labels: ['yes', 'no'],
      counts: [
        [4, 0, 0],
        [0, 0, 0],
      ],
    });
    // `no` is neither gold nor answered: precision and recall are undefined, F1 is 0 and it
    // counts in the mean all the same. yes: P 4/4, R 4/4, F1 1; macro F1 = (1 + 0) / 2 = 1/2.
    expect(scores.perClass[1]).toMatchObject({ precision: null, recall: null, f1: 0 });
    expect(scores.macroF1).toBe(0.5);
    // One label on both sides: chance agreement is 1 and kappa is undefined.
    expect(scores.kappa).toBeNull();
    expect(scoreConfusion({ labels: [], counts: [] })).toMatchObject({
      items: 0,
      accuracy: null,
      macroF1: null,
      kappa: null,
    });
  });

  it('averages macro F1 over every label: a class never predicted scores 0, gold or not', () => {
    // Rows gold, columns answer (a, b, c, d, e, f, no answer); worked out by hand:
    //   a: 4 gold, 4 answered a, 3 right: P 3/4, R 3/4, F1 3/4
    //   b: 4 gold, 3 answered b, 2 right: P 2/3, R 1/2, F1 (2 * 1/3) / (7/6) = 4/7
    //   c: 2 gold, never answered (both unanswered): F1 0
    //   d: 1 gold, answered a: never predicted, F1 0
    //   e: no gold, answered once (for a b item): P 0, F1 0
    //   f: neither gold nor answered: never predicted, F1 0
    // macro F1 = (3/4 + 4/7 + 0 + 0 + 0 + 0) / 6 = (21/28 + 16/28) / 6 = 37/168; accuracy 5/11.
    const scores = scoreConfusion({
      labels: ['a', 'b', 'c', 'd', 'e', 'f'],
      counts: [
        [3, 1, 0, 0, 0, 0, 0],
        [0, 2, 0, 0, 1, 0, 1],
        [0, 0, 0, 0, 0, 0, 2],
        [1, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
      ],
    });
    expect(scores.items).toBe(11);
    expect(scores.accuracy).toBeCloseTo(5 / 11, 12);
    const f1s = scores.perClass.map((score) => score.f1);
    expect(f1s[0]).toBeCloseTo(3 / 4, 12);
    expect(f1s[1]).toBeCloseTo(4 / 7, 12);
    expect(f1s.slice(2)).toEqual([0, 0, 0, 0]);
    expect(scores.perClass[2]).toMatchObject({ support: 2, predicted: 0, precision: null, recall: 0 });
    expect(scores.perClass[4]).toMatchObject({ support: 0, predicted: 1, precision: 0, recall: null });
    expect(scores.perClass[5]).toMatchObject({ support: 0, predicted: 0, precision: null, recall: null });
    expect(scores.macroF1).toBeCloseTo(37 / 168, 12);
  });

  it('gives eight one-item classes with one left unanswered macro F1 7/8, as their accuracy', () => {
    // Capitals of eight countries, one item each; seven answered right, the eighth not at all.
    const labels = ['paris', 'rome', 'madrid', 'lisbon', 'vienna', 'bern', 'oslo', 'dublin'];
    const counts = labels.map((_, gold) => [
      ...labels.map((__, answer) => (gold === answer && gold < 7 ? 1 : 0)),
      gold === 7 ? 1 : 0,
    ]);
    const scores = scoreConfusion({ labels, counts });
    expect(scores.accuracy).toBe(0.875);
    expect(scores.perClass[7]).toMatchObject({ label: 'dublin', support: 1, predicted: 0, f1: 0 });
    expect(scores.macroF1).toBe(0.875);
  });
});
