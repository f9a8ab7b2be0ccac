import type { Vote, Voting } from './vote.js';
import { voteWeight } from './vote.js';

export interface Settlement {
  /**
   * False when the votes never settled: no vote for the winning answer was sure, or another
   * answer holds more than a third of the winner's weight (the winner's lead is under half of
   * all weight). Items without any vote are unsettled too. A person should check these.
   */
  settled: boolean;
  /** (winner's weight - runner-up's weight) / all weight, 0..1; 0 without votes or on a tie. */
  margin: number;
}

/**
 * Whether an item's votes agree enough to be left alone. The threshold of half the weight means
 * a lone dissenting sure vote against one sure vote, or two against three, is a split; an
 * answer repeated without a single sure vote is unsure throughout.
 */
export function assessSettlement(votes: readonly Vote[], voting: Voting): Settlement {
  if (votes.length === 0) return { settled: false, margin: 0 };
  const weights = new Map<string, { weight: number; sure: boolean }>();
  let total = 0;
  for (const vote of votes) {
    const key = String(vote.answer);
    const weight = voteWeight(vote, voting);
    total += weight;
    const entry = weights.get(key) ?? { weight: 0, sure: false };
    entry.weight += weight;
    entry.sure ||= vote.confident;
    weights.set(key, entry);
  }
  const ranked = [...weights.values()].sort((left, right) => right.weight - left.weight);
  const winner = ranked[0]!;
  const runnerUp = ranked[1]?.weight ?? 0;
  const margin = total === 0 ? 0 : Math.round(((winner.weight - runnerUp) / total) * 1000) / 1000;
  return { settled: winner.sure && margin >= 0.5, margin };
}
