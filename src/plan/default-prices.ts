import type { ModelPrice, TierPrice } from './price-table.js';

/*
 * The prices batchprompt charges when no price file says otherwise, in US dollars per million
 * tokens, each with the page it comes from and the date of the copy it was read from. Prices
 * change often: `--prices file.json` overrides or extends any of them, and `batchprompt prices`
 * prints what will be charged. A model that is not here gets no dollar figure at all.
 *
 * Where a source gives no figure (a batch or flex rate, a cache read in a batch, a minimum
 * cacheable prefix), the entry leaves it out and says so; the code then charges the uncached rate
 * for cache reads, and shows no dollars for a tier without a price.
 */

const openaiPricing =
  'platform.openai.com/docs/pricing, Standard, Batch and Flex tables (a stored copy listing gpt-5.1, November 2025)';
const openaiBatchNoCache =
  'its Batch table gives no cached-input rate for this model, so cache reads are charged as input';
const openaiMinimum = {
  tokens: 1024,
  source:
    'OpenAI prompt caching guide (developers.openai.com): prompts of 1,024 tokens or more, in 128-token steps',
};

function openai(standard: TierPrice, batch: TierPrice | null, flex?: TierPrice, note?: string): ModelPrice {
  return {
    ...standard,
    batch,
    ...(flex === undefined ? {} : { flex }),
    ...(standard.cachedInput === undefined ? {} : { minCachedPrefix: openaiMinimum }),
    source: note === undefined ? openaiPricing : `${openaiPricing}; ${note}`,
  };
}

const rates = (input: number, cachedInput: number | undefined, output: number): TierPrice =>
  cachedInput === undefined ? { input, output } : { input, cachedInput, output };

const anthropicBatchNote =
  'Message Batches: 50% of all usage, cache reads and writes included (platform.claude.com batch-processing); batch jobs write the 1-hour cache';

/**
 * An Anthropic model: base input, 5-minute and 1-hour cache writes, cache hits, output. Batch
 * jobs pay half of each, and write the 1-hour cache (`cache_control.ttl: '1h'`), which Anthropic
 * advises for batches since their requests may run more than 5 minutes apart.
 */
function anthropic(
  [input, write5m, write1h, read, output]: readonly [number, number, number, number, number],
  source: string,
  minimum: { tokens: number; source: string } | undefined,
): ModelPrice {
  return {
    input,
    output,
    cachedInput: read,
    cacheWrite: write5m,
    batch: { input: input / 2, output: output / 2, cachedInput: read / 2, cacheWrite: write1h / 2 },
    ...(minimum === undefined ? {} : { minCachedPrefix: minimum }),
    source: `${source}; ${anthropicBatchNote}`,
  };
}

const claudePricing2026 =
  'platform.claude.com/docs/en/about-claude/pricing (a stored copy whose newest model is Claude Opus 4.6, 2026)';
const claudePricingLate2026 =
  'platform.claude.com/docs/en/about-claude/pricing (a stored copy listing Claude Opus 5 and Fable 5.1, late 2026)';
/** A shortest cached prefix of `tokens`, with the source that gives it. */
const minimumFrom = (source: string) => (tokens: number) => ({ tokens, source });
const claudeMinimum = minimumFrom(
  'platform.claude.com prompt-caching guide, minimum cacheable prompt length (as quoted in anthropics/anthropic-sdk-python#1194, 2026)',
);
const claudeMinimumLate2026 = minimumFrom(
  'minimum cacheable prefix by model as reported for late 2026 (dev.to, "Claude\'s prompt cache fails silently below 1,024 tokens"); not in a stored copy of Anthropic\'s own page',
);

const geminiPricing =
  'ai.google.dev/gemini-api/docs/pricing, prompts up to 200k tokens (snapshot of 2025-10-08, as recorded in alecaifactory/salfagpt GEMINI_API_PRICING_REFERENCE.md)';
const geminiFlex =
  'Flex: 50% of the standard rate (ai.google.dev/gemini-api/docs/flex-inference, preview); no stored source gives its cache-read rate';
const geminiMinimum = minimumFrom(
  'implicit caching minimum (docs.cloud.google.com context-cache-overview, 2026)',
);

const geminiBatchHalf =
  'the snapshot lists no batch rate for this model: batch at 50% of the standard rate, the Batch API discount (ai.google.dev/gemini-api/docs/batch-api)';

/** A Gemini model: its standard rates, its batch rates (half of standard where `batch` is absent). */
function gemini(
  standard: TierPrice,
  batch: TierPrice | undefined,
  minimum: number | undefined,
  flex: boolean,
): ModelPrice {
  const notes = [
    geminiPricing,
    ...(batch === undefined ? [geminiBatchHalf] : []),
    ...(flex ? [geminiFlex] : []),
    ...(standard.cachedInput === undefined ? ['no stored source gives its cache-read rate'] : []),
  ];
  return {
    ...standard,
    batch: batch ?? { input: standard.input / 2, output: standard.output / 2 },
    ...(flex ? { flex: { input: standard.input / 2, output: standard.output / 2 } } : {}),
    ...(minimum === undefined ? {} : { minCachedPrefix: geminiMinimum(minimum) }),
    source: notes.join('; '),
  };
}

export const defaultPrices: Readonly<Record<string, ModelPrice>> = {
  'openai:gpt-5.1': openai(rates(1.25, 0.125, 10), rates(0.625, 0.0625, 5), rates(0.625, 0.0625, 5)),
  'openai:gpt-5': openai(rates(1.25, 0.125, 10), rates(0.625, 0.0625, 5), rates(0.625, 0.0625, 5)),
  'openai:gpt-5-mini': openai(rates(0.25, 0.025, 2), rates(0.125, 0.0125, 1), rates(0.125, 0.0125, 1)),
  'openai:gpt-5-nano': openai(rates(0.05, 0.005, 0.4), rates(0.025, 0.0025, 0.2), rates(0.025, 0.0025, 0.2)),
  'openai:gpt-4.1': openai(rates(2, 0.5, 8), rates(1, undefined, 4), undefined, openaiBatchNoCache),
  'openai:gpt-4.1-mini': openai(
    rates(0.4, 0.1, 1.6),
    rates(0.2, undefined, 0.8),
    undefined,
    openaiBatchNoCache,
  ),
  'openai:gpt-4.1-nano': openai(
    rates(0.1, 0.025, 0.4),
    rates(0.05, undefined, 0.2),
    undefined,
    openaiBatchNoCache,
  ),
  'openai:gpt-4o': openai(rates(2.5, 1.25, 10), rates(1.25, undefined, 5), undefined, openaiBatchNoCache),
  'openai:gpt-4o-mini': openai(
    rates(0.15, 0.075, 0.6),
    rates(0.075, undefined, 0.3),
    undefined,
    openaiBatchNoCache,
  ),
  'openai:o3': openai(rates(2, 0.5, 8), rates(1, undefined, 4), rates(1, 0.25, 4), openaiBatchNoCache),
  'openai:o4-mini': openai(
    rates(1.1, 0.275, 4.4),
    rates(0.55, undefined, 2.2),
    rates(0.55, 0.138, 2.2),
    openaiBatchNoCache,
  ),
  'openai:gpt-4': openai(
    rates(30, undefined, 60),
    rates(15, undefined, 30),
    undefined,
    'legacy models: gpt-4-0613',
  ),
  'openai:gpt-3.5-turbo': openai(
    rates(0.5, undefined, 1.5),
    rates(0.25, undefined, 0.75),
    undefined,
    'legacy models: batch as gpt-3.5-turbo-0125',
  ),

  'anthropic:claude-opus-5': anthropic(
    [5, 6.25, 10, 0.5, 25],
    claudePricingLate2026,
    claudeMinimumLate2026(512),
  ),
  'anthropic:claude-opus-4-8': anthropic(
    [5, 6.25, 10, 0.5, 25],
    claudePricingLate2026,
    claudeMinimumLate2026(1024),
  ),
  'anthropic:claude-opus-4-7': anthropic(
    [5, 6.25, 10, 0.5, 25],
    claudePricingLate2026,
    claudeMinimumLate2026(2048),
  ),
  'anthropic:claude-opus-4-6': anthropic([5, 6.25, 10, 0.5, 25], claudePricing2026, claudeMinimum(4096)),
  'anthropic:claude-opus-4-5': anthropic([5, 6.25, 10, 0.5, 25], claudePricing2026, claudeMinimum(4096)),
  'anthropic:claude-opus-4-1': anthropic([15, 18.75, 30, 1.5, 75], claudePricing2026, claudeMinimum(1024)),
  'anthropic:claude-opus-4': anthropic([15, 18.75, 30, 1.5, 75], claudePricing2026, claudeMinimum(1024)),
  // Sonnet 5's launch rates ($2/$10) held only to 2026-08-31; the standard ones apply since.
  'anthropic:claude-sonnet-5': anthropic(
    [3, 3.75, 6, 0.3, 15],
    'platform.claude.com/docs/en/about-claude/models/whats-new-sonnet-5 (released 2026-06-30); standard rates from 2026-09-01, the same as Sonnet 4.6 (blog.getbind.co, "Claude Sonnet 5 tokenizer deep dive", 2026)',
    claudeMinimumLate2026(1024),
  ),
  'anthropic:claude-sonnet-4-6': anthropic([3, 3.75, 6, 0.3, 15], claudePricing2026, claudeMinimum(1024)),
  'anthropic:claude-sonnet-4-5': anthropic([3, 3.75, 6, 0.3, 15], claudePricing2026, claudeMinimum(1024)),
  'anthropic:claude-sonnet-4': anthropic([3, 3.75, 6, 0.3, 15], claudePricing2026, claudeMinimum(1024)),
  'anthropic:claude-haiku-4-5': anthropic([1, 1.25, 2, 0.1, 5], claudePricing2026, claudeMinimum(4096)),
  'anthropic:claude-3-5-haiku': anthropic([0.8, 1, 1.6, 0.08, 4], claudePricing2026, claudeMinimum(2048)),

  'google:gemini-2.5-pro': gemini(rates(1.25, 0.125, 10), rates(0.625, undefined, 5), 4096, true),
  'google:gemini-2.5-flash': gemini(rates(0.3, 0.03, 2.5), rates(0.15, undefined, 1.25), 1024, true),
  'google:gemini-2.5-flash-lite': gemini(rates(0.1, undefined, 0.4), undefined, undefined, false),
  'google:gemini-2.0-flash': gemini(rates(0.1, undefined, 0.4), undefined, undefined, false),

  // The simulated profiles are priced as the models they imitate, so plans read like real ones;
  // `sim:frontier` imitates no model with a price, and has none.
  'sim:gpt-4': {
    ...openai(rates(30, undefined, 60), rates(15, undefined, 30)),
    source: 'priced as openai:gpt-4 (the model sim:gpt-4 imitates)',
  },
  'sim:gpt-3.5': {
    ...openai(rates(0.5, undefined, 1.5), rates(0.25, undefined, 0.75)),
    source: 'priced as openai:gpt-3.5-turbo (imitated by sim:gpt-3.5)',
  },
};
