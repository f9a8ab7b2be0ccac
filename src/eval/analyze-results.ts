import type { ItemResult, RoundSummary } from '../engine/types.js';
import { decideVote, type Vote, type Voting } from '../engine/vote.js';
import type { ChatMessage } from '../models/chat-model.js';

/** One round of a run: what it cost and how accurate the vote was once it was over. */
export interface RoundDetail {
  round: number;
  /**
   * Accuracy over scored items of the vote over rounds 1..round (unanswered items count as
   * wrong), 0..1; null without gold answers.
   */
  accuracy: number | null;
  /** Items still active when the round started. */
  activeItems: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Items that left after this round by early stopping. */
  stopped: number;
}

export interface VoteCount {
  votes: number;
  /** Votes that matched the gold answer. */
  correct: number;
}

/** Votes given at one stretch of relative position in the batch, e.g. the first tenth. */
export interface PositionDetail extends VoteCount {
  bucket: number;
  /** Start of the stretch as a share of the batch, 0..1 (inclusive). */
  from: number;
  /** End of the stretch as a share of the batch, 0..1 (exclusive). */
  to: number;
}

/** One call exactly as it was sent, and what came back. */
export interface SampleBatch {
  messages: ChatMessage[];
  /** The reply text; null when the call failed. */
  reply: string | null;
  finishReason?: string;
  error?: string;
}

/** What a report needs beyond a run's totals. Vote figures count only items with a gold answer. */
export interface RunDetails {
  voting: Voting;
  /** Items with a gold answer. */
  scored: number;
  byRound: RoundDetail[];
  byPosition: PositionDetail[];
  confidence: { confident: VoteCount; notConfident: VoteCount };
  /** The first call of round 1; null when no call was recorded. */
  sampleBatch: SampleBatch | null;
}

export interface AnalyzeResultsOptions {
  results: readonly ItemResult[];
  rounds: readonly RoundSummary[];
  voting: Voting;
  sampleBatch?: SampleBatch | null;
  /** Most stretches of relative position; fewer when batches are smaller. @default 10 */
  positionBuckets?: number;
}

type ScoredResult = ItemResult & { gold: NonNullable<ItemResult['gold']> };

function isScored(result: ItemResult): result is ScoredResult {
  return result.gold !== undefined && result.gold !== null;
}

/**
 * Accuracy had the run stopped after `round`: the vote is re-counted over the votes of rounds
 * 1..round. Later rounds only add votes, so this is what a run of that many rounds would have
 * answered (an item SEAS stopped early keeps the votes it had).
 */
function accuracyAfterRound(scored: readonly ScoredResult[], round: number, voting: Voting): number | null {
  if (scored.length === 0) return null;
  let correct = 0;
  for (const result of scored) {
    const outcome = decideVote(
      result.votes.filter((vote) => vote.round <= round),
      voting,
    );
    if (outcome !== undefined && outcome.answer === result.gold) correct += 1;
  }
  return correct / scored.length;
}

function positionDetails(scored: readonly ScoredResult[], maxBuckets: number): PositionDetail[] {
  const votes: { vote: Vote; correct: boolean }[] = [];
  for (const result of scored)
    for (const vote of result.votes) votes.push({ vote, correct: vote.answer === result.gold });
  if (votes.length === 0) return [];
  // With batches of 4, ten buckets would leave six of them empty whatever happened.
  const largestBatch = Math.max(...votes.map(({ vote }) => vote.batchSize));
  const bucketCount = Math.max(1, Math.min(maxBuckets, largestBatch));
  const buckets: PositionDetail[] = Array.from({ length: bucketCount }, (_, bucket) => ({
    bucket,
    from: bucket / bucketCount,
    to: (bucket + 1) / bucketCount,
    votes: 0,
    correct: 0,
  }));
  for (const { vote, correct } of votes) {
    const index = Math.min(bucketCount - 1, Math.floor((vote.position * bucketCount) / vote.batchSize));
    const bucket = buckets[index]!;
    bucket.votes += 1;
    if (correct) bucket.correct += 1;
  }
  return buckets;
}

/** Per-round accuracy, accuracy by position in the batch and by stated confidence, from item votes. */
export function analyzeResults(options: AnalyzeResultsOptions): RunDetails {
  const scored = options.results.filter(isScored);
  const confident: VoteCount = { votes: 0, correct: 0 };
  const notConfident: VoteCount = { votes: 0, correct: 0 };
  for (const result of scored) {
    for (const vote of result.votes) {
      const count = vote.confident ? confident : notConfident;
      count.votes += 1;
      if (vote.answer === result.gold) count.correct += 1;
    }
  }
  const byRound = [...options.rounds]
    .sort((left, right) => left.round - right.round)
    .map((round) => ({
      round: round.round,
      accuracy: accuracyAfterRound(scored, round.round, options.voting),
      activeItems: round.activeItems,
      calls: round.calls,
      inputTokens: round.inputTokens,
      outputTokens: round.outputTokens,
      stopped: round.stopped,
    }));
  return {
    voting: options.voting,
    scored: scored.length,
    byRound,
    byPosition: positionDetails(scored, options.positionBuckets ?? 10),
    confidence: { confident, notConfident },
    sampleBatch: options.sampleBatch ?? null,
  };
}
