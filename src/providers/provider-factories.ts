import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { createAnthropicBatchProvider } from '../jobs/anthropic-batch-provider.js';
import { createGeminiBatchProvider } from '../jobs/gemini-batch-provider.js';
import { createOpenAiBatchProvider } from '../jobs/openai-batch-provider.js';
import { fromLanguageModel } from '../models/ai-sdk-model.js';
import { createLocalModelFromUri } from '../models/local-model-from-uri.js';
import { splitUrlQuery } from '../models/split-url-credentials.js';
import { BatchPromptError } from '../spec/errors.js';
import type { OnlineContext, Provider, ProviderFactories } from './provider.js';
import { googleServiceTiers, openaiServiceTiers } from './service-tier-adapters.js';

/*
 * How each row of the provider table builds its clients, by prefix. This module is what brings the
 * AI SDK and the provider SDKs; only building a model or a batch client imports it. Every setting
 * is passed to the SDKs explicitly, so that none falls back to process.env behind an injected `env`.
 */

/**
 * The Gemini SDK's base URL and API version from the base URL the online adapter takes, which
 * ends in its version (`.../v1beta`); the SDK adds the version (and `upload/`) itself.
 */
export function geminiHttpOptions(baseUrl: string | undefined): { baseUrl?: string; apiVersion: string } {
  const match = /^(.*?)\/(v\d+(?:alpha|beta)?)\/*$/.exec(baseUrl ?? '');
  if (match !== null) return { baseUrl: match[1]!, apiVersion: match[2]! };
  return { ...(baseUrl === undefined ? {} : { baseUrl: baseUrl.replace(/\/+$/, '') }), apiVersion: 'v1beta' };
}

/** An OpenAI-compatible chat completions endpoint, with a key, `Basic` credentials or neither. */
function compatibleModel({ target, access, fetch, adapter }: OnlineContext) {
  const { url, query } = splitUrlQuery(access.baseUrl ?? '');
  const languageModel = createOpenAICompatible({
    name: target.provider,
    baseURL: url,
    ...(query === undefined ? {} : { queryParams: query }),
    ...(access.apiKey === undefined ? {} : { apiKey: access.apiKey }),
    ...(access.authorization === undefined ? {} : { headers: { Authorization: access.authorization } }),
    fetch,
    // Without this the provider downgrades a JSON schema to `{ type: 'json_object' }`.
    supportsStructuredOutputs: true,
  }).chatModel(target.model);
  return fromLanguageModel(languageModel, { ...adapter, supportsJsonSchema: true });
}

/** The OpenAI SDK's base URL and default query for a compatible server's base URL (see splitUrlQuery). */
function compatibleClientUrl(baseUrl: string | undefined): {
  baseURL?: string;
  defaultQuery?: Record<string, string>;
} {
  if (baseUrl === undefined) return {};
  const { url, query } = splitUrlQuery(baseUrl);
  return { baseURL: url, ...(query === undefined ? {} : { defaultQuery: query }) };
}

/** The factories of every provider in the table, by its prefix. */
export const providerFactories: Readonly<Record<string, ProviderFactories>> = {
  sim: {
    createOnline: ({ target, options }) => {
      if (options.simFactory === undefined) {
        throw new BatchPromptError(
          `The model \`${target.uri}\` is the simulator, which createModel does not build itself: pass \`simFactory\``,
        );
      }
      return options.simFactory(target.model === '' ? undefined : target.model);
    },
  },
  openai: {
    // The chat completions API rather than the Responses API: OPENAI_BASE_URL often points at a
    // compatible server (vLLM, a proxy, our simulator) that speaks only chat completions. OpenAI
    // caches prompt prefixes by itself; a `prompt_cache_key` per task keeps a run's calls on the
    // machines that hold its prefix.
    createOnline: ({ target, access, fetch, adapter }) =>
      fromLanguageModel(
        createOpenAI({ apiKey: access.apiKey, baseURL: access.baseUrl, fetch }).chat(target.model),
        {
          ...adapter,
          supportsJsonSchema: true,
          serviceTiers: openaiServiceTiers,
          promptCache: 'cache-key',
        },
      ),
    createBatch: ({ target, access }) =>
      createOpenAiBatchProvider({
        client: new OpenAI({ apiKey: access.apiKey, baseURL: access.baseUrl, maxRetries: 2 }),
        model: target.model,
        compatible: false,
        secrets: access.secrets,
      }),
  },
  anthropic: {
    // @ai-sdk/anthropic sends a JSON schema as `output_config.format` on models with native
    // structured outputs and as a forced `json` tool on older ones; either way the text is JSON.
    // Anthropic rejects `seed`, and the SDK would log a warning for it on every call. Anthropic
    // caches a prefix only where a request marks it: the end of the prefix a run's calls share.
    createOnline: ({ target, access, fetch, adapter }) =>
      fromLanguageModel(
        createAnthropic({ apiKey: access.apiKey, baseURL: access.baseUrl, fetch })(target.model),
        {
          ...adapter,
          supportsJsonSchema: true,
          supportsSeed: false,
          promptCache: 'cache-control',
        },
      ),
    createBatch: ({ target, access }) =>
      createAnthropicBatchProvider({
        // The online adapter's base URL ends in /v1; the Anthropic SDK adds /v1 to its paths itself.
        client: new Anthropic({
          apiKey: access.apiKey,
          baseURL: (access.baseUrl ?? '').replace(/\/+$/, '').replace(/\/v1$/, ''),
          maxRetries: 2,
        }),
        model: target.model,
        secrets: access.secrets,
      }),
  },
  google: {
    // Gemini 2.5 and later cache repeated prefixes implicitly: nothing to send.
    createOnline: ({ target, access, fetch, adapter }) =>
      fromLanguageModel(
        createGoogleGenerativeAI({ apiKey: access.apiKey, baseURL: access.baseUrl, fetch })(target.model),
        { ...adapter, supportsJsonSchema: true, serviceTiers: googleServiceTiers },
      ),
    createBatch: ({ target, access }) =>
      createGeminiBatchProvider({
        client: new GoogleGenAI({ apiKey: access.apiKey, httpOptions: geminiHttpOptions(access.baseUrl) }),
        model: target.model,
        secrets: access.secrets,
      }),
  },
  ollama: { createOnline: compatibleModel },
  'openai-compatible': {
    createOnline: compatibleModel,
    createBatch: ({ target, access }) =>
      createOpenAiBatchProvider({
        // The SDK needs some key; a placeholder goes to a server that wants none.
        client: new OpenAI({
          apiKey: access.apiKey ?? 'no-key',
          ...compatibleClientUrl(access.baseUrl),
          maxRetries: 2,
        }),
        model: target.model,
        compatible: true,
        secrets: access.secrets,
      }),
  },
  local: {
    // Downloads go through the caller's fetch as is: a model file is far larger than any reply.
    createOnline: ({ target, options }) =>
      createLocalModelFromUri(target.model, target.uri, options.local, {
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      }),
  },
};

/** The factories of a row of the provider table; a row without them is a defect of this module. */
export function factoriesOf(provider: Provider): ProviderFactories {
  const factories = providerFactories[provider.prefix];
  if (factories === undefined)
    throw new BatchPromptError(`The provider \`${provider.prefix}\` has no factories`);
  return factories;
}
