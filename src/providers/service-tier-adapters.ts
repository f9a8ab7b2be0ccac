import type { ServiceTierAdapter } from '../models/ai-sdk-model.js';

/**
 * A provider's word for the tier a call ran in, as batchprompt names it: OpenAI says `default`
 * for its standard tier, Gemini may prefix its enum names (`SERVICE_TIER_FLEX`); other words
 * (`priority`, `scale`) are kept as the provider said them, and priced as nothing known.
 */
export function tierWord(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const word = value
    .trim()
    .toLowerCase()
    .replace(/^service_tier_/, '');
  return word === 'default' ? 'standard' : word;
}

function field(record: unknown, name: string): unknown {
  return typeof record === 'object' && record !== null
    ? (record as Record<string, unknown>)[name]
    : undefined;
}

/**
 * OpenAI chat completions: `service_tier` in the request (@ai-sdk/openai's `serviceTier`), and in
 * the reply the tier that served it, which @ai-sdk/openai 3.0 leaves in the raw body. The SDK
 * drops `flex` for models without flex processing (it allows o3, o4-mini and gpt-5 models); the
 * reply then says `default`, and the call is counted and priced as standard.
 */
export const openaiServiceTiers: ServiceTierAdapter = {
  providerOptions: (tier) => ({ openai: { serviceTier: tier === 'flex' ? 'flex' : 'default' } }),
  tierUsed: ({ body }) => tierWord(field(body, 'service_tier')),
};

/**
 * Gemini API: the `serviceTier` body field (@ai-sdk/google's `serviceTier`), and the tier of the
 * reply's `usageMetadata.serviceTier`, which the SDK passes on as provider metadata.
 */
export const googleServiceTiers: ServiceTierAdapter = {
  providerOptions: (tier) => ({ google: { serviceTier: tier } }),
  tierUsed: ({ providerMetadata }) => tierWord(field(providerMetadata?.google, 'serviceTier')),
};
