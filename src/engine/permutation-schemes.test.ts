import { describe, expect, it } from 'vitest';
import type { ItemState } from './item-state.js';
import { permutationNames, permutationSchemes } from './permutation-schemes.js';
import { resolveStrategy } from './resolve-strategy.js';

function state(index: number, position: number): ItemState {
  return {
    index,
    item: { id: String(index), fields: {} },
    tokens: 1,
    votes: [
      { round: 1, answer: 'yes', confident: true, position, batchSize: 5 } as ItemState['votes'][number],
    ],
    problems: [],
    callFailed: false,
    rounds: 1,
  };
}

describe('permutationSchemes', () => {
  it('registers every name the strategy option takes, and refuses others', () => {
    expect(permutationNames).toEqual(['random', 'balanced']);
    for (const name of permutationNames)
      expect(resolveStrategy({ permutation: name }).permutation).toBe(name);
    expect(() => resolveStrategy({ permutation: 'sorted' as never })).toThrow(/random.*balanced/);
  });

  it('random keeps the shuffled order; balanced moves the items that sat in the middle to the edges', () => {
    // Round 1 places 0..4 of 5: item 2 sat in the middle.
    const batch = [0, 1, 2, 3, 4].map((index) => state(index, index));
    expect(permutationSchemes.random([batch])[0]!.map((entry) => entry.index)).toEqual([0, 1, 2, 3, 4]);
    const balanced = permutationSchemes.balanced([batch])[0]!.map((entry) => entry.index);
    expect([...balanced].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([balanced[0], balanced.at(-1)]).toContain(2);
  });
});
