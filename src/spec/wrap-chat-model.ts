import type { ChatModel, GenerateRequest, GenerateResult } from './chat-model.js';

/** What a wrapper changes about a model; everything it leaves out is the wrapped model's own. */
export interface ChatModelMiddleware {
  /**
   * Replaces `generate`. `next` calls the wrapped model, so a wrapper can change the request, look
   * at the reply, answer without calling (a cache) or run the call elsewhere (a scheduler).
   */
  generate?: (
    request: GenerateRequest,
    next: (request: GenerateRequest) => Promise<GenerateResult>,
  ) => Promise<GenerateResult>;
  /** Marks the wrapped model simulated (a simulator behind an HTTP API); never unmarks one. */
  simulated?: true;
}

/**
 * The same model with `middleware` applied. The one place where a wrapper copies the model's
 * identity (`id`, `simulated`, `supportsJsonSchema`), so that no wrapper can drop the simulated
 * label or the JSON-schema support on the way.
 */
export function wrapChatModel(model: ChatModel, middleware: ChatModelMiddleware): ChatModel {
  const next = (request: GenerateRequest) => model.generate(request);
  const generate = middleware.generate;
  return {
    id: model.id,
    simulated: middleware.simulated ?? model.simulated,
    supportsJsonSchema: model.supportsJsonSchema,
    generate: generate === undefined ? next : (request) => generate(request, next),
  };
}
