import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { parseModelUri } from '../models/model-uri.js';
import { InputError } from '../spec/errors.js';
import { createAnthropicBatchProvider } from './anthropic-batch-provider.js';
import type { BatchProvider } from './batch-provider.js';
import { createOpenAiBatchProvider } from './openai-batch-provider.js';

export interface BatchProviderSettings {
  /** As `--base-url`; @default `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`, then the provider's own. */
  baseUrl?: string;
  /** Where keys and base URLs are read from. @default process.env */
  env?: Record<string, string | undefined>;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function requireKey(env: Record<string, string | undefined>, variable: string, uri: string): string {
  const key = nonEmpty(env[variable]);
  if (key === undefined) {
    throw new InputError(`The model \`${uri}\` needs an API key: set the environment variable ${variable}`, {
      field: 'apiKey',
    });
  }
  return key;
}

/**
 * The batch endpoint of a model URI: OpenAI's Batch API for `openai:`, Anthropic's Message Batches
 * for `anthropic:`, the same Batch API at `--base-url` for `openai-compatible:`. Keys come from the
 * same variables as for online runs. `baseUrl` is the URL to record with the job when it is not
 * the provider's default (a key never goes into it: it is checked before it is stored).
 */
export function createBatchProvider(
  uri: string,
  settings: BatchProviderSettings = {},
): { provider: BatchProvider; baseUrl: string | undefined } {
  const env = settings.env ?? process.env;
  const parsed = parseModelUri(uri);
  if (parsed.provider === 'openai') {
    const apiKey = requireKey(env, 'OPENAI_API_KEY', parsed.uri);
    const baseUrl = nonEmpty(settings.baseUrl) ?? nonEmpty(env.OPENAI_BASE_URL);
    const client = new OpenAI({ apiKey, baseURL: baseUrl ?? 'https://api.openai.com/v1', maxRetries: 2 });
    return {
      provider: createOpenAiBatchProvider({
        client,
        model: parsed.model,
        compatible: false,
        secrets: [apiKey],
      }),
      baseUrl,
    };
  }
  if (parsed.provider === 'openai-compatible') {
    const baseUrl = nonEmpty(settings.baseUrl);
    if (baseUrl === undefined) {
      throw new InputError(`The model \`${parsed.uri}\` needs a base URL: pass \`--base-url\``, {
        field: 'baseUrl',
      });
    }
    // Never an OpenAI key to another server; the SDK needs some key, so a placeholder goes instead.
    const apiKey = nonEmpty(env.BATCHPROMPT_API_KEY);
    const client = new OpenAI({ apiKey: apiKey ?? 'no-key', baseURL: baseUrl, maxRetries: 2 });
    return {
      provider: createOpenAiBatchProvider({
        client,
        model: parsed.model,
        compatible: true,
        secrets: apiKey === undefined ? [] : [apiKey],
      }),
      baseUrl,
    };
  }
  if (parsed.provider === 'anthropic') {
    const apiKey = requireKey(env, 'ANTHROPIC_API_KEY', parsed.uri);
    const baseUrl = nonEmpty(settings.baseUrl) ?? nonEmpty(env.ANTHROPIC_BASE_URL);
    // The online adapter's base URL ends in /v1; the Anthropic SDK adds /v1 to its paths itself.
    const sdkBaseUrl = (baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '').replace(/\/v1$/, '');
    const client = new Anthropic({ apiKey, baseURL: sdkBaseUrl, maxRetries: 2 });
    return {
      provider: createAnthropicBatchProvider({ client, model: parsed.model, secrets: [apiKey] }),
      baseUrl,
    };
  }
  throw new InputError(
    `--batch-api works with openai:, anthropic: and openai-compatible: models (servers with /v1/files and /v1/batches), not \`${parsed.uri}\``,
    { field: 'model' },
  );
}
