import { describe, expect, it } from 'vitest';
import { batchPriceOf, costUsd, defaultPrices, priceOf } from './price-table.js';

describe('costUsd', () => {
  const price = { input: 2, output: 8, cachedInput: 0.5 };

  it('prices input and output at their own rates', () => {
    expect(costUsd(price, 1_000_000, 500_000)).toBeCloseTo(2 + 4, 12);
  });

  it('prices cached input tokens, a part of the input, at the cached rate', () => {
    expect(costUsd(price, 1_000_000, 0, 400_000)).toBeCloseTo(0.6 * 2 + 0.4 * 0.5, 12);
    // Never more cached than input, never below zero.
    expect(costUsd(price, 100, 0, 500)).toBeCloseTo((100 * 0.5) / 1e6, 15);
    expect(costUsd(price, 100, 0, -5)).toBeCloseTo((100 * 2) / 1e6, 15);
  });

  it('prices cached input as input where the table has no cached rate', () => {
    expect(costUsd({ input: 2, output: 8 }, 1_000_000, 0, 1_000_000)).toBeCloseTo(2, 12);
  });

  it('has no cost without a price', () => {
    expect(costUsd(undefined, 10, 10)).toBeUndefined();
  });
});

describe('batchPriceOf', () => {
  it('halves every rate and says where the figure came from', () => {
    const batch = batchPriceOf(defaultPrices['openai:gpt-4o'], 'openai:gpt-4o')!;
    expect(batch).toMatchObject({ input: 1.25, output: 5, cachedInput: 0.625 });
    expect(batch.source).toContain('batch API: 50%');
    expect(costUsd(batch, 1000, 1000, 500)).toBeCloseTo(
      costUsd(defaultPrices['openai:gpt-4o'], 1000, 1000, 500)! / 2,
      15,
    );
  });

  it('is undefined for an unpriced model', () => {
    expect(batchPriceOf(undefined, 'ollama:x')).toBeUndefined();
  });
});

describe('priceOf', () => {
  it('finds a model by its URI, and `sim` under the key its provider prices it as', () => {
    expect(priceOf(defaultPrices, 'openai:gpt-4o')).toBe(defaultPrices['openai:gpt-4o']);
    expect(priceOf(defaultPrices, 'sim')).toBe(defaultPrices['sim:gpt-4']);
    expect(priceOf(defaultPrices, ' sim:gpt-3.5 ')).toBe(defaultPrices['sim:gpt-3.5']);
  });

  it('has no price for an unknown model, a string that is no URI, or a name on Object.prototype', () => {
    expect(priceOf(defaultPrices, 'ollama:llama3.1')).toBeUndefined();
    expect(priceOf(defaultPrices, 'gpt-4o')).toBeUndefined();
    expect(priceOf(defaultPrices, 'constructor')).toBeUndefined();
  });
});
