import { describe, expect, it } from 'vitest';
import { packInOrder } from './pack-in-order.js';

describe('packInOrder', () => {
  it('caps groups by count', () => {
    const groups = packInOrder([1, 2, 3, 4, 5], { maxEntries: 2, maxSize: 1000, sizeOf: () => 1 });
    expect(groups).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('caps groups by size, and gives an oversized entry a group of its own', () => {
    const groups = packInOrder([30, 30, 50, 200, 10], {
      maxEntries: 10,
      maxSize: 100,
      sizeOf: (value) => value,
    });
    expect(groups).toEqual([[30, 30], [50], [200], [10]]);
  });
});
