import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { priceKeyOf } from '../providers/model-uri.js';
import { InputError } from '../spec/errors.js';

/** US dollars per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Input tokens read from the provider's prompt cache; priced as `input` when absent. */
  cachedInput?: number;
  /** Where the figure came from, shown next to the estimate. */
  source?: string;
}

const listPrice =
  'provider list price, standard tier, as recorded in batchprompt 0.1.0 (check before relying on it)';

/**
 * Prices of common models, keyed by model URI. They change often: `--prices file.json` overrides
 * or extends them with `{ "openai:gpt-4o": { "input": 2.5, "output": 10 } }`.
 */
export const defaultPrices: Readonly<Record<string, ModelPrice>> = {
  'openai:gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25, source: listPrice },
  'openai:gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075, source: listPrice },
  'openai:gpt-4.1': { input: 2, output: 8, cachedInput: 0.5, source: listPrice },
  'openai:gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1, source: listPrice },
  'openai:gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025, source: listPrice },
  'openai:gpt-4': { input: 30, output: 60, source: listPrice },
  'openai:gpt-3.5-turbo': { input: 0.5, output: 1.5, source: listPrice },
  'anthropic:claude-3-5-haiku-latest': { input: 0.8, output: 4, cachedInput: 0.08, source: listPrice },
  'anthropic:claude-sonnet-4-0': { input: 3, output: 15, cachedInput: 0.3, source: listPrice },
  'anthropic:claude-opus-4-0': { input: 15, output: 75, cachedInput: 1.5, source: listPrice },
  'google:gemini-2.0-flash': { input: 0.1, output: 0.4, source: listPrice },
  'google:gemini-2.5-flash': { input: 0.3, output: 2.5, source: listPrice },
  'google:gemini-2.5-pro': { input: 1.25, output: 10, source: listPrice },
  // The simulated profiles are priced as the models they imitate, so plans read like real ones.
  'sim:gpt-4': { input: 30, output: 60, source: 'priced as openai:gpt-4 (the model sim:gpt-4 imitates)' },
  'sim:gpt-3.5': {
    input: 0.5,
    output: 1.5,
    source: 'priced as openai:gpt-3.5-turbo (imitated by sim:gpt-3.5)',
  },
};

const priceFileSchema = z.record(
  z.string(),
  z.object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cachedInput: z.number().nonnegative().optional(),
    source: z.string().optional(),
  }),
);

/** Reads a price file and lays it over the defaults. */
export function loadPrices(file?: string): Record<string, ModelPrice> {
  if (file === undefined) return { ...defaultPrices };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`cannot read the price file: ${(error as Error).message}`, { file, cause: error });
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
    Object.entries(checked.data).map(([model, price]) => [model, { ...price, source: price.source ?? file }]),
  );
  return { ...defaultPrices, ...overrides };
}

/**
 * The price of a model: its exact id first, then the key its provider prices it under (`sim` as
 * `sim:gpt-4`, see the provider table).
 */
export function priceOf(prices: Record<string, ModelPrice>, modelId: string): ModelPrice | undefined {
  if (Object.hasOwn(prices, modelId)) return prices[modelId];
  const key = priceKeyOf(modelId);
  return key === undefined || !Object.hasOwn(prices, key) ? undefined : prices[key];
}

/**
 * Dollars for a call's tokens. `cachedInputTokens` are part of `inputTokens` (as providers report
 * them) and are priced at the cached rate where the table has one.
 */
export function costUsd(
  price: ModelPrice | undefined,
  inputTokens: number,
  outputTokens: number,
  cachedInputTokens = 0,
): number | undefined {
  if (!price) return undefined;
  const cached = Math.min(Math.max(0, cachedInputTokens), inputTokens);
  return (
    ((inputTokens - cached) * price.input +
      cached * (price.cachedInput ?? price.input) +
      outputTokens * price.output) /
    1_000_000
  );
}

/** Share of the list price that OpenAI's Batch API and Anthropic's Message Batches charge (cache reads included). */
const batchShare = 0.5;

/**
 * The price of a model's requests through its provider's batch API: half of every rate, as OpenAI
 * Batch and Anthropic Message Batches charge, simulated profiles priced as the models they imitate.
 */
export function batchPriceOf(price: ModelPrice | undefined, modelId: string): ModelPrice | undefined {
  if (!price) return undefined;
  return {
    input: price.input * batchShare,
    output: price.output * batchShare,
    ...(price.cachedInput === undefined ? {} : { cachedInput: price.cachedInput * batchShare }),
    source: `${price.source ?? modelId}; batch API: ${batchShare * 100}% of it`,
  };
}

/**
 * Share of the list price that the flex tier charges on ordinary calls: OpenAI prices flex at its
 * Batch API rates, cache reads included (developers.openai.com/api/docs/guides/flex-processing), and
 * Gemini's flex is 50% off (ai.google.dev/gemini-api/docs/flex-inference), as of 2026-12.
 */
const flexShare = 0.5;

/** The price of a model's calls run in the flex tier (`--service-tier flex`). */
export function flexPriceOf(price: ModelPrice | undefined, modelId: string): ModelPrice | undefined {
  if (!price) return undefined;
  return {
    input: price.input * flexShare,
    output: price.output * flexShare,
    ...(price.cachedInput === undefined ? {} : { cachedInput: price.cachedInput * flexShare }),
    source: `${price.source ?? modelId}; flex tier: ${flexShare * 100}% of it`,
  };
}
