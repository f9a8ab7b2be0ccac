import type { ItemResult, RoundSummary } from '../engine/types.js';
import { decideVote, type Vote, type Voting } from '../engine/vote.js';
import type { Answer } from '../parse/normalize-answer.js';
import type { ChatMessage } from '../spec/chat-model.js';

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
  /** Whether an answer counts as the gold one (a number task's tolerance). @default exact equality */
  matches?: AnswerMatcher;
}

/** Whether an answer counts as the gold one; `answersMatch` bound to a task. */
export type AnswerMatcher = (answer: Answer, gold: Answer) => boolean;

/**
 * Gathers the figures of `RunDetails` one result at a time, so a run over millions of items can
 * report them without keeping its results: per-round accuracy (the vote re-counted over rounds
 * 1..r; later rounds only add votes, so this is what a run of r rounds would have answered, and an
 * item that SEAS stopped early keeps the votes it had), accuracy by relative position in the batch,
 * and accuracy by stated confidence. Vote figures count only items with a gold answer.
 */
export class ResultsAnalyzer {
  private scored = 0;
  private readonly correctAfterRound: number[];
  private readonly positionVotes: VoteCount[];
  private readonly confident: VoteCount = { votes: 0, correct: 0 };
  private readonly notConfident: VoteCount = { votes: 0, correct: 0 };
  private readonly bucketCount: number;

  constructor(
    private readonly options: {
      voting: Voting;
      /** Most rounds any item can take part in. */
      maxRounds: number;
      /** Largest batch any vote can come from. */
      largestBatch: number;
      /** Most stretches of relative position; fewer when batches are smaller. @default 10 */
      positionBuckets?: number;
      /** @default exact equality */
      matches?: AnswerMatcher;
    },
  ) {
    this.correctAfterRound = new Array(options.maxRounds + 1).fill(0);
    // With batches of 4, ten buckets would leave six of them empty whatever happened.
    this.bucketCount = Math.max(1, Math.min(options.positionBuckets ?? 10, options.largestBatch));
    this.positionVotes = Array.from({ length: this.bucketCount }, () => ({ votes: 0, correct: 0 }));
  }

  add(result: ItemResult): void {
    const gold = result.gold;
    if (gold === undefined || gold === null) return;
    this.scored += 1;
    for (let round = 1; round <= this.options.maxRounds; round += 1) {
      const outcome = decideVote(
        result.votes.filter((vote) => vote.round <= round),
        this.options.voting,
      );
      if (outcome !== undefined && this.matches(outcome.answer, gold)) this.correctAfterRound[round]! += 1;
    }
    for (const vote of result.votes) this.addVote(vote, this.matches(vote.answer, gold));
  }

  private matches(answer: Answer, gold: Answer): boolean {
    return this.options.matches === undefined ? answer === gold : this.options.matches(answer, gold);
  }

  private addVote(vote: Vote, correct: boolean): void {
    const byConfidence = vote.confident ? this.confident : this.notConfident;
    byConfidence.votes += 1;
    if (correct) byConfidence.correct += 1;
    const index = Math.min(
      this.bucketCount - 1,
      Math.floor((vote.position * this.bucketCount) / Math.max(1, vote.batchSize)),
    );
    const bucket = this.positionVotes[index]!;
    bucket.votes += 1;
    if (correct) bucket.correct += 1;
  }

  finish(rounds: readonly RoundSummary[], sampleBatch: SampleBatch | null = null): RunDetails {
    const byRound = [...rounds]
      .sort((left, right) => left.round - right.round)
      .map((round) => ({
        round: round.round,
        accuracy:
          this.scored === 0
            ? null
            : (this.correctAfterRound[Math.min(round.round, this.options.maxRounds)] ?? 0) / this.scored,
        activeItems: round.activeItems,
        calls: round.calls,
        inputTokens: round.inputTokens,
        outputTokens: round.outputTokens,
        stopped: round.stopped,
      }));
    const anyVotes = this.confident.votes + this.notConfident.votes > 0;
    return {
      voting: this.options.voting,
      scored: this.scored,
      byRound,
      byPosition: anyVotes
        ? this.positionVotes.map((count, bucket) => ({
            bucket,
            from: bucket / this.bucketCount,
            to: (bucket + 1) / this.bucketCount,
            ...count,
          }))
        : [],
      confidence: { confident: { ...this.confident }, notConfident: { ...this.notConfident } },
      sampleBatch,
    };
  }
}

/** Per-round accuracy, accuracy by position in the batch and by stated confidence, from item votes. */
export function analyzeResults(options: AnalyzeResultsOptions): RunDetails {
  // Reduced rather than spread: a spread of millions of votes would overflow the call stack.
  let maxRounds = options.rounds.reduce((most, round) => Math.max(most, round.round), 0);
  let largestBatch = 1;
  for (const result of options.results) {
    for (const vote of result.votes) {
      maxRounds = Math.max(maxRounds, vote.round);
      largestBatch = Math.max(largestBatch, vote.batchSize);
    }
  }
  const analyzer = new ResultsAnalyzer({
    voting: options.voting,
    maxRounds,
    largestBatch,
    ...(options.positionBuckets === undefined ? {} : { positionBuckets: options.positionBuckets }),
    ...(options.matches === undefined ? {} : { matches: options.matches }),
  });
  for (const result of options.results) analyzer.add(result);
  return analyzer.finish(options.rounds, options.sampleBatch ?? null);
}
