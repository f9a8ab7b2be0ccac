import type { ChatModel } from '../spec/chat-model.js';
import { createAnthropicBatchRoute } from './serve-anthropic-batches.js';
import { createGeminiBatchRoute, geminiErrorBody } from './serve-gemini-batches.js';
import { openAiErrorBody, SimHttpError } from './serve-http.js';
import { createOpenAiBatchRoute } from './serve-openai-batches.js';
import {
  createSimBatchJobs,
  type SimBatchOptions,
  type SimBatchReply,
  type SimBatchStats,
} from './sim-batch-jobs.js';

export type { SimBatchOptions, SimBatchReply, SimBatchStats };

/**
 * The batch APIs of the simulator's server, answered by the simulated model: OpenAI's Files and
 * Batch API (`serve-openai-batches.ts`), Anthropic's Message Batches API
 * (`serve-anthropic-batches.ts`) and Gemini's batch mode (`serve-gemini-batches.ts`), over one
 * store of files and jobs (`sim-batch-jobs.ts`). This module picks the route family from the path
 * and turns a refused request into that API's error shape.
 */
export function createSimBatchApi({
  model,
  seed,
  options = {},
  now = Date.now,
  baseUrl,
}: {
  model: ChatModel;
  seed: number;
  options?: SimBatchOptions;
  now?: () => number;
  /** The server's root URL, for Anthropic's absolute `results_url` and Gemini's upload URL. */
  baseUrl: () => string;
}) {
  const batchJobs = createSimBatchJobs({ model, seed, options, now });
  const openAiRoute = createOpenAiBatchRoute(batchJobs, seed);
  const anthropicRoute = createAnthropicBatchRoute(batchJobs, baseUrl);
  const geminiRoute = createGeminiBatchRoute(batchJobs, baseUrl);

  return {
    /** The reply to a batch route, or `undefined` when the path is not one of them. */
    async handle(
      method: string,
      url: string,
      bodyText: string,
      contentType: string | undefined,
      headers: Record<string, string | undefined> = {},
    ): Promise<(SimBatchReply & { api: 'openai' | 'anthropic' | 'gemini' }) | undefined> {
      const parsed = new URL(url, 'http://127.0.0.1');
      const segments = parsed.pathname.split('/').filter((segment) => segment !== '');
      const api =
        segments[0] === 'v1beta' || (segments[0] === 'upload' && segments[1] === 'v1beta')
          ? 'gemini'
          : segments[0] !== 'v1'
            ? undefined
            : segments[1] === 'messages' && segments[2] === 'batches'
              ? 'anthropic'
              : segments[1] === 'files' || segments[1] === 'batches'
                ? 'openai'
                : undefined;
      if (api === undefined) return undefined;
      try {
        const reply =
          api === 'anthropic'
            ? await anthropicRoute(method, segments.slice(3), parsed.searchParams, bodyText)
            : api === 'gemini'
              ? await geminiRoute(method, segments, parsed.searchParams, bodyText, headers)
              : await openAiRoute(method, segments.slice(1), parsed.searchParams, bodyText, contentType);
        return reply === undefined ? undefined : { ...reply, api };
      } catch (error) {
        if (!(error instanceof SimHttpError)) throw error;
        // Each API's own error shape, so that each SDK raises its own error class with the message.
        const body =
          api === 'anthropic'
            ? { type: 'error', error: { type: error.type, message: error.message }, request_id: null }
            : api === 'gemini'
              ? geminiErrorBody(error.status, error.message)
              : openAiErrorBody(error.message, error.type);
        return { status: error.status, body, api };
      }
    },
    stats: (): SimBatchStats => ({ ...batchJobs.stats }),
  };
}
