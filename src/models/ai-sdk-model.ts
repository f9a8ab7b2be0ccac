import type {
  JSONSchema7,
  LanguageModelV3,
  SharedV3ProviderMetadata,
  SharedV3ProviderOptions,
} from '@ai-sdk/provider';
import {
  type FinishReason as AiSdkFinishReason,
  generateText,
  type LanguageModelUsage,
  type ModelMessage,
  type OutputInterface,
} from 'ai';
import type {
  ChatMessage,
  ChatModel,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  JsonSchema,
  ServiceTierName,
  Usage,
} from '../spec/chat-model.js';
import { countMessageTokens, countTokens } from '../spec/count-tokens.js';
import { ApiCallError, type BatchPromptError, InputError } from '../spec/errors.js';
import { type CallReply, callReply } from './bounded-fetch.js';
import { createPrefixWarmUp } from './prefix-warm-up.js';
import { promptCacheKey, sharedPrefixDigest } from './prompt-cache-key.js';
import { quietSdkWarnings } from './quiet-sdk-warnings.js';
import { redactSecrets } from './redact-secrets.js';
import { sanitizeHeaders } from './sanitize-headers.js';
import { toModelError } from './to-model-error.js';
import { isTokenCount, usageProblem } from './usage-problem.js';

export interface AiSdkModelOptions {
  /** The model URI this adapter serves, e.g. `openai:gpt-4o-mini`. Used in error messages. */
  id: string;
  /**
   * True when the provider constrains replies to a JSON schema (OpenAI `response_format`
   * json_schema, Anthropic `output_config.format` or its JSON tool, Google `responseSchema`).
   * When false, a JSON request is sent as plain text and the prompt alone asks for JSON.
   */
  supportsJsonSchema: boolean;
  /**
   * False for providers that reject `seed`: the AI SDK would log an "unsupported" warning on
   * every call otherwise. @default true
   */
  supportsSeed?: boolean;
  /** Passed to `generateText` as is, e.g. `{ openai: { reasoningEffort: 'low' } }`. */
  providerOptions?: SharedV3ProviderOptions;
  /**
   * How the provider is asked to cache the prefix the calls of a run share: `cache-control` marks
   * its last message (`endsSharedPrefix`) with Anthropic's `cache_control`, `cache-key` sends
   * OpenAI's `prompt_cache_key` (`promptCacheKey`). Without it the provider caches on its own
   * terms (Google's implicit caching) or not at all.
   */
  promptCache?: 'cache-control' | 'cache-key';
  /** Values scrubbed from every error (the API key), besides the credential shapes always scrubbed. */
  secrets?: readonly string[];
  /**
   * Largest reply body accepted, in bytes; enforced by the `fetch` of `boundedFetch`, which the
   * provider must use. @default 64 bytes per token of the call's output cap, at least 256 KiB
   */
  maxReplyBytes?: number;
  /** Told when a reply's reported usage is replaced by a local count. @default process.emitWarning */
  onWarning?: (message: string) => void;
  /** How the provider takes `request.serviceTier`; without it the tier is not sent. */
  serviceTiers?: ServiceTierAdapter;
}

/** How a provider is asked for a service tier, and how its reply says which tier the call ran in. */
export interface ServiceTierAdapter {
  providerOptions(tier: ServiceTierName): SharedV3ProviderOptions;
  /** `flex`, `standard`, or the provider's word for another tier; undefined where the reply does not say. */
  tierUsed(reply: {
    body: unknown;
    providerMetadata: SharedV3ProviderMetadata | undefined;
  }): string | undefined;
}

/** A `ChatModel` over any AI SDK 6 language model. Never retries: the scheduler does. */
export function fromLanguageModel(sdkModel: LanguageModelV3, options: AiSdkModelOptions): ChatModel {
  const { id, supportsJsonSchema, promptCache } = options;
  // The SDK's call warnings reach Node's warning channel (process.on('warning')), never the console.
  const languageModel = quietSdkWarnings(sdkModel, (message) =>
    process.emitWarning(message, 'BatchPromptWarning'),
  );
  const supportsSeed = options.supportsSeed ?? true;
  const secrets = [...(options.secrets ?? [])];
  const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, 'BatchPromptWarning'));
  const warmUp = createPrefixWarmUp();

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    validateRequest(request);
    const tiers = request.serviceTier === undefined ? undefined : options.serviceTiers;
    const providerOptions = withPromptCacheKey(options.providerOptions, promptCache, request.messages);
    const callOptions =
      tiers === undefined || request.serviceTier === undefined
        ? providerOptions
        : mergeProviderOptions(providerOptions, tiers.providerOptions(request.serviceTier));
    const responseFormat = request.responseFormat;
    const wantsSchema = responseFormat?.type === 'json' && supportsJsonSchema;
    const callSignal = linkedSignal(request.signal);
    // A reply is a few lines per item; far more than the output cap allows is not an answer.
    const call: CallReply = {
      limit: options.maxReplyBytes ?? Math.max(256 * 1024, 64 * (request.maxOutputTokens ?? 16_384)),
      ...(request.onSent === undefined ? {} : { onSent: request.onSent }),
    };
    let result: Awaited<ReturnType<typeof generateText>>;
    try {
      // Where the provider caches a prefix, the calls that share one wait for the first to end.
      const prefix = promptCache === undefined ? undefined : sharedPrefixDigest(request.messages);
      result = await warmUp(prefix, request.signal, () =>
        callReply.run(call, () =>
          generateText({
            model: languageModel,
            messages: request.messages.map((message) => toModelMessage(message, promptCache)),
            // Our system messages come from our own prompt renderer, not from users; without this
            // the SDK warns on the console at every call.
            allowSystemInMessages: true,
            maxRetries: 0,
            temperature: request.temperature ?? 0,
            ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
            ...(request.seed === undefined || !supportsSeed ? {} : { seed: request.seed }),
            abortSignal: callSignal.signal,
            ...(callOptions === undefined ? {} : { providerOptions: callOptions }),
            ...(wantsSchema ? { output: rawJsonOutput(responseFormat.schema, responseFormat.name) } : {}),
          }),
        ),
      );
    } catch (error) {
      const modelError = toModelError(error, { modelId: id, signal: request.signal, secrets });
      // A body the server sent with a success status is billed, whether or not it could be read.
      const billed = billedFailureUsage(call, request);
      const counted =
        billed === undefined || !ApiCallError.isInstance(modelError)
          ? modelError
          : modelError.withBilledUsage(billed);
      throw tiers !== undefined && request.serviceTier === 'flex' ? asFlexRefusal(counted) : counted;
    } finally {
      callSignal.release();
    }
    // A server that echoes the key in its reply (by accident or to probe) must not get it into
    // the cache, the results or the terminal: every consumer reads this text.
    const text = redactSecrets(result.text, secrets);
    return {
      text,
      usage: toUsage(result.usage, request, text, call, (message) => warn(`${id}: ${message}`)),
      finishReason: toFinishReason(result.finishReason),
      headers: sanitizeHeaders(result.response.headers, secrets),
      ...(tiers === undefined ? {} : tierOf(tiers, result.response.body, result.providerMetadata)),
    };
  }

  return { id, simulated: false, supportsJsonSchema, generate };
}

/** Options of one provider laid over another's, key by key within each provider. */
function mergeProviderOptions(
  base: SharedV3ProviderOptions | undefined,
  added: SharedV3ProviderOptions,
): SharedV3ProviderOptions {
  const merged: SharedV3ProviderOptions = { ...base };
  for (const [provider, values] of Object.entries(added))
    merged[provider] = { ...merged[provider], ...values };
  return merged;
}

/**
 * A 429 to a call asked in flex is the provider's refusal to run it in flex now (OpenAI's
 * "resource unavailable", Gemini's exhausted flex capacity): not retried as a rate limit, since the
 * service-tier layer decides what follows (backoff, a wait, or standard under `auto`).
 */
function asFlexRefusal(error: BatchPromptError): BatchPromptError {
  if (!ApiCallError.isInstance(error) || error.status !== 429) return error;
  return new ApiCallError(`${error.message} (refused in the flex tier)`, {
    status: 429,
    headers: error.headers,
    isRetryable: false,
    ...(error.url === undefined ? {} : { url: error.url }),
  });
}

function tierOf(
  tiers: ServiceTierAdapter,
  body: unknown,
  providerMetadata: SharedV3ProviderMetadata | undefined,
): { serviceTier?: string } {
  const tier = tiers.tierUsed({ body, providerMetadata });
  return tier === undefined ? {} : { serviceTier: tier };
}

function validateRequest(request: GenerateRequest): void {
  if (request.messages.length === 0) {
    throw new InputError('Expected `messages` to hold at least one message, got `[]`', { field: 'messages' });
  }
  const { maxOutputTokens } = request;
  if (maxOutputTokens !== undefined && (!Number.isInteger(maxOutputTokens) || maxOutputTokens < 1)) {
    throw new InputError(`Expected \`maxOutputTokens\` to be an integer >= 1, got \`${maxOutputTokens}\``, {
      field: 'maxOutputTokens',
    });
  }
}

/**
 * A signal for one call that follows the caller's. Node's fetch leaves its abort listener on the
 * signal it is given until garbage collection; on a run-wide signal shared by thousands of calls
 * those would pile up (and trip Node's listener-leak warning). Handing fetch a per-call signal
 * and unhooking it in `finally` leaves the caller's signal as we found it.
 */
function linkedSignal(callerSignal: AbortSignal | undefined): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  if (callerSignal === undefined) return { signal: controller.signal, release: () => {} };
  const forwardAbort = () => controller.abort(callerSignal.reason);
  if (callerSignal.aborted) forwardAbort();
  else callerSignal.addEventListener('abort', forwardAbort, { once: true });
  return {
    signal: controller.signal,
    release: () => callerSignal.removeEventListener('abort', forwardAbort),
  };
}

function toModelMessage(message: ChatMessage, promptCache: AiSdkModelOptions['promptCache']): ModelMessage {
  if (promptCache !== 'cache-control' || message.endsSharedPrefix !== true)
    return { role: message.role, content: message.content };
  // @ai-sdk/anthropic puts a message's cache control on its last content block.
  return {
    role: message.role,
    content: message.content,
    providerOptions: { anthropic: { cacheControl: { type: 'ephemeral' } } },
  };
}

/** The caller's provider options with OpenAI's `promptCacheKey` added where the provider takes one. */
function withPromptCacheKey(
  providerOptions: SharedV3ProviderOptions | undefined,
  promptCache: AiSdkModelOptions['promptCache'],
  messages: readonly ChatMessage[],
): SharedV3ProviderOptions | undefined {
  const key = promptCache === 'cache-key' ? promptCacheKey(messages) : undefined;
  if (key === undefined) return providerOptions;
  return { ...providerOptions, openai: { promptCacheKey: key, ...providerOptions?.openai } };
}

/**
 * Asks the provider for JSON following `schema` but hands back the raw text. `Output.object`
 * would throw `NoObjectGeneratedError` on a truncated or malformed reply; our parser reads such
 * replies item by item and salvages what it can, so it needs the text, not an exception.
 */
function rawJsonOutput(schema: JsonSchema, name: string): OutputInterface<string, string, never> {
  return {
    name: 'raw-json',
    responseFormat: Promise.resolve({ type: 'json', schema: schema as JSONSchema7, name }),
    parseCompleteOutput: async ({ text }) => text,
    parsePartialOutput: async ({ text }) => ({ partial: text }),
    createElementStreamTransform: () => undefined,
  };
}

/**
 * Provider figures where they are counts this request could have produced; otherwise local o200k
 * counts over the prompt and the reply, marked estimated. Both input figures include cached
 * tokens (the AI SDK adds Anthropic's cache reads and writes into `inputTokens`), so
 * `cachedInputTokens` and `cacheWriteTokens` are parts of `inputTokens`, not additions to it.
 */
function toUsage(
  usage: LanguageModelUsage,
  request: GenerateRequest,
  text: string,
  call: CallReply,
  warn: (message: string) => void,
): Usage {
  const localInput = countMessageTokens(request.messages);
  const localOutput = countTokens(text);
  const problem = replyUsageProblem(usage, request, call, localInput, localOutput);
  if (problem !== undefined) {
    // Figures the SDK fills in for an absent usage are not worth a warning; wrong ones are.
    if (problem !== 'missing') {
      warn(
        `the reported usage ${problem}; counted locally instead (${localInput} in, ${localOutput} out), marked estimated`,
      );
    }
    return { inputTokens: localInput, outputTokens: localOutput, estimated: true };
  }
  const inputTokens = usage.inputTokens as number;
  // Cache reads and writes are parts of the input: a figure beyond it (reads and writes together)
  // is not billed as such, and the input is then charged at the input rate.
  const cacheReads = usage.inputTokenDetails?.cacheReadTokens;
  const cachedInputTokens = isTokenCount(cacheReads, inputTokens) ? cacheReads : undefined;
  const cacheWrites = usage.inputTokenDetails?.cacheWriteTokens;
  const cacheWriteTokens = isTokenCount(cacheWrites, inputTokens - (cachedInputTokens ?? 0))
    ? cacheWrites
    : undefined;
  return {
    inputTokens,
    outputTokens: usage.outputTokens as number,
    ...(cachedInputTokens === undefined ? {} : { cachedInputTokens }),
    ...(cacheWriteTokens === undefined ? {} : { cacheWriteTokens }),
  };
}

/** The online reply's usage check: counts the bounded fetch had to zero first are none. */
function replyUsageProblem(
  usage: LanguageModelUsage,
  request: GenerateRequest,
  call: CallReply,
  localInput: number,
  localOutput: number,
): string | undefined {
  if (usage.inputTokens === undefined || usage.outputTokens === undefined) return 'missing';
  if (call.unusableUsage !== undefined) return `holds no count in ${call.unusableUsage.join(', ')}`;
  return usageProblem(usage, { inputTokens: localInput, outputTokens: localOutput }, request);
}

/**
 * The tokens of a call that failed after its server answered with a success status (a body cut,
 * garbled, or larger than the limit): the prompt, and the body as received, counted locally. A
 * provider cannot bill more output than the request allowed; a body declared too large and not
 * read is billed at that allowance. Undefined when no success body arrived (an error status, no
 * connection): those are not billed.
 */
function billedFailureUsage(call: CallReply, request: GenerateRequest): Usage | undefined {
  if (call.status === undefined || call.status < 200 || call.status >= 300 || call.body === undefined)
    return undefined;
  const allowance = request.maxOutputTokens ?? Number.POSITIVE_INFINITY;
  const received =
    call.body === '' && Number.isFinite(allowance) ? allowance : countLongText(call.body, allowance);
  return {
    inputTokens: countMessageTokens(request.messages),
    outputTokens: Math.min(received, allowance),
    estimated: true,
  };
}

/**
 * o200k tokens of a text that may be a large body, counted in slices: a long run of one
 * character is a single word to the tokenizer, whose merges grow with its length squared. Slices
 * count a few tokens more at their seams; counting stops once `enough` is passed.
 */
function countLongText(text: string, enough: number): number {
  const slice = 4096;
  let total = 0;
  for (let start = 0; start < text.length && total <= enough; start += slice)
    total += countTokens(text.slice(start, start + slice));
  return total;
}

function toFinishReason(finishReason: AiSdkFinishReason): FinishReason {
  // 'tool-calls' cannot happen without tools; should it, the reply is not an answer.
  return finishReason === 'tool-calls' ? 'other' : finishReason;
}
