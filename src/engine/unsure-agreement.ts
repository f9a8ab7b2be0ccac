import type { StopCondition } from './stop-condition.js';

/**
 * The last `count` votes all gave one label and none was sure. SEAS would keep asking such an
 * item to the last round (it wants two sure votes); on a model that is unsure but consistent,
 * the rounds after would only repeat the label.
 */
export function unsureAgreement(count: number): StopCondition {
  return (history) => {
    if (history.votes.length < count) return false;
    const last = history.votes.slice(-count);
    return last.every((vote) => !vote.confident && String(vote.answer) === String(last[0]!.answer));
  };
}
