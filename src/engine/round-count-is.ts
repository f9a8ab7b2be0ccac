import type { StopCondition } from './stop-condition.js';

/** Stops an item once it has been through `rounds` rounds (the AI SDK's `stepCountIs`). */
export function roundCountIs(rounds: number): StopCondition {
  return (history) => history.round >= rounds;
}
