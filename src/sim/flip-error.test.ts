import { describe, expect, it } from 'vitest';
import { flipErrorForBatch, positionWeight, singleFlipError } from './flip-error.js';
import { paperProfiles } from './profiles.js';

const boolq = paperProfiles['gpt-4'].tasks.boolq;

describe('flipErrorForBatch', () => {
  it('derives the single-item error from the published accuracy', () => {
    expect((1 - boolq.hardShare) * (1 - singleFlipError(boolq))).toBeCloseTo(boolq.singleAccuracy, 10);
    expect(flipErrorForBatch(boolq, 1)).toBeCloseTo(singleFlipError(boolq), 10);
  });

  it('meets the anchors and rises with the batch size in between', () => {
    for (const [size, error] of boolq.flipErrorBySize)
      expect(flipErrorForBatch(boolq, size)).toBeCloseTo(error, 10);
    let previous = 0;
    for (const size of [1, 2, 8, 16, 24, 32, 48, 64, 100, 160, 300]) {
      const error = flipErrorForBatch(boolq, size);
      expect(error).toBeGreaterThanOrEqual(previous);
      expect(error).toBeLessThanOrEqual(0.5);
      previous = error;
    }
  });
});

describe('positionWeight', () => {
  it('averages 1 over a batch and is largest in the middle', () => {
    const size = 64;
    const weights = Array.from({ length: size }, (_, position) => positionWeight(0.9, position, size));
    expect(weights.reduce((sum, weight) => sum + weight, 0) / size).toBeCloseTo(1, 2);
    expect(weights[32]!).toBeGreaterThan(weights[0]!);
    expect(weights[32]!).toBeGreaterThan(weights[63]!);
    expect(positionWeight(0.9, 0, 1)).toBe(1);
  });
});
