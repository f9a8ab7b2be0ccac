import type { ChatModel } from '../spec/chat-model.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import type { SampleBatch } from './analyze-results.js';

export interface FirstCallRecorder {
  /** The model to hand to the engine: the wrapped model, unchanged in behaviour. */
  model: ChatModel;
  /** The first call's messages and reply; null before any call. */
  sample(): SampleBatch | null;
}

/**
 * Wraps a model so that the first call made through it is kept, messages exactly as sent. The
 * first call is taken at the moment it is made, not when its reply comes back: the engine sends
 * round 1's first batch first, while the order replies arrive in depends on concurrency.
 */
export function recordFirstCall(model: ChatModel): FirstCallRecorder {
  let sample: SampleBatch | null = null;
  let taken = false;
  const recording = wrapChatModel(model, {
    async generate(request, next) {
      if (taken) return next(request);
      taken = true;
      // Copied now: a caller may reuse its message objects after the call.
      const messages = request.messages.map((message) => ({ role: message.role, content: message.content }));
      try {
        const result = await next(request);
        sample = { messages, reply: result.text, finishReason: result.finishReason };
        return result;
      } catch (error) {
        sample = { messages, reply: null, error: error instanceof Error ? error.message : String(error) };
        throw error;
      }
    },
  });
  return { model: recording, sample: () => sample };
}
