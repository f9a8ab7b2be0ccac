import { isTokenCount, type ReportedUsage, usageProblem } from '../models/usage-problem.js';
import type { GenerateRequest, Usage } from '../spec/chat-model.js';
import { countMessageTokens, countTokens } from '../spec/count-tokens.js';

/** The usage of a batch result as its provider wrote it, cache figures included: not yet believed. */
export interface ReportedBatchUsage extends ReportedUsage {
  cachedInputTokens?: unknown;
  cacheWriteTokens?: unknown;
}

/**
 * The sum of token counts a provider reports apart (Anthropic's input, cache reads and writes;
 * Gemini's answer and thinking tokens), or the first figure that is no number, so that the check
 * refuses the whole: text added to a number would be a string, not a count.
 */
export function sumOfCounts(...figures: unknown[]): unknown {
  const odd = figures.find((figure) => typeof figure !== 'number');
  if (odd !== undefined || figures.length === 0) return odd;
  return (figures as number[]).reduce((sum, figure) => sum + figure, 0);
}

/**
 * The usage of a reply collected from a batch API, believed as an online reply's is
 * (`usageProblem`): when it is missing, holds no counts (text, null, negative), counts nothing for
 * a prompt or a reply that has tokens, or more than the request allows, the prompt and the reply
 * are counted locally (o200k) and marked estimated, which the summary shows as counted locally.
 * `request` is the prompt that was sent, when the collecting process knows it.
 */
export function batchReplyUsage(
  reported: ReportedBatchUsage,
  request: GenerateRequest | undefined,
  text: string,
): Usage {
  const outputTokens = countTokens(text);
  const prompt = request === undefined ? undefined : countMessageTokens(request.messages);
  if (usageProblem(reported, { inputTokens: prompt, outputTokens }, request ?? {}) !== undefined)
    return { inputTokens: prompt ?? 0, outputTokens, estimated: true };
  const inputTokens = reported.inputTokens as number;
  // Cache reads and writes are parts of the input: a figure that is no part of it is left out.
  const cached = isTokenCount(reported.cachedInputTokens, inputTokens)
    ? reported.cachedInputTokens
    : undefined;
  const writes = isTokenCount(reported.cacheWriteTokens, inputTokens - (cached ?? 0))
    ? reported.cacheWriteTokens
    : undefined;
  return {
    inputTokens,
    outputTokens: reported.outputTokens as number,
    ...(cached === undefined ? {} : { cachedInputTokens: cached }),
    ...(writes === undefined ? {} : { cacheWriteTokens: writes }),
  };
}
