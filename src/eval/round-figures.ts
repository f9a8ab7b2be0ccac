import type { RoundSummary } from '../engine/types.js';

/**
 * A round's figures in the order every table of rounds shows them (the eval command's and the
 * report's): round, active items, calls, input tokens, output tokens, items stopped after it.
 */
export function roundFigures(round: RoundSummary): number[] {
  return [round.round, round.activeItems, round.calls, round.inputTokens, round.outputTokens, round.stopped];
}
