import type { ServerResponse } from 'node:http';
import type { SimModel } from './create-sim-model.js';
import { readAnthropicRequest } from './read-anthropic-request.js';
import { parseJsonObject, SimHttpError, sendReply } from './serve-http.js';
import type { SimPromptCache } from './sim-prompt-cache.js';
import { textDigest } from './sim-random.js';

export interface AnthropicMessagesStats {
  /** Requests answered on `/v1/messages`. */
  messages: number;
  /** Input tokens of those requests, cache reads and writes included. */
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
}

/** Anthropic's error body, so that its SDK (and the AI SDK's provider) raise their own error class. */
export function anthropicErrorBody(type: string, message: string) {
  return { type: 'error', error: { type, message }, request_id: null };
}

/**
 * `POST /v1/messages` answered by the simulated model in Anthropic's shapes, with the prompt
 * cache Anthropic bills: a prefix that ends at a `cache_control` mark is written once and read by
 * the calls after it (`sim-prompt-cache.ts`). The AI SDK's anthropic provider and Anthropic's SDK
 * both take this server as their base URL. The reply's `usage.input_tokens` leaves out what was
 * read from and written to the cache, as Anthropic's does.
 */
export function createAnthropicMessagesRoute(options: { model: SimModel; promptCache: SimPromptCache }) {
  const { model, promptCache } = options;
  const stats: AnthropicMessagesStats = {
    messages: 0,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
  };

  async function answer(
    response: ServerResponse,
    bodyText: string,
  ): Promise<{ status: number; tokens: string }> {
    const body = parseJsonObject(bodyText);
    if (body === undefined) throw new SimHttpError(400, 'the request body is not a JSON object');
    if (body.stream === true)
      throw new SimHttpError(400, 'the simulator does not stream: send `stream: false`');
    const { request, breakpoints } = readAnthropicRequest(body, 'body');
    const modelName = String(body.model);
    const cacheUse = promptCache.use(modelName, request.messages, { kind: 'marked', breakpoints });
    const result = await model.generate(request);
    cacheUse.commit();
    const { readTokens, writeTokens } = cacheUse;
    stats.messages += 1;
    stats.inputTokens += result.usage.inputTokens;
    stats.cacheReadTokens += readTokens;
    stats.cacheWriteTokens += writeTokens;
    stats.outputTokens += result.usage.outputTokens;
    sendReply(
      response,
      200,
      {
        id: `msg_sim_${textDigest(`${bodyText}:${result.text}`).slice(0, 24)}`,
        type: 'message',
        role: 'assistant',
        model: modelName,
        content: [{ type: 'text', text: result.text }],
        stop_reason: result.finishReason === 'length' ? 'max_tokens' : 'end_turn',
        stop_sequence: null,
        usage: {
          input_tokens: result.usage.inputTokens - readTokens - writeTokens,
          output_tokens: result.usage.outputTokens,
          cache_creation_input_tokens: writeTokens,
          cache_read_input_tokens: readTokens,
        },
      },
      { 'x-batchprompt-simulated': 'true' },
    );
    return {
      status: 200,
      tokens: `in=${result.usage.inputTokens} cache read=${readTokens} written=${writeTokens} out=${result.usage.outputTokens}`,
    };
  }

  return { answer, stats: (): AnthropicMessagesStats => ({ ...stats }) };
}
