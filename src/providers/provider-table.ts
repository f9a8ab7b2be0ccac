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
import { simProfileNames } from '../sim/profiles.js';
import { BatchPromptError } from '../spec/errors.js';
import type { OnlineContext, Provider } from './provider.js';
import { googleServiceTiers, openaiServiceTiers } from './service-tier-adapters.js';

/*
 * Every provider batchprompt speaks to, one row each. A new provider is a row here (its key
 * variable, endpoint, factories and help), its adapter where the AI SDK or an official SDK has
 * none, and its test. Every setting is passed to the SDKs explicitly, so that none falls back to
 * process.env behind an injected `env`.
 */

/** The simulated model: answers from the data's gold labels (`createModel` takes its factory). */
const simProvider: Provider = {
  prefix: 'sim',
  description: 'the simulated model, `sim` being `sim:gpt-4` (answers from gold labels, see below)',
  uriForms: ['sim', ...simProfileNames.map((name) => `sim:${name}`)],
  example: 'sim:gpt-4',
  modelOptional: true,
  simulator: true,
  // `sim` is its default profile, priced as that.
  priceKey: (target) => `sim:${target.model === '' ? 'gpt-4' : target.model}`,
  createOnline: ({ target, options }) => {
    if (options.simFactory === undefined) {
      throw new BatchPromptError(
        `The model \`${target.uri}\` is the simulator, which createModel does not build itself: pass \`simFactory\``,
      );
    }
    return options.simFactory(target.model === '' ? undefined : target.model);
  },
};

const openaiProvider: Provider = {
  prefix: 'openai',
  description: 'OpenAI chat completions',
  uriForms: ['openai:<m>'],
  example: 'openai:gpt-4o-mini',
  apiKey: { variable: 'OPENAI_API_KEY', required: true },
  endpoint: { defaultUrl: 'https://api.openai.com/v1', variable: 'OPENAI_BASE_URL' },
  serviceTiers: openaiServiceTiers,
  // A dated snapshot (gpt-4.1-mini-2025-04-14) is priced as its model.
  priceKey: (target) => `openai:${target.model.replace(/-\d{4}-\d{2}-\d{2}$/, '')}`,
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
  batch: {
    name: 'OpenAI Batch',
    help: 'openai:',
    create: ({ target, access }) =>
      createOpenAiBatchProvider({
        client: new OpenAI({ apiKey: access.apiKey, baseURL: access.baseUrl, maxRetries: 2 }),
        model: target.model,
        compatible: false,
        secrets: access.secrets,
      }),
  },
};

const anthropicProvider: Provider = {
  prefix: 'anthropic',
  description: 'Anthropic Messages API',
  uriForms: ['anthropic:<m>'],
  example: 'anthropic:claude-sonnet-4-5',
  apiKey: { variable: 'ANTHROPIC_API_KEY', required: true },
  endpoint: { defaultUrl: 'https://api.anthropic.com/v1', variable: 'ANTHROPIC_BASE_URL' },
  // Aliases and dated snapshots (claude-sonnet-4-0, claude-sonnet-4-20250514,
  // claude-3-5-haiku-latest) are priced as their model.
  priceKey: (target) =>
    `anthropic:${target.model.replace(/-(\d{8}|latest)$/, '').replace(/^(claude-(?:opus|sonnet|haiku)-\d+)-0$/, '$1')}`,
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
  batch: {
    name: 'Anthropic Message Batches',
    help: 'anthropic:',
    create: ({ target, access }) =>
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
};

/**
 * The Gemini SDK's base URL and API version from the base URL the online adapter takes, which
 * ends in its version (`.../v1beta`); the SDK adds the version (and `upload/`) itself.
 */
export function geminiHttpOptions(baseUrl: string | undefined): { baseUrl?: string; apiVersion: string } {
  const match = /^(.*?)\/(v\d+(?:alpha|beta)?)\/*$/.exec(baseUrl ?? '');
  if (match !== null) return { baseUrl: match[1]!, apiVersion: match[2]! };
  return { ...(baseUrl === undefined ? {} : { baseUrl: baseUrl.replace(/\/+$/, '') }), apiVersion: 'v1beta' };
}

const googleProvider: Provider = {
  prefix: 'google',
  description: 'Google Gemini',
  uriForms: ['google:<m>'],
  example: 'google:gemini-2.5-flash',
  apiKey: { variable: 'GOOGLE_GENERATIVE_AI_API_KEY', required: true },
  endpoint: { defaultUrl: 'https://generativelanguage.googleapis.com/v1beta' },
  serviceTiers: googleServiceTiers,
  // Gemini 2.5 and later cache repeated prefixes implicitly: nothing to send.
  createOnline: ({ target, access, fetch, adapter }) =>
    fromLanguageModel(
      createGoogleGenerativeAI({ apiKey: access.apiKey, baseURL: access.baseUrl, fetch })(target.model),
      { ...adapter, supportsJsonSchema: true, serviceTiers: googleServiceTiers },
    ),
  batch: {
    name: 'Gemini batch mode',
    help: 'google:',
    create: ({ target, access }) =>
      createGeminiBatchProvider({
        client: new GoogleGenAI({ apiKey: access.apiKey, httpOptions: geminiHttpOptions(access.baseUrl) }),
        model: target.model,
        secrets: access.secrets,
      }),
  },
};

/** An OpenAI-compatible chat completions endpoint, with a key, `Basic` credentials or neither. */
function compatibleModel({ target, access, fetch, adapter }: OnlineContext) {
  const languageModel = createOpenAICompatible({
    name: target.provider,
    baseURL: access.baseUrl ?? '',
    ...(access.apiKey === undefined ? {} : { apiKey: access.apiKey }),
    ...(access.authorization === undefined ? {} : { headers: { Authorization: access.authorization } }),
    fetch,
    // Without this the provider downgrades a JSON schema to `{ type: 'json_object' }`.
    supportsStructuredOutputs: true,
  }).chatModel(target.model);
  return fromLanguageModel(languageModel, { ...adapter, supportsJsonSchema: true });
}

const ollamaProvider: Provider = {
  prefix: 'ollama',
  description: "Ollama's OpenAI-compatible endpoint",
  uriForms: ['ollama:<m>'],
  example: 'ollama:llama3.1:8b',
  apiKey: { required: false },
  endpoint: { defaultUrl: 'http://127.0.0.1:11434/v1', credentialsInUrl: true },
  createOnline: compatibleModel,
};

const openaiCompatibleProvider: Provider = {
  prefix: 'openai-compatible',
  description: 'vLLM, llama.cpp server, LiteLLM, ... with `--base-url`',
  uriForms: ['openai-compatible:<m>'],
  example: 'openai-compatible:my-model',
  // Never OPENAI_API_KEY: an OpenAI key is not sent to another server.
  apiKey: { variable: 'BATCHPROMPT_API_KEY', required: false },
  endpoint: { credentialsInUrl: true },
  createOnline: compatibleModel,
  batch: {
    name: 'the OpenAI Batch API at `--base-url` (servers with /v1/files and /v1/batches)',
    help: 'openai-compatible: servers with /v1/batches',
    create: ({ target, access }) =>
      createOpenAiBatchProvider({
        // The SDK needs some key; a placeholder goes to a server that wants none.
        client: new OpenAI({ apiKey: access.apiKey ?? 'no-key', baseURL: access.baseUrl, maxRetries: 2 }),
        model: target.model,
        compatible: true,
        secrets: access.secrets,
      }),
  },
};

const localProvider: Provider = {
  prefix: 'local',
  description: 'a GGUF file run in process by node-llama-cpp (see below)',
  uriForms: ['local:<file.gguf>', 'local:hf:<owner>/<repo>/<file.gguf>'],
  example: 'local:model.gguf',
  // Downloads go through the caller's fetch as is: a model file is far larger than any reply.
  createOnline: ({ target, options }) =>
    createLocalModelFromUri(target.model, target.uri, options.local, {
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    }),
};

/** Every provider, in the order help and the README list them. */
export const providerTable: readonly Provider[] = [
  simProvider,
  openaiProvider,
  anthropicProvider,
  googleProvider,
  ollamaProvider,
  openaiCompatibleProvider,
  localProvider,
];

/** The provider of a URI prefix, if there is one. */
export function findProvider(prefix: string): Provider | undefined {
  return providerTable.find((provider) => provider.prefix === prefix);
}

/** `--model`'s list of URI forms. */
export function modelUriHelp(): string {
  return providerTable.flatMap((provider) => provider.uriForms).join(', ');
}

/** The providers `--service-tier flex` and `auto` work with, for its help and errors. */
export function serviceTierHelp(): string {
  return providerTable
    .flatMap((provider) => (provider.serviceTiers === undefined ? [] : [`${provider.prefix}:`]))
    .join(', ');
}

/** The providers `--batch-api` works with, for its help and errors. */
export function batchApiHelp(): string {
  return providerTable
    .flatMap((provider) => (provider.batch === undefined ? [] : [provider.batch.help]))
    .join(', ');
}
