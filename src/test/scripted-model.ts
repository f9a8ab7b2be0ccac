import type { ChatModel, GenerateRequest, GenerateResult } from '../spec/chat-model.js';
import { countMessageTokens, countTokens } from '../spec/count-tokens.js';

export type ScriptedReply = string | (Partial<GenerateResult> & { text: string }) | Error;

export interface ScriptedModelOptions {
  /** Produces the reply to each call; `callNumber` counts from 0. Throw or return an Error to fail the call. */
  reply: (request: GenerateRequest, callNumber: number) => ScriptedReply | Promise<ScriptedReply>;
  /** @default 'scripted' */
  id?: string;
  /** @default false */
  supportsJsonSchema?: boolean;
}

export interface ScriptedModel extends ChatModel {
  /** Every request received, in order. */
  readonly requests: GenerateRequest[];
  /** Every result returned, in order (failed calls are not listed). */
  readonly results: GenerateResult[];
}

/**
 * A model whose replies a test writes. Usage is counted with the same tokenizer the planner uses,
 * so a test can check the engine's accounting against the sum of these figures.
 */
export function createScriptedModel(options: ScriptedModelOptions): ScriptedModel {
  const requests: GenerateRequest[] = [];
  const results: GenerateResult[] = [];
  return {
    id: options.id ?? 'scripted',
    simulated: true,
    supportsJsonSchema: options.supportsJsonSchema ?? false,
    requests,
    results,
    async generate(request) {
      const callNumber = requests.length;
      requests.push(request);
      const scripted = await options.reply(request, callNumber);
      if (scripted instanceof Error) throw scripted;
      const text = typeof scripted === 'string' ? scripted : scripted.text;
      const result: GenerateResult = {
        text,
        usage: { inputTokens: countMessageTokens(request.messages), outputTokens: countTokens(text) },
        finishReason: 'stop',
        ...(typeof scripted === 'string' ? {} : scripted),
      };
      results.push(result);
      return result;
    },
  };
}
