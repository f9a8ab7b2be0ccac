import { describe, expect, it } from 'vitest';
import { batchTag, hashSeed, shuffled } from './seeded-random.js';

describe('shuffled', () => {
  const values = Array.from({ length: 50 }, (_, index) => index);

  it('is reproducible from its seed', () => {
    expect(shuffled(values, 42)).toEqual(shuffled(values, 42));
  });

  it('gives another order for another seed, and keeps every value', () => {
    const first = shuffled(values, 1);
    const second = shuffled(values, 2);
    expect(first).not.toEqual(second);
    expect(first).not.toEqual(values);
    expect([...first].sort((a, b) => a - b)).toEqual(values);
  });

  it('does not touch its input', () => {
    const input = [1, 2, 3];
    shuffled(input, 7);
    expect(input).toEqual([1, 2, 3]);
  });
});

describe('hashSeed and batchTag', () => {
  it('depend on every part', () => {
    expect(hashSeed(0, 'a', 1)).toBe(hashSeed(0, 'a', 1));
    expect(hashSeed(0, 'a', 1)).not.toBe(hashSeed(0, 'a', 2));
    expect(batchTag(0, 'x')).toMatch(/^[a-z][a-z0-9]{3}$/);
    expect(batchTag(0, 'x')).not.toBe(batchTag(1, 'x'));
  });
});
