import type { ChatModel } from '../spec/chat-model.js';
import type { Scheduler } from './scheduler.js';

/**
 * The same model, with every `generate` call run through `scheduler` (concurrency, rate limits,
 * timeouts, retries). Callers keep seeing a plain `ChatModel`.
 */
export function scheduleModel(model: ChatModel, scheduler: Scheduler): ChatModel {
  return {
    id: model.id,
    simulated: model.simulated,
    supportsJsonSchema: model.supportsJsonSchema,
    generate: (request) => scheduler.generate(model, request),
  };
}
