import type { GenerateRequest } from '../spec/chat-model.js';

/** Token counts as a reply gave them, before they are believed: whatever its JSON held. */
export interface ReportedUsage {
  inputTokens: unknown;
  outputTokens: unknown;
}

/** A whole number of tokens from 0 to `max`. */
export function isTokenCount(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/**
 * Why reported usage cannot be billed as is, or undefined when it can: absent (`missing`), not
 * counts (text, null, negative, fractions), zero (or under a quarter of the o200k count, less 32)
 * for a prompt or a reply that was not empty (a proxy that blanks usage would otherwise make every
 * call free and `--max-cost` stop nothing), or beyond what the request allows. The bounds are generous (other tokenizers, chat templates,
 * reasoning tokens): only figures no request could produce are refused, such as two billion
 * tokens, which would price the run absurdly and stall a `--tpm` budget for weeks. `local` holds
 * the o200k counts of the prompt (undefined when the prompt is not known) and the reply text.
 */
export function usageProblem(
  reported: ReportedUsage,
  local: { inputTokens: number | undefined; outputTokens: number },
  request: Pick<GenerateRequest, 'maxOutputTokens'>,
): string | undefined {
  if (reported.inputTokens === undefined || reported.outputTokens === undefined) return 'missing';
  const figures = `(${JSON.stringify(reported.inputTokens)} in, ${JSON.stringify(reported.outputTokens)} out)`;
  // A prompt not at hand (a job collected by a process that did not submit it) bounds nothing.
  const maxInput = local.inputTokens === undefined ? Number.MAX_SAFE_INTEGER : 4 * local.inputTokens + 1024;
  const maxOutput = 4 * (request.maxOutputTokens ?? local.outputTokens) + 1024;
  if (!isTokenCount(reported.inputTokens, maxInput) || !isTokenCount(reported.outputTokens, maxOutput))
    return `${figures} is no count or beyond what this request allows (at most ${maxInput} in, ${maxOutput} out)`;
  if (reported.inputTokens === 0 && (local.inputTokens ?? 0) > 0)
    return `${figures} counts no tokens for a prompt that has some`;
  if (reported.outputTokens === 0 && local.outputTokens > 0)
    return `${figures} counts no tokens for a reply that has some`;
  // The mirror of the upper bounds: no tokenizer needs a quarter of o200k's tokens for a text, so a
  // figure below that (a proxy reporting 1 token a call) would make every call nearly free.
  const minInput = Math.floor((local.inputTokens ?? 0) / 4) - 32;
  const minOutput = Math.floor(local.outputTokens / 4) - 32;
  if (reported.inputTokens < minInput || reported.outputTokens < minOutput)
    return `${figures} counts far fewer tokens than were sent or received (at least ${Math.max(minInput, 0)} in, ${Math.max(minOutput, 0)} out)`;
  return undefined;
}
