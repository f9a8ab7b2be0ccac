import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { priceKeyOf } from '../providers/model-uri.js';
import { InputError } from '../spec/errors.js';
import { jsonErrorPosition } from '../util/json-error-position.js';
import { defaultPrices } from './default-prices.js';

export { defaultPrices };

/** What one service tier charges, in US dollars per million tokens. */
export interface TierPrice {
  input: number;
  output: number;
  /** Input tokens read from the provider's prompt cache; charged as `input` where absent. */
  cachedInput?: number;
  /** Input tokens written to the provider's prompt cache (Anthropic bills them); charged as `input` where absent. */
  cacheWrite?: number;
}

/** A model's price: its standard rates, and those of its other tiers where it has them. */
export interface ModelPrice extends TierPrice {
  /**
   * The provider's batch API. `null` where the provider has no batch price for the model;
   * where absent, half of every standard rate, the discount all three providers' batch APIs give.
   */
  batch?: TierPrice | null;
  /** The flex service tier (synchronous calls at a lower rate), where the provider sells one. */
  flex?: TierPrice;
  /** The shortest prompt prefix the provider caches, in tokens, and where that figure came from. */
  minCachedPrefix?: { tokens: number; source: string };
  /** Where the figures came from, and when; shown next to every estimate. */
  source?: string;
}

export type PriceTier = 'standard' | 'batch' | 'flex';
export const priceTiers: readonly PriceTier[] = ['standard', 'batch', 'flex'];

/** What a tier charges, with where its figures came from. */
export interface TierCharge extends TierPrice {
  tier: PriceTier;
  source: string;
}

const batchShare = 0.5;

function halved(rates: TierPrice): TierPrice {
  return {
    input: rates.input * batchShare,
    output: rates.output * batchShare,
    ...(rates.cachedInput === undefined ? {} : { cachedInput: rates.cachedInput * batchShare }),
    ...(rates.cacheWrite === undefined ? {} : { cacheWrite: rates.cacheWrite * batchShare }),
  };
}

function ratesOf(rates: TierPrice): TierPrice {
  return {
    input: rates.input,
    output: rates.output,
    ...(rates.cachedInput === undefined ? {} : { cachedInput: rates.cachedInput }),
    ...(rates.cacheWrite === undefined ? {} : { cacheWrite: rates.cacheWrite }),
  };
}

/**
 * What a model's calls are charged in a tier, or undefined where there is no price: an unknown
 * model, a model whose provider sells no such tier, or one no source gives a figure for.
 */
export function tierPrice(
  price: ModelPrice | undefined,
  tier: PriceTier,
  modelId = '',
): TierCharge | undefined {
  if (price === undefined) return undefined;
  const source = price.source ?? modelId;
  if (tier === 'standard') return { tier, ...ratesOf(price), source };
  if (tier === 'flex') return price.flex === undefined ? undefined : { tier, ...ratesOf(price.flex), source };
  if (price.batch === null) return undefined;
  if (price.batch !== undefined) return { tier, ...ratesOf(price.batch), source };
  return { tier, ...halved(price), source: `${source}; batch API: ${batchShare * 100}% of every rate` };
}

/** The price of a model's requests through its provider's batch API (see `tierPrice`). */
export function batchPriceOf(price: ModelPrice | undefined, modelId: string): TierCharge | undefined {
  return tierPrice(price, 'batch', modelId);
}

const tierSchema = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cachedInput: z.number().nonnegative().optional(),
  cacheWrite: z.number().nonnegative().optional(),
});

const priceFileSchema = z.record(
  z.string(),
  tierSchema.extend({
    batch: tierSchema.nullable().optional(),
    flex: tierSchema.optional(),
    minCachedPrefixTokens: z.number().int().positive().optional(),
    source: z.string().optional(),
  }),
);

/** Reads a price file and lays it over the defaults. */
export function loadPrices(file?: string): Record<string, ModelPrice> {
  if (file === undefined) return { ...defaultPrices };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the price file: ${(error as Error).message}`, { file, cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(`the price file is not JSON: ${(error as Error).message}`, {
      file,
      ...jsonErrorPosition(text, error),
      cause: error,
    });
  }
  const checked = priceFileSchema.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new InputError(
      `expected { "<model uri>": { "input": <usd per 1M>, "output": <usd per 1M> } }: ${issue?.message ?? ''}`,
      { file, field: issue?.path.join('.') ?? '' },
    );
  }
  const overrides = Object.fromEntries(
    Object.entries(checked.data).map(
      ([model, { minCachedPrefixTokens, source, ...price }]): [string, ModelPrice] => [
        model,
        {
          ...(price as ModelPrice),
          ...(minCachedPrefixTokens === undefined
            ? {}
            : { minCachedPrefix: { tokens: minCachedPrefixTokens, source: file } }),
          source: source ?? file,
        },
      ],
    ),
  );
  return { ...defaultPrices, ...overrides };
}

/**
 * The price of a model: its exact id first, then the key its provider prices it under (`sim` as
 * `sim:gpt-4`, a dated snapshot as its model, see the provider table).
 */
export function priceOf(prices: Record<string, ModelPrice>, modelId: string): ModelPrice | undefined {
  if (Object.hasOwn(prices, modelId)) return prices[modelId];
  const key = priceKeyOf(modelId);
  return key === undefined || !Object.hasOwn(prices, key) ? undefined : prices[key];
}

/** A call's input tokens by how they are charged. Cache reads and writes are parts of `inputTokens`. */
export interface ChargedTokens {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  cacheWriteTokens?: number;
}

/**
 * Dollars for a call's tokens. Cache reads and writes are parts of `inputTokens` (as providers
 * report them) and are charged at their own rates where the tier has them, at the input rate
 * where it has not.
 */
export function costUsd(
  price: TierPrice | undefined,
  inputTokens: number,
  outputTokens: number,
  cachedInputTokens = 0,
  cacheWriteTokens = 0,
): number | undefined {
  if (!price) return undefined;
  const cached = Math.min(Math.max(0, cachedInputTokens), inputTokens);
  const written = Math.min(Math.max(0, cacheWriteTokens), inputTokens - cached);
  return (
    ((inputTokens - cached - written) * price.input +
      cached * (price.cachedInput ?? price.input) +
      written * (price.cacheWrite ?? price.input) +
      outputTokens * price.output) /
    1_000_000
  );
}

/** `costUsd` over a usage figure. */
export function costOfUsage(price: TierPrice | undefined, tokens: ChargedTokens): number | undefined {
  return costUsd(
    price,
    tokens.inputTokens,
    tokens.outputTokens,
    tokens.cachedInputTokens ?? 0,
    tokens.cacheWriteTokens ?? 0,
  );
}

/**
 * The price of a model's calls run in the flex tier (`--service-tier flex`): the table's own flex
 * rates, cache reads included where its source gives them. Undefined where no source gives a
 * flex rate for the model (no guess from the standard rate), so such calls get no dollar figure.
 */
export function flexPriceOf(price: ModelPrice | undefined, modelId: string): TierCharge | undefined {
  return tierPrice(price, 'flex', modelId);
}
