import { describe, expect, it } from 'vitest';
import { boolqTask } from '../task/builtin-tasks.js';
import { createBeliefQuantiles } from './belief-quantiles.js';
import { stableBelief } from './decide-stable-answer.js';
import { createItemCatalog } from './item-catalog.js';

const items = Array.from({ length: 158 }, (_, index) => ({
  fields: { question: `question ${index}`, passage: `passage ${index}` },
  gold: index % 3 === 0,
}));
const row = { sureShare: 0.787, sureAccuracy: 0.928, unsureAccuracy: 0.777, source: 'test' };

function beliefsOf(seed: number) {
  const catalog = createItemCatalog(boolqTask, items);
  const quantiles = createBeliefQuantiles(catalog, seed);
  return items.map((item) => {
    const quantile = quantiles.quantileOf(catalog.digestOf(item.fields));
    if (quantile === undefined) throw new Error('a catalogued item has no quantile');
    return { quantile, ...stableBelief(row, quantile) };
  });
}

describe('createBeliefQuantiles', () => {
  it('places every labelled item once, so that each seed deals the shares to within an item', () => {
    const expectedRight = 158 * (0.787 * 0.928 + 0.213 * 0.777);
    const expectedSure = 158 * 0.787;
    const orders: number[][] = [];
    for (const seed of [0, 1, 2, 3, 4]) {
      const beliefs = beliefsOf(seed);
      // Ranks 0..157, each once.
      const ranks = beliefs.map(({ quantile }) => Math.floor(quantile * 158)).sort((a, b) => a - b);
      expect(ranks).toEqual(Array.from({ length: 158 }, (_, index) => index));
      const right = beliefs.filter((belief) => belief.right).length;
      const sure = beliefs.filter((belief) => belief.sure).length;
      // Three thresholds, each rounded one way or the other: at most an item off each.
      expect(Math.abs(right - expectedRight)).toBeLessThanOrEqual(2);
      expect(Math.abs(sure - expectedSure)).toBeLessThanOrEqual(1);
      orders.push(beliefs.map(({ quantile }) => quantile));
    }
    // Another seed, another order: which items are wrong moves with the seed.
    const sameRank = orders[0]!.filter(
      (quantile, index) => Math.abs(quantile - orders[1]![index]!) < 1 / 158,
    );
    expect(sameRank.length).toBeLessThan(10);
  });

  it('has no quantile for an item without a gold answer or not in the catalog, and follows a growing catalog', () => {
    const catalog = createItemCatalog(boolqTask, [
      { fields: { question: 'a', passage: 'x' }, gold: true },
      { fields: { question: 'b', passage: 'x' } },
    ]);
    const quantiles = createBeliefQuantiles(catalog, 0);
    expect(quantiles.quantileOf(catalog.digestOf({ question: 'a', passage: 'x' }))).toBeDefined();
    expect(quantiles.quantileOf(catalog.digestOf({ question: 'b', passage: 'x' }))).toBeUndefined();
    const later = { question: 'c', passage: 'x' };
    expect(quantiles.quantileOf(catalog.digestOf(later))).toBeUndefined();
    catalog.add({ fields: later, gold: false });
    const quantile = quantiles.quantileOf(catalog.digestOf(later));
    expect(quantile).toBeGreaterThanOrEqual(0);
    expect(quantile).toBeLessThan(1);
  });
});
