import type { ChatModel } from '../spec/chat-model.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import type { Scheduler } from './scheduler.js';

/**
 * The same model, with every `generate` call run through `scheduler` (concurrency, rate limits,
 * timeouts, retries). Callers keep seeing a plain `ChatModel`.
 */
export function scheduleModel(model: ChatModel, scheduler: Scheduler): ChatModel {
  return wrapChatModel(model, { generate: (request) => scheduler.generate(model, request) });
}
