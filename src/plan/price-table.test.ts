import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../spec/errors.js';
import { useTempDir } from '../test/temp-dir.js';
import { batchPriceOf, costUsd, defaultPrices, loadPrices, priceOf, tierPrice } from './price-table.js';

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

  it('prices cache reads and cache writes, both parts of the input, each at its own rate', () => {
    const claude = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 };
    // 1,000 tokens in: 600 read from the cache, 300 written to it, 100 neither; 50 out.
    expect(costUsd(claude, 1000, 50, 600, 300)).toBeCloseTo(
      (100 * 3 + 600 * 0.3 + 300 * 3.75 + 50 * 15) / 1e6,
      15,
    );
    // Writes never take more than the input the reads left.
    expect(costUsd(claude, 1000, 0, 900, 300)).toBeCloseTo((900 * 0.3 + 100 * 3.75) / 1e6, 15);
  });

  it('prices cached input and cache writes as input where the tier has no rate for them', () => {
    expect(costUsd({ input: 2, output: 8 }, 1_000_000, 0, 600_000, 400_000)).toBeCloseTo(2, 12);
  });

  it('has no cost without a price', () => {
    expect(costUsd(undefined, 10, 10)).toBeUndefined();
  });
});

describe('the price table', () => {
  it('names a source for every model', () => {
    for (const [model, price] of Object.entries(defaultPrices)) {
      expect(price.source, model).toMatch(/\w{8,}/);
      if (price.minCachedPrefix) expect(price.minCachedPrefix.source, model).toMatch(/\w{8,}/);
    }
  });

  it("gives OpenAI's published batch and flex rates, and no cached rate where its Batch table has none", () => {
    const mini = defaultPrices['openai:gpt-4.1-mini'];
    expect(tierPrice(mini, 'standard')).toMatchObject({ input: 0.4, cachedInput: 0.1, output: 1.6 });
    const batch = tierPrice(mini, 'batch')!;
    expect(batch).toMatchObject({ input: 0.2, output: 0.8 });
    expect(batch.cachedInput).toBeUndefined();
    expect(tierPrice(mini, 'flex')).toBeUndefined();
    expect(tierPrice(defaultPrices['openai:gpt-5-mini'], 'flex')).toMatchObject({
      input: 0.125,
      cachedInput: 0.0125,
      output: 1,
    });
  });

  it("charges Anthropic's batch jobs half of every rate, with the 1-hour cache write they use", () => {
    const sonnet = defaultPrices['anthropic:claude-sonnet-4']!;
    expect(tierPrice(sonnet, 'standard')).toMatchObject({
      input: 3,
      cachedInput: 0.3,
      cacheWrite: 3.75,
      output: 15,
    });
    expect(batchPriceOf(sonnet, 'anthropic:claude-sonnet-4')).toMatchObject({
      input: 1.5,
      cachedInput: 0.15,
      cacheWrite: 3, // half of the 1-hour write, $6
      output: 7.5,
    });
    expect(sonnet.minCachedPrefix?.tokens).toBe(1024);
  });

  it('halves every rate for a batch price the entry does not give, and has none where it is null', () => {
    const batch = batchPriceOf({ input: 2, output: 8, cachedInput: 1, cacheWrite: 2.5 }, 'x:y')!;
    expect(batch).toMatchObject({ input: 1, output: 4, cachedInput: 0.5, cacheWrite: 1.25 });
    expect(batch.source).toContain('50% of every rate');
    expect(batchPriceOf({ input: 2, output: 8, batch: null }, 'x:y')).toBeUndefined();
    expect(batchPriceOf(undefined, 'ollama:x')).toBeUndefined();
  });
});

describe('priceOf', () => {
  it('finds a model by its URI, and `sim` under the key its provider prices it as', () => {
    expect(priceOf(defaultPrices, 'openai:gpt-4o')).toBe(defaultPrices['openai:gpt-4o']);
    expect(priceOf(defaultPrices, 'sim')).toBe(defaultPrices['sim:gpt-4']);
    expect(priceOf(defaultPrices, ' sim:gpt-3.5 ')).toBe(defaultPrices['sim:gpt-3.5']);
  });

  it('prices aliases and dated snapshots as their model', () => {
    const sonnet = defaultPrices['anthropic:claude-sonnet-4'];
    expect(priceOf(defaultPrices, 'anthropic:claude-sonnet-4-0')).toBe(sonnet);
    expect(priceOf(defaultPrices, 'anthropic:claude-sonnet-4-20250514')).toBe(sonnet);
    expect(priceOf(defaultPrices, 'anthropic:claude-3-5-haiku-latest')).toBe(
      defaultPrices['anthropic:claude-3-5-haiku'],
    );
    expect(priceOf(defaultPrices, 'anthropic:claude-opus-4-1-20250805')).toBe(
      defaultPrices['anthropic:claude-opus-4-1'],
    );
    expect(priceOf(defaultPrices, 'openai:gpt-4.1-mini-2025-04-14')).toBe(
      defaultPrices['openai:gpt-4.1-mini'],
    );
  });

  it('has no price for an unknown model, a string that is no URI, or a name on Object.prototype', () => {
    expect(priceOf(defaultPrices, 'ollama:llama3.1')).toBeUndefined();
    expect(priceOf(defaultPrices, 'openai:gpt-9')).toBeUndefined();
    expect(priceOf(defaultPrices, 'sim:frontier')).toBeUndefined();
    expect(priceOf(defaultPrices, 'gpt-4o')).toBeUndefined();
    expect(priceOf(defaultPrices, 'constructor')).toBeUndefined();
  });
});

describe('loadPrices', () => {
  const pathOf = useTempDir();

  it('lays a file over the defaults, with its tiers, its cache minimum and the file as source', () => {
    const file = pathOf('prices.json');
    writeFileSync(
      file,
      JSON.stringify({
        'openai:my-model': {
          input: 1,
          output: 2,
          cachedInput: 0.1,
          batch: { input: 0.4, output: 0.9 },
          flex: { input: 0.5, output: 1 },
          minCachedPrefixTokens: 2048,
        },
        'anthropic:claude-sonnet-4': { input: 9, output: 9, batch: null },
      }),
    );
    const prices = loadPrices(file);
    expect(tierPrice(prices['openai:my-model'], 'batch')).toMatchObject({
      input: 0.4,
      output: 0.9,
      source: file,
    });
    expect(tierPrice(prices['openai:my-model'], 'flex')).toMatchObject({ input: 0.5, output: 1 });
    expect(prices['openai:my-model']?.minCachedPrefix).toEqual({ tokens: 2048, source: file });
    expect(batchPriceOf(prices['anthropic:claude-sonnet-4'], 'anthropic:claude-sonnet-4')).toBeUndefined();
    expect(prices['openai:gpt-4o']).toBe(defaultPrices['openai:gpt-4o']);
  });

  it('names the file and the field of a bad entry', () => {
    const file = pathOf('bad.json');
    writeFileSync(
      file,
      JSON.stringify({ 'openai:x': { input: 1, output: 2, flex: { input: -1, output: 1 } } }),
    );
    expect(() => loadPrices(file)).toThrow(InputError);
    try {
      loadPrices(file);
    } catch (error) {
      expect(error).toMatchObject({ file, field: 'openai:x.flex.input' });
    }
  });

  it('names the file, line and column where a price file stops being JSON', () => {
    const file = pathOf('broken.json');
    writeFileSync(file, '{\n  "openai:x": { "input": 1, "output": 2 },\n  oops\n}\n');
    let caught: unknown;
    try {
      loadPrices(file);
    } catch (error) {
      caught = error;
    }
    expect(InputError.isInstance(caught)).toBe(true);
    expect(caught).toMatchObject({ file, line: 3, column: 3 });
    expect(String((caught as Error).message)).toMatch(/not JSON/);
  });
});
