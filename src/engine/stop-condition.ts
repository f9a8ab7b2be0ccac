import type { Vote } from './vote.js';

/** What a stopping rule sees of one item after a round: its votes so far and the round just done. */
export interface VoteHistory {
  votes: readonly Vote[];
  round: number;
}

/**
 * A stopping rule: true when the item needs no further round. Shaped like the AI SDK's
 * `stopWhen` conditions (`stepCountIs(n)`): a list of conditions stops an item when any holds.
 * Adding a rule is one file exporting a factory, its test, and a line in `stopping-rules.ts`.
 */
export type StopCondition = (history: VoteHistory) => boolean;

/** True when any of the conditions holds. */
export function shouldStop(conditions: readonly StopCondition[], history: VoteHistory): boolean {
  return conditions.some((condition) => condition(history));
}
