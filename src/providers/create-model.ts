import { boundedFetch } from '../models/bounded-fetch.js';
import type { LocalModelSettings } from '../models/local-model-from-uri.js';
import type { ChatModel } from '../spec/chat-model.js';
import { parseWithProvider } from './model-uri.js';
import { resolveAccess } from './provider.js';
import { factoriesOf } from './provider-factories.js';

/** Builds the simulated model for `sim` (profile undefined) or `sim:<profile>`. */
export type SimModelFactory = (profile: string | undefined) => ChatModel;

export interface CreateModelOptions {
  /**
   * Base URL of the API, up to and including the version segment (`http://host:8000/v1`).
   * Required for `openai-compatible:`.
   * @default the provider's endpoint variable, then its own URL (see the provider table):
   * `OPENAI_BASE_URL` for `openai:`, `ANTHROPIC_BASE_URL` for `anthropic:`,
   * `http://127.0.0.1:11434/v1` for `ollama:`
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

/**
 * The `ChatModel` a model URI names: `openai:<model>`, `anthropic:<model>`, `google:<model>`,
 * `ollama:<model>`, `openai-compatible:<model>` (with `baseUrl`), `sim[:<profile>]`, `local:<file.gguf>`
 * and `local:hf:<owner>/<repo>/<file.gguf>` (node-llama-cpp, loaded on the first call): the online
 * factory of the URI's row in the provider table. Throws an `InputError` for a bad URI, a missing
 * key (naming the variable to set) or a missing base URL. Builds the provider client only;
 * nothing is sent until `generate`.
 */
export function createModel(uri: string, options: CreateModelOptions = {}): ChatModel {
  const { target, provider } = parseWithProvider(uri);
  const access = resolveAccess(provider, target, options);
  // Every provider reads bodies through the bounded fetch: a server cannot make us hold more than
  // a reply could need. globalThis.fetch is looked up per call, so a test may replace it.
  const fetch = boundedFetch(options.fetch ?? ((input, init) => globalThis.fetch(input, init)), {
    ...(options.maxReplyBytes === undefined ? {} : { maxReplyBytes: options.maxReplyBytes }),
    ...(options.maxErrorBytes === undefined ? {} : { maxErrorBytes: options.maxErrorBytes }),
  });
  const adapter = {
    id: target.uri,
    secrets: access.secrets,
    ...(options.maxReplyBytes === undefined ? {} : { maxReplyBytes: options.maxReplyBytes }),
    ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
  };
  return factoriesOf(provider).createOnline({ target, access, fetch, adapter, options });
}
