import { describe, expect, it } from 'vitest';
import { sampleItems } from '../source/load-items.js';
import { rowSelection } from './row-selection.js';

function chosen(select: ((row: number) => boolean) | undefined, total: number): number[] {
  return Array.from({ length: total }, (_, row) => row).filter((row) => select?.(row) ?? true);
}

describe('rowSelection', () => {
  it('takes the first rows with a limit', () => {
    expect(chosen(rowSelection({ limit: 3, seed: 0 }, 10), 10)).toEqual([0, 1, 2]);
  });

  it('samples exactly n distinct rows, the same ones for the same seed and others for another', () => {
    const first = chosen(rowSelection({ sample: 25, seed: 7 }, 1000), 1000);
    expect(first).toHaveLength(25);
    expect(chosen(rowSelection({ sample: 25, seed: 7 }, 1000), 1000)).toEqual(first);
    expect(chosen(rowSelection({ sample: 25, seed: 8 }, 1000), 1000)).not.toEqual(first);
    // Spread over the file, not the first rows.
    expect(first.at(-1)!).toBeGreaterThan(500);
  });

  it("picks the rows the library's loadItems sample picks, for every seed", () => {
    const rows = Array.from({ length: 400 }, (_, row) => row);
    for (const seed of [0, 1, 7, 123]) {
      for (const sample of [1, 17, 320, 399]) {
        expect(chosen(rowSelection({ sample, seed }, rows.length), rows.length)).toEqual(
          sampleItems(rows, sample, seed),
        );
      }
    }
  });

  it('takes every row when the sample is not smaller than the file', () => {
    expect(rowSelection({ sample: 10, seed: 0 }, 10)).toBeUndefined();
  });
});
