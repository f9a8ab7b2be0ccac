import type { Item, ItemResult, RoundSummary } from '../engine/types.js';
import { decideVote, type Vote, type Voting } from '../engine/vote.js';
import type { Answer } from '../parse/normalize-answer.js';
import type { ChatMessage } from '../spec/chat-model.js';
import type { Task } from '../task/task-schema.js';
import { type ConfusionScores, scoreConfusion } from './score-confusion.js';

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
  /**
   * Per-class precision, recall and F1, the confusion matrix and Cohen's kappa against gold; null
   * without gold answers or with more distinct answers than a matrix can show.
   */
  scores: ConfusionScores | null;
  /** Items a person should look at: wrong ones first, then uncertain ones; at most `reviewLimit`. */
  review: ReviewItem[];
  /** How many items were wrong and how many uncertain, including those past the limit. */
  reviewCounts: { wrong: number; uncertain: number };
}

/** An item that was answered wrongly or without certainty, with what it takes to judge it. */
export interface ReviewItem {
  id: string;
  /** The item's fields as the model saw them, each cut to `reviewTextLimit` characters. */
  fields: Record<string, string>;
  gold: string | number | null;
  answer: string | number | null;
  confidence: number | null;
  status: ItemResult['status'];
  /** Wrong: has a gold answer that differs. Uncertain: no answer, a split vote or no sure vote. */
  wrong: boolean;
  uncertain: boolean;
  /** Every vote with its round, its place in the batch and the batch code. */
  votes: {
    round: number;
    answer: string | number;
    confident: boolean;
    position: number;
    batchSize: number;
    batch?: string;
  }[];
  error?: string;
}

/** An item is uncertain below this share of the vote. */
const uncertainBelow = 0.75;
/** Distinct gold answers and answers beyond which no confusion matrix is kept (free-text answers). */
const matrixLimit = 60;

export interface AnalyzeResultsOptions {
  results: readonly ItemResult[];
  /** The items, by `ItemResult.index`, for the text of the items to review. */
  items?: readonly Item[];
  /** The task's labels, in order, so the confusion matrix lists them as the task does. */
  labels?: readonly string[];
  rounds: readonly RoundSummary[];
  voting: Voting;
  sampleBatch?: SampleBatch | null;
  /** Most stretches of relative position; fewer when batches are smaller. @default 10 */
  positionBuckets?: number;
  /** Whether an answer counts as the gold one (a number task's tolerance). @default exact equality */
  matches?: AnswerMatcher;
  /** Most items kept for review. @default 500 */
  reviewLimit?: number;
  /** Most characters of each field of an item kept for review. @default 600 */
  reviewTextLimit?: number;
}

/** Whether an answer counts as the gold one; `answersMatch` bound to a task. */
export type AnswerMatcher = (answer: Answer, gold: Answer) => boolean;

/**
 * Gathers the figures of `RunDetails` one result at a time, so a run over millions of items can
 * report them without keeping its results: per-round accuracy (the vote re-counted over rounds
 * 1..r; later rounds only add votes, so this is what a run of r rounds would have answered, and an
 * item that SEAS stopped early keeps the votes it had), accuracy by relative position in the batch,
 * and accuracy by stated confidence. Vote figures count only items with a gold answer. The rounds
 * and batch sizes are learnt from the votes, so a stream of results gives the same figures as
 * `analyzeResults` over the same results held in a list.
 */
export class ResultsAnalyzer {
  private scored = 0;
  /** Of the items whose last vote came at or after round r (index r), those right after round r. */
  private readonly correctAtRound: number[] = [];
  /** Of the items whose last vote came in round r (index r), those right with all their votes. */
  private readonly correctEndingAtRound: number[] = [];
  /** Votes by place in the batch, `batchSize:position`; bucketed once the largest batch is known. */
  private readonly votesAtPlace = new Map<string, VoteCount & { position: number; batchSize: number }>();
  private largestBatch = 1;
  private readonly confident: VoteCount = { votes: 0, correct: 0 };
  private readonly notConfident: VoteCount = { votes: 0, correct: 0 };
  private readonly confusion = new Map<string, Map<string, number>>();
  private readonly answerKeys = new Set<string>();
  private matrixOverflow = false;
  private readonly wrong: ReviewItem[] = [];
  private readonly uncertain: ReviewItem[] = [];
  private wrongCount = 0;
  private uncertainCount = 0;

  constructor(
    private readonly options: {
      voting: Voting;
      /** Most stretches of relative position; fewer when batches are smaller. @default 10 */
      positionBuckets?: number;
      /** @default exact equality */
      matches?: AnswerMatcher;
      /** The task's labels, in order, for the confusion matrix. */
      labels?: readonly string[];
      /** Most items kept for review. @default 500 */
      reviewLimit?: number;
      /** Most characters of each field of an item kept for review. @default 600 */
      reviewTextLimit?: number;
    },
  ) {}

  /** `fields`: the item's fields, shown with it when it is kept for review. */
  add(result: ItemResult, fields?: Record<string, string>): void {
    this.addForReview(result, fields);
    const gold = result.gold;
    if (gold === undefined || gold === null) return;
    this.scored += 1;
    this.addToMatrix(String(gold), result.answer === null ? undefined : String(result.answer));
    let lastRound = 0;
    for (const vote of result.votes) lastRound = Math.max(lastRound, vote.round);
    let right = false;
    for (let round = 1; round <= lastRound; round += 1) {
      const outcome = decideVote(
        result.votes.filter((vote) => vote.round <= round),
        this.options.voting,
      );
      right = outcome !== undefined && this.matches(outcome.answer, gold);
      if (right) this.correctAtRound[round] = (this.correctAtRound[round] ?? 0) + 1;
    }
    // Past its last vote an item's vote no longer changes: it counts as it ended in every later round.
    if (right) this.correctEndingAtRound[lastRound] = (this.correctEndingAtRound[lastRound] ?? 0) + 1;
    for (const vote of result.votes) this.addVote(vote, this.matches(vote.answer, gold));
  }

  private matches(answer: Answer, gold: Answer): boolean {
    return this.options.matches === undefined ? answer === gold : this.options.matches(answer, gold);
  }

  private addToMatrix(gold: string, answer: string | undefined): void {
    if (this.matrixOverflow) return;
    let row = this.confusion.get(gold);
    if (row === undefined) {
      row = new Map();
      this.confusion.set(gold, row);
    }
    // The key '' cannot be a label (labels are never empty), so it stands for "no answer".
    const key = answer ?? '';
    row.set(key, (row.get(key) ?? 0) + 1);
    if (answer !== undefined) this.answerKeys.add(answer);
    if (this.confusion.size + this.answerKeys.size > 2 * matrixLimit) {
      this.matrixOverflow = true;
      this.confusion.clear();
      this.answerKeys.clear();
    }
  }

  private addForReview(result: ItemResult, fields: Record<string, string> | undefined): void {
    const hasGold = result.gold !== undefined && result.gold !== null;
    const wrong = hasGold && result.correct !== true;
    const uncertain =
      result.status !== 'answered' ||
      (result.confidence ?? 0) < uncertainBelow ||
      !result.votes.some((vote) => vote.confident);
    if (!wrong && !uncertain) return;
    if (wrong) this.wrongCount += 1;
    else this.uncertainCount += 1;
    const list = wrong ? this.wrong : this.uncertain;
    const limit = this.options.reviewLimit ?? 500;
    // Wrong items are kept first; uncertain ones fill what room is left.
    if (wrong ? this.wrong.length >= limit : this.wrong.length + this.uncertain.length >= limit) return;
    const textLimit = this.options.reviewTextLimit ?? 600;
    const shown = Object.fromEntries(
      Object.entries(fields ?? {}).map(([name, text]) => [
        name,
        text.length > textLimit ? `${text.slice(0, textLimit)}…` : text,
      ]),
    );
    const item: ReviewItem = {
      id: result.id,
      fields: shown,
      gold: hasGold ? (result.gold as string | number) : null,
      answer: result.answer,
      confidence: result.confidence,
      status: result.status,
      wrong,
      uncertain,
      votes: result.votes.map((vote) => ({
        round: vote.round,
        answer: vote.answer,
        confident: vote.confident,
        position: vote.position,
        batchSize: vote.batchSize,
        ...(vote.batch === undefined ? {} : { batch: vote.batch }),
      })),
      ...(result.error === undefined ? {} : { error: result.error }),
    };
    list.push(item);
    if (this.wrong.length + this.uncertain.length > limit) this.uncertain.pop();
  }

  private matrix(): ConfusionScores | null {
    if (this.matrixOverflow || this.scored === 0) return null;
    // Every label of the task, in the task's order, then any other gold answer or answer seen:
    // macro F1 averages over all of them, a label no item has nor was given scoring 0.
    const known = this.options.labels ?? [];
    const labels = [...new Set([...known, ...this.confusion.keys(), ...this.answerKeys])];
    const counts = labels.map((gold) => {
      const row = this.confusion.get(gold);
      return [...labels.map((answer) => row?.get(answer) ?? 0), row?.get('') ?? 0];
    });
    return scoreConfusion({ labels, counts });
  }

  private addVote(vote: Vote, correct: boolean): void {
    const byConfidence = vote.confident ? this.confident : this.notConfident;
    byConfidence.votes += 1;
    if (correct) byConfidence.correct += 1;
    this.largestBatch = Math.max(this.largestBatch, vote.batchSize);
    const key = `${vote.batchSize}:${vote.position}`;
    let place = this.votesAtPlace.get(key);
    if (place === undefined) {
      place = { votes: 0, correct: 0, position: vote.position, batchSize: vote.batchSize };
      this.votesAtPlace.set(key, place);
    }
    place.votes += 1;
    if (correct) place.correct += 1;
  }

  /** Items right after round `round`: those still voting then, and those whose votes had ended. */
  private correctAfter(round: number): number {
    let correct = this.correctAtRound[round] ?? 0;
    for (let ended = 0; ended < round; ended += 1) correct += this.correctEndingAtRound[ended] ?? 0;
    return correct;
  }

  private positionBuckets(): PositionDetail[] {
    // With batches of 4, ten buckets would leave six of them empty whatever happened.
    const bucketCount = Math.max(1, Math.min(this.options.positionBuckets ?? 10, this.largestBatch));
    const buckets = Array.from({ length: bucketCount }, () => ({ votes: 0, correct: 0 }));
    for (const place of this.votesAtPlace.values()) {
      const index = Math.min(
        bucketCount - 1,
        Math.floor((place.position * bucketCount) / Math.max(1, place.batchSize)),
      );
      buckets[index]!.votes += place.votes;
      buckets[index]!.correct += place.correct;
    }
    return buckets.map((count, bucket) => ({
      bucket,
      from: bucket / bucketCount,
      to: (bucket + 1) / bucketCount,
      ...count,
    }));
  }

  finish(rounds: readonly RoundSummary[], sampleBatch: SampleBatch | null = null): RunDetails {
    const byRound = [...rounds]
      .sort((left, right) => left.round - right.round)
      .map((round) => ({
        round: round.round,
        accuracy: this.scored === 0 ? null : this.correctAfter(round.round) / this.scored,
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
      byPosition: anyVotes ? this.positionBuckets() : [],
      confidence: { confident: { ...this.confident }, notConfident: { ...this.notConfident } },
      sampleBatch,
      scores: this.matrix(),
      review: [...this.wrong, ...this.uncertain],
      reviewCounts: { wrong: this.wrongCount, uncertain: this.uncertainCount },
    };
  }
}

/** The task's labels in order, as the `labels` option of the analysis; nothing for number and text tasks. */
export function taskLabels(task: Task): { labels?: string[] } {
  if (task.outputs !== undefined) return {};
  return task.answer.type === 'labels' ? { labels: task.answer.labels.map((label) => label.value) } : {};
}

/** Per-round accuracy, accuracy by position in the batch and by stated confidence, from item votes. */
export function analyzeResults(options: AnalyzeResultsOptions): RunDetails {
  const analyzer = new ResultsAnalyzer({
    voting: options.voting,
    ...(options.positionBuckets === undefined ? {} : { positionBuckets: options.positionBuckets }),
    ...(options.matches === undefined ? {} : { matches: options.matches }),
    ...(options.labels === undefined ? {} : { labels: options.labels }),
    ...(options.reviewLimit === undefined ? {} : { reviewLimit: options.reviewLimit }),
    ...(options.reviewTextLimit === undefined ? {} : { reviewTextLimit: options.reviewTextLimit }),
  });
  for (const result of options.results) analyzer.add(result, options.items?.[result.index]?.fields);
  return analyzer.finish(options.rounds, options.sampleBatch ?? null);
}
