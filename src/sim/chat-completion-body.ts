import type { GenerateResult } from '../spec/chat-model.js';

export interface ChatCompletionBodyInput {
  id: string;
  /** Seconds since the epoch. */
  created: number;
  model: string;
  systemFingerprint: string;
  result: GenerateResult;
  /** Adds `usage.prompt_tokens_details` with this many cached prompt tokens. @default absent */
  cachedTokens?: number;
}

/**
 * OpenAI's `chat.completion` object for a simulated reply: the body of a `/v1/chat/completions`
 * answer, and of each succeeded line of a batch's output file.
 */
export function chatCompletionBody(input: ChatCompletionBodyInput) {
  const { result } = input;
  return {
    id: input.id,
    object: 'chat.completion' as const,
    created: input.created,
    model: input.model,
    system_fingerprint: input.systemFingerprint,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content: result.text, refusal: null },
        logprobs: null,
        finish_reason: result.finishReason === 'length' ? ('length' as const) : ('stop' as const),
      },
    ],
    usage: {
      prompt_tokens: result.usage.inputTokens,
      completion_tokens: result.usage.outputTokens,
      total_tokens: result.usage.inputTokens + result.usage.outputTokens,
      ...(input.cachedTokens === undefined
        ? {}
        : { prompt_tokens_details: { cached_tokens: input.cachedTokens } }),
    },
  };
}
