import { simProfileNames } from '../sim/profiles.js';
import type { Provider } from './provider.js';
import { googleServiceTiers, openaiServiceTiers } from './service-tier-adapters.js';

/*
 * Every provider batchprompt speaks to, one row each. A new provider is a row here (its key
 * variable, endpoint and help), its factories in provider-factories.ts, its adapter where the AI
 * SDK or an official SDK has none, and its test. The rows are plain data and import no SDK:
 * `--help` and the option declarations read them without loading any client.
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
  batch: {
    name: 'OpenAI Batch',
    help: 'openai:',
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
  batch: {
    name: 'Anthropic Message Batches',
    help: 'anthropic:',
  },
};

const googleProvider: Provider = {
  prefix: 'google',
  description: 'Google Gemini',
  uriForms: ['google:<m>'],
  example: 'google:gemini-2.5-flash',
  apiKey: { variable: 'GOOGLE_GENERATIVE_AI_API_KEY', required: true },
  endpoint: { defaultUrl: 'https://generativelanguage.googleapis.com/v1beta' },
  serviceTiers: googleServiceTiers,
  batch: {
    name: 'Gemini batch mode',
    help: 'google:',
  },
};

const ollamaProvider: Provider = {
  prefix: 'ollama',
  description: "Ollama's OpenAI-compatible endpoint",
  uriForms: ['ollama:<m>'],
  example: 'ollama:llama3.1:8b',
  apiKey: { required: false },
  endpoint: { defaultUrl: 'http://127.0.0.1:11434/v1', credentialsInUrl: true },
};

const openaiCompatibleProvider: Provider = {
  prefix: 'openai-compatible',
  description: 'vLLM, llama.cpp server, LiteLLM, ... with `--base-url`',
  uriForms: ['openai-compatible:<m>'],
  example: 'openai-compatible:my-model',
  // Never OPENAI_API_KEY: an OpenAI key is not sent to another server.
  apiKey: { variable: 'BATCHPROMPT_API_KEY', required: false },
  endpoint: { credentialsInUrl: true },
  batch: {
    name: 'the OpenAI Batch API at `--base-url` (servers with /v1/files and /v1/batches)',
    help: 'openai-compatible: servers with /v1/batches',
  },
};

const localProvider: Provider = {
  prefix: 'local',
  description: 'a GGUF file run in process by node-llama-cpp (see below)',
  uriForms: ['local:<file.gguf>', 'local:hf:<owner>/<repo>/<file.gguf>'],
  example: 'local:model.gguf',
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

/**
 * What `--base-url` does, by provider: required where a provider has no endpoint of its own, else
 * it replaces the provider's default (a proxy, or `batchprompt sim serve` to try a setup offline).
 */
export function baseUrlHelp(): string {
  const prefixes = (required: boolean) =>
    providerTable
      .filter(
        (provider) =>
          provider.endpoint !== undefined && (provider.endpoint.defaultUrl === undefined) === required,
      )
      .map((provider) => `${provider.prefix}:`)
      .join(', ');
  return `the model's endpoint: required for ${prefixes(true)}; for ${prefixes(false)} in place of the provider's own (a proxy, or batchprompt sim serve)`;
}
