import type { BatchProvider } from '../jobs/batch-provider.js';
import type { AiSdkModelOptions, ServiceTierAdapter } from '../models/ai-sdk-model.js';
import { splitUrlCredentials } from '../models/split-url-credentials.js';
import type { ChatModel } from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';
import type { CreateModelOptions } from './create-model.js';

/** A model URI split at its first colon, as `parseModelUri` returns it. */
export interface ModelTarget {
  /** The provider's prefix: `openai` in `openai:gpt-4o-mini`. */
  provider: string;
  /** The provider's model name: `gpt-4o-mini`; `''` where the provider takes none (`sim`). */
  model: string;
  /** The URI, trimmed: the model's id in caches, journals and summaries. */
  uri: string;
}

/** The key and endpoint of one model, resolved from the options and the environment. */
export interface ProviderAccess {
  /** The API key: given explicitly, else read from the provider's variable. */
  apiKey: string | undefined;
  /** Where calls go (without any `user:password@`); undefined for providers with no endpoint. */
  baseUrl: string | undefined;
  /** True when `baseUrl` is the provider's own default, not one given by option or environment. */
  ownEndpoint: boolean;
  /** `Basic <base64>` for the `user:password@` of the base URL, where the provider accepts one. */
  authorization: string | undefined;
  /** What must never appear in an error or a reply: the key and the URL's user and password. */
  secrets: string[];
}

/** What an online factory is given. */
export interface OnlineContext {
  target: ModelTarget;
  access: ProviderAccess;
  /** The fetch to hand the provider's client: reply and error bodies read within bounds. */
  fetch: typeof globalThis.fetch;
  /** The options every AI SDK adapter takes from here: the id, the secrets, the body bound, warnings. */
  adapter: Pick<AiSdkModelOptions, 'id' | 'secrets' | 'maxReplyBytes' | 'onWarning'>;
  /** The caller's options as given, for providers that read more (the simulator's factory, local settings). */
  options: CreateModelOptions;
}

/** What a batch-API factory is given. */
export interface BatchContext {
  target: ModelTarget;
  access: ProviderAccess;
}

/**
 * One row of the provider table: everything batchprompt knows about a model URI prefix, read by
 * the model URIs, the model stack, batch jobs, the price lookup, `--help` and the README. Plain
 * data: its factories (`ProviderFactories`) are in provider-factories.ts.
 */
export interface Provider {
  /** The URI prefix: `openai` in `openai:gpt-4o-mini`. */
  readonly prefix: string;
  /** What answers, as the README's model table says it. */
  readonly description: string;
  /** The URI forms `--model` lists, e.g. `openai:<m>`. */
  readonly uriForms: readonly string[];
  /** A URI shown in error messages. */
  readonly example: string;
  /** `prefix` alone is a URI too (`sim`: its default profile). @default false */
  readonly modelOptional?: boolean;
  /**
   * The API key: the environment variable it is read from when none is given, and whether a call
   * needs one. Without this, only a key given explicitly is sent.
   */
  readonly apiKey?: { readonly variable?: string; readonly required: boolean };
  /**
   * The endpoint: its default base URL, up to and including the version segment (none: a base URL
   * must be given), the environment variable that overrides it, and whether a
   * `user:password@` in it may carry the credentials (sent as `Basic` auth to that host only).
   * Providers without this (the simulator, local files) call no server.
   */
  readonly endpoint?: {
    readonly defaultUrl?: string;
    readonly variable?: string;
    readonly credentialsInUrl?: boolean;
  };
  /** The answers come from the data set's gold labels: the simulator, labelled simulated. */
  readonly simulator?: boolean;
  /**
   * The provider's service tiers (`--service-tier`), where it sells a cheaper flex tier on
   * ordinary calls; the online adapter takes the same object.
   */
  readonly serviceTiers?: ServiceTierAdapter;
  /** The key of a model in the price table. @default its URI */
  priceKey?(target: ModelTarget): string;
  /** The provider's batch API (`--batch-api`), where it has one. */
  readonly batch?: {
    /** What the batch API is, for the README. */
    readonly name: string;
    /** How `--batch-api`'s help names the URIs it takes: `openai:`. */
    readonly help: string;
  };
}

/**
 * How one provider of the table builds its clients (provider-factories.ts). Kept apart from the
 * row because these bring the SDKs, which `--help` and the option declarations do without.
 */
export interface ProviderFactories {
  /** The online adapter. Builds the client only: nothing is sent until `generate`. */
  createOnline(context: OnlineContext): ChatModel;
  /** The batch API's client, for the providers whose row has `batch`. */
  createBatch?(context: BatchContext): BatchProvider;
}

export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/**
 * The key, base URL and secrets of a model, the same for its online adapter and its batch API.
 * Throws an `InputError` naming the variable to set for a missing key, for a missing base URL,
 * and for credentials in a base URL of a provider that takes its key from the environment only.
 */
export function resolveAccess(
  provider: Provider,
  target: ModelTarget,
  settings: { apiKey?: string; baseUrl?: string; env?: Record<string, string | undefined> },
): ProviderAccess {
  const env = settings.env ?? process.env;
  const { endpoint } = provider;
  // A provider that calls no server has no use for a base URL, so it ignores one.
  const chosenUrl =
    endpoint === undefined
      ? undefined
      : (nonEmpty(settings.baseUrl) ??
        (endpoint.variable === undefined ? undefined : nonEmpty(env[endpoint.variable])));
  const credentials = splitUrlCredentials(chosenUrl ?? '');
  if (credentials.authorization !== undefined && endpoint?.credentialsInUrl !== true) {
    throw new InputError(
      `The base URL of \`${target.uri}\` carries a user name or password (\`user:password@\`); ${provider.prefix} takes its key from the environment only`,
      { field: 'baseUrl' },
    );
  }
  const baseUrl = chosenUrl === undefined ? endpoint?.defaultUrl : credentials.url;
  if (endpoint !== undefined && baseUrl === undefined) {
    throw new InputError(
      `The model \`${target.uri}\` needs a base URL: pass \`baseUrl\` (\`--base-url\`), e.g. \`http://127.0.0.1:8000/v1\``,
      { field: 'baseUrl' },
    );
  }
  const keyVariable = provider.apiKey?.variable;
  const apiKey =
    nonEmpty(settings.apiKey) ?? (keyVariable === undefined ? undefined : nonEmpty(env[keyVariable]));
  if (apiKey === undefined && provider.apiKey?.required === true) {
    throw new InputError(
      `The model \`${target.uri}\` needs an API key: set the environment variable ${keyVariable}`,
      { field: 'apiKey' },
    );
  }
  if (apiKey !== undefined && credentials.authorization !== undefined) {
    throw new InputError(
      `The base URL of \`${target.uri}\` carries a user name or password and an API key is set as well; give one of them`,
      { field: 'baseUrl' },
    );
  }
  return {
    apiKey,
    baseUrl,
    ownEndpoint: chosenUrl === undefined,
    authorization: credentials.authorization,
    secrets: [...(apiKey === undefined ? [] : [apiKey]), ...credentials.secrets],
  };
}
