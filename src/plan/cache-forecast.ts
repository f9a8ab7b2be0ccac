import type { ChatMessage } from '../spec/chat-model.js';
import { countMessageTokens } from '../spec/count-tokens.js';
import { costUsd, type ModelPrice, type TierPrice } from './price-table.js';

/*
 * What a provider's prompt cache would save on a planned run. Every call of a run starts with the
 * same system message, and the calls that show the worked examples with the same examples after
 * it (`renderBatch` marks both ends). Once the first call of a prefix has been answered, the calls
 * after it read the prefix from the cache, if it reaches the provider's minimum: OpenAI and
 * Google read it on their own, in 128-token steps on OpenAI; Anthropic reads what a
 * `cache_control` mark wrote, and bills the first call's write at its own rate.
 */

/** How a provider caches: by itself from the start of the prompt, or at marked message ends. */
export type CacheRule = 'automatic' | 'marked';

export interface PlannedCalls {
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

export interface CachedLine {
  /** Of the input tokens, those read from the cache, and those written to it (Anthropic). */
  cachedInputTokens: number;
  cacheWriteTokens: number;
  /** Dollars with those cache hits, and without any (every prefix paid in full). */
  costUsd: number | null;
  uncachedCostUsd: number | null;
}

export interface CacheForecast {
  rule: CacheRule;
  /** Tokens of the system message, which every call shares. */
  systemTokens: number;
  /** Tokens of the system message and the worked examples, which the calls showing them share. */
  prefixTokens: number;
  /** The provider's shortest cached prefix for this model, and where that figure came from. */
  minimum: { tokens: number; source: string } | null;
  /** Whether the longest shared prefix reaches the minimum; null where no source gives one. */
  reached: boolean | null;
}

/** The cache rule of a model URI's provider; undefined where batchprompt knows of no cache. */
export function cacheRuleOf(modelId: string): CacheRule | undefined {
  if (modelId.startsWith('anthropic:')) return 'marked';
  if (modelId.startsWith('openai:') || modelId.startsWith('google:')) return 'automatic';
  return undefined;
}

/** The shared prefixes of a rendered call (with its examples), and whether they reach the minimum. */
export function forecastCache(
  messages: readonly ChatMessage[],
  rule: CacheRule,
  price: ModelPrice | undefined,
): CacheForecast {
  const first = messages.findIndex((message) => message.endsSharedPrefix === true);
  const last = messages.findLastIndex((message) => message.endsSharedPrefix === true);
  const systemTokens = first < 0 ? 0 : countMessageTokens(messages.slice(0, first + 1));
  const prefixTokens = last < 0 ? 0 : countMessageTokens(messages.slice(0, last + 1));
  const minimum = price?.minCachedPrefix ?? null;
  return {
    rule,
    systemTokens,
    prefixTokens,
    minimum,
    reached: minimum === null ? null : prefixTokens >= minimum.tokens,
  };
}

/**
 * The cache reads and writes of a planned line: its first `withExamplesCalls` calls share the
 * whole prefix, the rest the system message alone (later rounds without examples); the first call
 * writes, every other call reads. Nothing is cached below the minimum, or where none is known.
 */
export function cachedLine(
  planned: PlannedCalls,
  withExamplesCalls: number,
  forecast: CacheForecast,
  price: TierPrice | undefined,
): CachedLine {
  const uncachedCostUsd = costUsd(price, planned.inputTokens, planned.outputTokens) ?? null;
  const minimum = forecast.minimum?.tokens;
  const readable = (tokens: number) => {
    if (minimum === undefined || tokens < minimum) return 0;
    return forecast.rule === 'automatic' ? Math.floor(tokens / 128) * 128 : tokens;
  };
  const full = Math.min(planned.calls, withExamplesCalls);
  const rest = planned.calls - full;
  const reads =
    planned.calls === 0
      ? 0
      : Math.max(0, full - 1) * readable(forecast.prefixTokens) +
        (full === 0 ? Math.max(0, rest - 1) : rest) * readable(forecast.systemTokens);
  const written =
    forecast.rule === 'marked' ? readable(full > 0 ? forecast.prefixTokens : forecast.systemTokens) : 0;
  const cacheWriteTokens = planned.calls === 0 ? 0 : written;
  const cachedInputTokens = Math.min(reads, planned.inputTokens);
  return {
    cachedInputTokens,
    cacheWriteTokens,
    costUsd:
      costUsd(price, planned.inputTokens, planned.outputTokens, cachedInputTokens, cacheWriteTokens) ?? null,
    uncachedCostUsd,
  };
}

/** The plan's prompt-cache forecast: the prefixes, the minimum, and each line with and without hits. */
export interface PlanCache extends CacheForecast {
  lines: Record<string, CachedLine>;
}

/**
 * The forecast for each planned line of a model whose provider caches: `roundOneCalls` of a line
 * show the worked examples where only round 1 does (`examples: 'first-round'`), all of them where
 * every call does. Undefined for a provider batchprompt knows of no cache for.
 */
export function forecastPlanCache(input: {
  modelId: string;
  messages: readonly ChatMessage[];
  price: ModelPrice | undefined;
  tier: TierPrice | undefined;
  examples: 'every-call' | 'first-round' | 'none';
  lines: Record<string, (PlannedCalls & { roundOneCalls: number }) | null>;
}): PlanCache | undefined {
  const rule = cacheRuleOf(input.modelId);
  if (rule === undefined) return undefined;
  const forecast = forecastCache(input.messages, rule, input.price);
  const lines: Record<string, CachedLine> = {};
  for (const [name, planned] of Object.entries(input.lines)) {
    if (planned === null) continue;
    const withExamples = input.examples === 'first-round' ? planned.roundOneCalls : planned.calls;
    lines[name] = cachedLine(planned, withExamples, forecast, input.tier);
  }
  return { ...forecast, lines };
}

const usd = (value: number | null) => (value === null ? '-' : `$${value.toFixed(4)}`);

/** The forecast as the plan prints it, below its table. */
export function renderPlanCache(cache: PlanCache, modelId: string): string[] {
  const minimum = cache.minimum;
  const prefix = `shared prefix ${cache.prefixTokens} tokens (system message ${cache.systemTokens})`;
  const verdict =
    minimum === null
      ? `no source gives ${modelId}'s shortest cached prefix: no cache hits forecast`
      : `${cache.reached ? 'reaches' : 'is below'} ${modelId}'s minimum of ${minimum.tokens} tokens (${minimum.source})`;
  const lines = Object.entries(cache.lines).map(
    ([name, line]) =>
      `  ${name}: ${usd(line.costUsd)} with cache hits (${line.cachedInputTokens} tokens read, ${line.cacheWriteTokens} written), ${usd(line.uncachedCostUsd)} without`,
  );
  return [
    `prompt cache (${cache.rule === 'marked' ? 'cache_control marks' : 'automatic'}): ${prefix} ${verdict}`,
    ...lines,
  ];
}
