import { describe, expect, it } from 'vitest';
import { balancePositions } from './balance-positions.js';

const at = (name: string, position: number, batchSize = 5) => ({ name, votes: [{ position, batchSize }] });

describe('balancePositions', () => {
  it('moves the items that sat in the middle to the edges, and the edge items inward', () => {
    const batch = [
      at('edge-first', 0),
      at('middle', 2),
      at('edge-last', 4),
      at('near-first', 1),
      at('near-last', 3),
    ];
    const arranged = balancePositions(batch).map((entry) => entry.name);
    expect(arranged[0]).toBe('middle');
    expect(['near-first', 'near-last']).toContain(arranged[4]);
    expect(['edge-first', 'edge-last']).toContain(arranged[2]);
    expect([...arranged].sort()).toEqual(batch.map((entry) => entry.name).sort());
  });

  it('keeps the given order among items with the same history', () => {
    const batch = [at('a', 0), at('b', 0), at('c', 0)];
    expect(balancePositions(batch).map((entry) => entry.name)).toEqual(['a', 'c', 'b']);
  });
});
