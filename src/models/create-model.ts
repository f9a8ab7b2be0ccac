import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { ChatModel } from '../spec/chat-model.js';
import { BatchPromptError, InputError } from '../spec/errors.js';
import { fromLanguageModel } from './ai-sdk-model.js';
import { boundedFetch } from './bounded-fetch.js';
import { createLocalModelFromUri, type LocalModelSettings } from './local-model-from-uri.js';
import { type ApiProvider, parseModelUri } from './model-uri.js';
import { splitUrlCredentials } from './split-url-credentials.js';

/** Builds the simulated model for `sim` (profile undefined) or `sim:<profile>`. */
export type SimModelFactory = (profile: string | undefined) => ChatModel;

export interface CreateModelOptions {
  /**
   * Base URL of the API, up to and including the version segment (`http://host:8000/v1`).
   * Required for `openai-compatible:`.
   * @default the provider's own; `OPENAI_BASE_URL` for `openai:`, `ANTHROPIC_BASE_URL` for
   * `anthropic:`, `http://127.0.0.1:11434/v1` for `ollama:`
   */
  baseUrl?: string;
  /**
   * API key. @default from the environment: `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`,
   * `GOOGLE_GENERATIVE_AI_API_KEY`; for `openai-compatible:` `BATCHPROMPT_API_KEY` only (an
   * OpenAI key is never sent to another server), and none at all is fine; `ollama:` needs none.
   */
  apiKey?: string;
  /** Where keys and base URLs are read from. @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * The fetch the provider uses, e.g. to route through a proxy; bodies are read through
   * `boundedFetch` on top of it. @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch;
  /** Largest reply body accepted, in bytes. @default from each call's output cap (see `fromLanguageModel`) */
  maxReplyBytes?: number;
  /** Error bodies are cut to this many bytes. @default 64 KiB */
  maxErrorBytes?: number;
  /** Told when a reply's reported usage is implausible and replaced by a local count. */
  onWarning?: (message: string) => void;
  /** Builds the simulated model; `sim` URIs fail without it. */
  simFactory?: SimModelFactory;
  /** Settings of `local:` models: GPU, context size, parallel sequences, threads, download. */
  local?: LocalModelSettings;
}

const ollamaBaseUrl = 'http://127.0.0.1:11434/v1';

/**
 * The `ChatModel` a model URI names: `openai:<model>`, `anthropic:<model>`, `google:<model>`,
 * `ollama:<model>`, `openai-compatible:<model>` (with `baseUrl`), `sim[:<profile>]`, `local:<file.gguf>`
 * and `local:hf:<owner>/<repo>/<file.gguf>` (node-llama-cpp, loaded on the first call).
 * Throws an `InputError` for a bad URI, a missing key (naming the variable to set) or a missing
 * base URL. Builds the provider client only; nothing is sent until `generate`.
 */
export function createModel(uri: string, options: CreateModelOptions = {}): ChatModel {
  const parsed = parseModelUri(uri);
  if (parsed.provider === 'sim') {
    if (options.simFactory === undefined) {
      throw new BatchPromptError(
        `The model \`${parsed.uri}\` is the simulator, which createModel does not build itself: pass \`simFactory\``,
      );
    }
    return options.simFactory(parsed.profile);
  }
  if (parsed.provider === 'local') {
    return createLocalModelFromUri(parsed.model, parsed.uri, options.local, {
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }
  return createApiModel(parsed.provider, parsed.model, parsed.uri, options);
}

function createApiModel(
  provider: ApiProvider,
  model: string,
  id: string,
  options: CreateModelOptions,
): ChatModel {
  const env = options.env ?? process.env;
  const innerFetch = options.fetch;
  // Every provider reads bodies through the bounded fetch: a server cannot make us hold more than
  // a reply could need. globalThis.fetch is looked up per call, so a test may replace it.
  const fetchOption = {
    fetch: boundedFetch(innerFetch ?? ((input, init) => globalThis.fetch(input, init)), {
      ...(options.maxReplyBytes === undefined ? {} : { maxReplyBytes: options.maxReplyBytes }),
      ...(options.maxErrorBytes === undefined ? {} : { maxErrorBytes: options.maxErrorBytes }),
    }),
  };
  const adapterOptions = {
    ...(options.maxReplyBytes === undefined ? {} : { maxReplyBytes: options.maxReplyBytes }),
    ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
  };
  const credentials = splitUrlCredentials(nonEmpty(options.baseUrl) ?? '');
  if (credentials.authorization !== undefined && provider !== 'openai-compatible' && provider !== 'ollama') {
    throw new InputError(
      `The base URL of \`${id}\` carries a user name or password (\`user:password@\`); ${id.split(':', 1)[0]} takes its key from the environment only`,
      { field: 'baseUrl' },
    );
  }
  options = { ...options, ...(options.baseUrl === undefined ? {} : { baseUrl: credentials.url }) };
  // Every setting is passed explicitly, so that the providers never fall back to process.env
  // behind an injected `env`.
  switch (provider) {
    case 'openai': {
      const apiKey = requireKey(options.apiKey, env, 'OPENAI_API_KEY', id);
      const baseURL =
        nonEmpty(options.baseUrl) ?? nonEmpty(env.OPENAI_BASE_URL) ?? 'https://api.openai.com/v1';
      // The chat completions API rather than the Responses API: OPENAI_BASE_URL often points at
      // a compatible server (vLLM, a proxy, our simulator) that speaks only chat completions.
      const languageModel = createOpenAI({ apiKey, baseURL, ...fetchOption }).chat(model);
      return fromLanguageModel(languageModel, {
        id,
        supportsJsonSchema: true,
        secrets: [apiKey],
        ...adapterOptions,
      });
    }
    case 'anthropic': {
      const apiKey = requireKey(options.apiKey, env, 'ANTHROPIC_API_KEY', id);
      const baseURL =
        nonEmpty(options.baseUrl) ?? nonEmpty(env.ANTHROPIC_BASE_URL) ?? 'https://api.anthropic.com/v1';
      const languageModel = createAnthropic({ apiKey, baseURL, ...fetchOption })(model);
      // @ai-sdk/anthropic sends a JSON schema as `output_config.format` on models with native
      // structured outputs and as a forced `json` tool on older ones; either way the text is JSON.
      // Anthropic rejects `seed`, and the SDK would log a warning for it on every call.
      return fromLanguageModel(languageModel, {
        id,
        supportsJsonSchema: true,
        supportsSeed: false,
        secrets: [apiKey],
        ...adapterOptions,
      });
    }
    case 'google': {
      const apiKey = requireKey(options.apiKey, env, 'GOOGLE_GENERATIVE_AI_API_KEY', id);
      const baseURL = nonEmpty(options.baseUrl) ?? 'https://generativelanguage.googleapis.com/v1beta';
      const languageModel = createGoogleGenerativeAI({ apiKey, baseURL, ...fetchOption })(model);
      return fromLanguageModel(languageModel, {
        id,
        supportsJsonSchema: true,
        secrets: [apiKey],
        ...adapterOptions,
      });
    }
    case 'ollama':
    case 'openai-compatible': {
      const baseURL = nonEmpty(options.baseUrl) ?? (provider === 'ollama' ? ollamaBaseUrl : undefined);
      if (baseURL === undefined) {
        throw new InputError(
          `The model \`${id}\` needs a base URL: pass \`baseUrl\` (\`--base-url\`), e.g. \`http://127.0.0.1:8000/v1\``,
          { field: 'baseUrl' },
        );
      }
      const apiKey =
        provider === 'ollama'
          ? nonEmpty(options.apiKey)
          : (nonEmpty(options.apiKey) ?? nonEmpty(env.BATCHPROMPT_API_KEY));
      if (apiKey !== undefined && credentials.authorization !== undefined) {
        throw new InputError(
          `The base URL of \`${id}\` carries a user name or password and an API key is set as well; give one of them`,
          { field: 'baseUrl' },
        );
      }
      const languageModel = createOpenAICompatible({
        name: provider,
        baseURL,
        ...(apiKey === undefined ? {} : { apiKey }),
        ...(credentials.authorization === undefined
          ? {}
          : { headers: { Authorization: credentials.authorization } }),
        ...fetchOption,
        // Without this the provider downgrades a JSON schema to `{ type: 'json_object' }`.
        supportsStructuredOutputs: true,
      }).chatModel(model);
      return fromLanguageModel(languageModel, {
        id,
        supportsJsonSchema: true,
        secrets: [...(apiKey === undefined ? [] : [apiKey]), ...credentials.secrets],
        ...adapterOptions,
      });
    }
  }
}

function requireKey(
  explicitKey: string | undefined,
  env: Record<string, string | undefined>,
  variable: string,
  id: string,
): string {
  const key = nonEmpty(explicitKey) ?? nonEmpty(env[variable]);
  if (key === undefined) {
    throw new InputError(`The model \`${id}\` needs an API key: set the environment variable ${variable}`, {
      field: 'apiKey',
    });
  }
  return key;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
