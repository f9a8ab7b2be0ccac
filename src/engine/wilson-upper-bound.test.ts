import { describe, expect, it } from 'vitest';
import { wilsonLowerBound, wilsonUpperBound } from './wilson-upper-bound.js';

describe('wilsonUpperBound', () => {
  it('matches hand-computed Wilson bounds', () => {
    // 0 of n at z: z^2 / (n + z^2); z = 1.6449 at 95%, 1.2816 at 90%.
    expect(wilsonUpperBound(0, 50, 0.95)).toBeCloseTo(2.7055 / 52.7055, 3);
    expect(wilsonUpperBound(0, 10, 0.9)).toBeCloseTo(1.6424 / 11.6424, 3);
    // 5 of 20 at z = 1.96 (97.5% one-sided): (0.25 + 0.0960 + 1.96 * 0.10852) / 1.19208 = 0.4687.
    expect(wilsonUpperBound(5, 20, 0.975)).toBeCloseTo(0.4687, 3);
  });

  it('shrinks towards the rate as trials grow, and knows nothing without trials', () => {
    const small = wilsonUpperBound(1, 20, 0.9);
    const large = wilsonUpperBound(50, 1000, 0.9);
    expect(small).toBeGreaterThan(0.05);
    expect(large).toBeGreaterThan(0.05);
    expect(large).toBeLessThan(small);
    expect(wilsonUpperBound(0, 0, 0.9)).toBe(1);
    expect(wilsonUpperBound(10, 10, 0.9)).toBe(1);
  });

  it('rejects a confidence outside (0, 1)', () => {
    expect(() => wilsonUpperBound(1, 2, 1)).toThrow(/confidence/);
  });

  it('gives the lower bound on the other side of the rate', () => {
    // 5 of 20 at z = 1.96: (0.25 + 0.0960 - 1.96 * 0.10852) / 1.19208 = 0.1118.
    expect(wilsonLowerBound(5, 20, 0.975)).toBeCloseTo(0.1118, 3);
    expect(wilsonLowerBound(0, 20, 0.9)).toBe(0);
    expect(wilsonLowerBound(0, 0, 0.9)).toBe(0);
    expect(wilsonLowerBound(3, 6, 0.9)).toBeGreaterThan(0.1);
    expect(wilsonLowerBound(1, 7, 0.9)).toBeLessThan(0.1);
  });
});
