import type { Answer } from '../parse/normalize-answer.js';

export type Voting = 'majority' | 'weighted';

export interface Vote {
  round: number;
  answer: Answer;
  confident: boolean;
  /** 0-based place of the item in the batch that gave this vote. */
  position: number;
  /** Size of that batch. */
  batchSize: number;
  /** The worked solution the model gave before this answer (tasks with reasoning). */
  reasoning?: string;
  /** The code of that batch as the prompt showed it, so the items that sat together can be found. */
  batch?: string;
}

/** Weight of a vote: 1 each under majority voting; 1 confident, 0.2 not confident when weighted. */
export function voteWeight(vote: Pick<Vote, 'confident'>, voting: Voting): number {
  if (voting === 'majority') return 1;
  return vote.confident ? 1 : 0.2;
}

export interface VoteOutcome {
  answer: Answer;
  /** The winner's share of all vote weight, 0..1. */
  confidence: number;
  tally: Record<string, number>;
}

/**
 * The final answer from an item's votes. Ties are broken, in order, by: the larger total weight;
 * then more confident votes; then the answer given in the earliest round (round 1 keeps the
 * input order, so it is the one ordering every strategy shares).
 */
export function decideVote(votes: readonly Vote[], voting: Voting): VoteOutcome | undefined {
  if (votes.length === 0) return undefined;
  const groups = new Map<string, { answer: Answer; weight: number; confident: number; firstRound: number }>();
  let totalWeight = 0;
  for (const vote of votes) {
    const key = String(vote.answer);
    const weight = voteWeight(vote, voting);
    totalWeight += weight;
    const group = groups.get(key);
    if (group) {
      group.weight += weight;
      group.confident += vote.confident ? 1 : 0;
      group.firstRound = Math.min(group.firstRound, vote.round);
    } else {
      groups.set(key, {
        answer: vote.answer,
        weight,
        confident: vote.confident ? 1 : 0,
        firstRound: vote.round,
      });
    }
  }
  const epsilon = 1e-9;
  const ranked = [...groups.values()].sort(
    (left, right) =>
      (Math.abs(right.weight - left.weight) > epsilon ? right.weight - left.weight : 0) ||
      right.confident - left.confident ||
      left.firstRound - right.firstRound,
  );
  const winner = ranked[0]!;
  const tally: Record<string, number> = {};
  for (const [key, group] of groups) tally[key] = Math.round(group.weight * 1000) / 1000;
  return { answer: winner.answer, confidence: totalWeight === 0 ? 0 : winner.weight / totalWeight, tally };
}

/**
 * Self-reflection-guided early stopping: from round 2 on, an item is done once it got the same
 * answer, tagged confident, in this round and the round before.
 */
export function seasShouldStop(votes: readonly Vote[], round: number): boolean {
  if (round < 2) return false;
  const current = votes.find((vote) => vote.round === round);
  const previous = votes.find((vote) => vote.round === round - 1);
  if (!current || !previous) return false;
  return current.confident && previous.confident && current.answer === previous.answer;
}
