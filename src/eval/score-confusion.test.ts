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
    expect(scores.perClass[1]).toMatchObject({ precision: null, recall: null, f1: null });
    // One label on both sides: chance agreement is 1 and kappa is undefined.
    expect(scores.kappa).toBeNull();
    expect(scoreConfusion({ labels: [], counts: [] })).toMatchObject({
      items: 0,
      accuracy: null,
      kappa: null,
    });
  });
});
