import { describe, expect, it } from 'vitest';
import { packBatches } from './pack-batches.js';

describe('packBatches', () => {
  it('caps batches by count', () => {
    const batches = packBatches([1, 2, 3, 4, 5], { batchSize: 2, maxBatchTokens: 1000, tokensOf: () => 1 });
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('caps batches by tokens, and gives an oversized entry a batch of its own', () => {
    const batches = packBatches([30, 30, 50, 200, 10], {
      batchSize: 10,
      maxBatchTokens: 100,
      tokensOf: (value) => value,
    });
    expect(batches).toEqual([[30, 30], [50], [200], [10]]);
  });
});
