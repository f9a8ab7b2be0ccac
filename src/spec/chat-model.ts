/**
 * The one interface between batchprompt and a language model. Adapters implement it; the engine
 * knows nothing else about models.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /**
   * True on the last message of a prefix that other calls of the run share: the system message
   * (every call) and the last worked-example turn (every call that shows the examples). Adapters
   * of providers that cache a prefix only where asked (Anthropic's `cache_control`) mark it there;
   * it never changes what the model reads.
   */
  endsSharedPrefix?: boolean;
}

/** A JSON schema (draft 2020-12 subset) that a reply must follow. */
export type JsonSchema = Record<string, unknown>;

export type ResponseFormat = { type: 'text' } | { type: 'json'; schema: JsonSchema; name: string };

export interface GenerateRequest {
  messages: ChatMessage[];
  /** Ask for structured JSON where the model supports it. @default { type: 'text' } */
  responseFormat?: ResponseFormat;
  maxOutputTokens?: number;
  /** @default 0 */
  temperature?: number;
  /** Seed for providers that support one (and for the simulator). */
  seed?: number;
  /**
   * The provider's service tier to run the call in, where its adapter has tiers (OpenAI, Gemini):
   * `flex` is cheaper and slower and may be refused with a 429. @default the provider's standard tier
   */
  serviceTier?: ServiceTierName;
  signal?: AbortSignal;
  /**
   * Called by an adapter that sends over the network as the request leaves for the server, after
   * any wait of its own (a prompt-cache warm-up): the request ledger counts a request abandoned
   * after this as sent and paid, one abandoned before it as never sent.
   */
  onSent?: () => void;
  /**
   * Whether a reply holds anything the caller can use (for the engine: an answer it can tie to at
   * least one item of the batch). A reply it rejects, not cut off at the output limit, is still
   * handed on, but the request ledger counts it in its breaker's row of failures: a model that
   * answers every call with a success status and never an answer stops the run like one that
   * fails every call, instead of being asked again round after round.
   */
  usable?: (reply: GenerateResult) => boolean;
}

/** The service tiers a call can ask for. */
export type ServiceTierName = 'flex' | 'standard';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the provider's prompt cache: a part of `inputTokens`. */
  cachedInputTokens?: number;
  /** Input tokens written to the provider's prompt cache (Anthropic bills them): a part of `inputTokens`. */
  cacheWriteTokens?: number;
  /** True when the provider reported no usage and the figures come from a local tokenizer. */
  estimated?: boolean;
}

export type FinishReason = 'stop' | 'length' | 'content-filter' | 'error' | 'other';

export interface GenerateResult {
  text: string;
  usage: Usage;
  finishReason: FinishReason;
  /** Response headers where the transport has them (rate-limit figures, request ids). */
  headers?: Record<string, string>;
  /** True when the reply came from the local response cache: no call was made, nothing was paid. */
  cached?: boolean;
  /**
   * The tier the provider says the call ran in (`flex`, `standard`, or its own word for another),
   * where it says; a provider may run a call in another tier than the one asked for.
   */
  serviceTier?: string;
}

export interface ChatModel {
  /** The model URI this adapter serves, e.g. `openai:gpt-4o-mini` or `sim:gpt-4`. */
  readonly id: string;
  /** True for the simulated model: every output built from its answers must say so. */
  readonly simulated: boolean;
  /** True when the model accepts `responseFormat: { type: 'json', schema }`. */
  readonly supportsJsonSchema: boolean;
  generate(request: GenerateRequest): Promise<GenerateResult>;
}
