import type { Answer } from '../parse/normalize-answer.js';
import type { ReplyFormatSummary } from '../parse/reply-format-rule.js';
import type { OutputFormat } from '../prompt/render-batch.js';
import type { ChatModel, FinishReason } from '../spec/chat-model.js';
import type { Task } from '../task/task-schema.js';
import type { OutputResult } from './output-votes.js';
import type { SequentialEvidence } from './sequential-change-test.js';
import type { ResolvedStrategy, StrategyOptions } from './strategy-options.js';
import type { Vote } from './vote.js';

/** One data item: its id, its fields under the task's field names, and the gold answer if known. */
export interface Item {
  id: string;
  fields: Record<string, string>;
  gold?: unknown;
}

export type {
  AdaptiveOptions,
  EarlyStop,
  ResolvedAdaptiveOptions,
  ResolvedStrategy,
  StrategyName,
  StrategyOptions,
} from './strategy-options.js';

export type ItemStatus = 'answered' | 'unanswered' | 'failed';

export interface ItemResult {
  /** 0-based place of the item in the input. */
  index: number;
  id: string;
  answer: Answer | null;
  /**
   * The winning answer's share of all vote weight, 0..1 (weighted voting: a sure vote weighs 1,
   * an unsure one 0.2; majority: 1 each). A single sure vote gives 1, a single unsure vote too:
   * read it with `settled`.
   */
  confidence: number | null;
  /**
   * False when the votes never settled: the winning answer never got a sure vote, or the vote is
   * split (the winner's lead is under half of all weight). Such items are worth a person's check.
   */
  settled: boolean;
  /** (winner's weight - runner-up's weight) / all weight, 0..1. */
  margin: number;
  /** Vote weight per answer. */
  tally: Record<string, number>;
  votes: Vote[];
  status: ItemStatus;
  /** Why the item has no answer, or what went wrong in rounds that gave no vote. */
  error?: string;
  /** Rounds the item took part in. */
  rounds: number;
  gold?: Answer | null;
  correct?: boolean;
  /** Tasks with reasoning: the worked solution of the earliest vote that gave the final answer. */
  reasoning?: string;
  /**
   * A task with several outputs: each output's answer, votes and settlement, by name. `answer` is
   * then null; `confidence` and `margin` are the weakest output's, `settled` and `correct` hold
   * when they hold for every output, and `votes` are the row's (every output's answer joined).
   */
  outputs?: Record<string, OutputResult>;
}

export interface CallRecord {
  round: number;
  /** 0 for the first ask of a batch, 1.. for re-asks of its missing items. */
  attempt: number;
  items: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  estimated: boolean;
  finishReason: FinishReason | 'failed';
  error?: string;
}

export interface RoundSummary {
  round: number;
  /** Items still active when the round started. */
  activeItems: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Items that left after this round by early stopping. */
  stopped: number;
}

export interface RunSummary {
  model: string;
  simulated: boolean;
  task: string;
  strategy: ResolvedStrategy;
  /** How the reply format was chosen, and whether the run switched to JSON (and after what). */
  replyFormat: ReplyFormatSummary;
  items: number;
  answered: number;
  unanswered: number;
  failed: number;
  calls: number;
  failedCalls: number;
  reasks: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  /** True when some call's usage was counted locally because the model reported none. */
  usageEstimated: boolean;
  rounds: RoundSummary[];
  /** Items with a gold answer. */
  scored: number;
  /** Correct answers over scored items (unanswered count as wrong); absent without gold. */
  accuracy?: number;
  /** What the adaptive rule measured and decided; present when it ran. */
  adaptive?: AdaptiveSummary;
  /** Mean rounds an item took part in. */
  roundsPerItem: number;
  wallMs: number;
}

/** Round-2 changes of one stratum of pilot items (by their round-1 tag). */
export interface StratumFigures {
  stratum: 'sure' | 'unsure';
  /** Pilot items with a vote in both round 1 and round 2. */
  items: number;
  /** Of those, items whose round-2 label differs from round 1's. */
  changed: number;
  /** Of those, items whose round-2 label or tag differs from round 1's: the sequential test's events. */
  moved: number;
  /** changed / items. */
  changeRate: number;
  /** One-sided Wilson upper bound of the change rate at `confidence`. */
  upperBound: number;
  /** One-sided Wilson lower bound of the change rate at `confidence`. */
  lowerBound: number;
  /** Unsure answers of a stable model go on when `lowerBound` is above it (absent for sure ones). */
  limit?: number;
  /** Stops after round 1 (outside the pilot). */
  stopsAfterRound1: boolean;
}

/** One test of a larger batch: settled pilot items asked again among new items. */
export interface BatchSizeProbe {
  batchSize: number;
  anchors: number;
  /** Anchors that gave their settled label again. */
  agreed: number;
  /** One-sided Wilson upper bound of the disagreement rate. */
  disagreementUpperBound: number;
  limit: number;
  accepted: boolean;
  /**
   * `pilot`: the size the first window's pilot asked its answers again at, new items filling its
   * call (`anchors` are those answers); kept when the sequential test called the model stable and
   * the lower bound of their label disagreement is within `limit`. Absent: a probe with anchors,
   * kept while the upper bound is.
   */
  askedBy?: 'pilot';
}

export interface AdaptiveSummary {
  /**
   * When the pilot asked: `after-round-1` (round 1 in full first, then SEAS's own round-2 calls),
   * or `first-calls` (each of round 1's first calls asked again at once, so that the rest of round
   * 1 can take a larger batch); absent before the first window started.
   */
  pilotTiming?: 'after-round-1' | 'first-calls';
  /** Items of the first window asked in round 2 before the test decided. */
  pilotItems: number;
  confidence: number;
  strata: StratumFigures[];
  /** The sequential test between a stable and an order-dependent model, over the pilot's answers. */
  test?: SequentialEvidence;
  /** Why the run went on as it did, in a sentence. */
  decision: string;
  startBatchSize: number;
  finalBatchSize: number;
  probes: BatchSizeProbe[];
  /** Why no (further) probe was tried, when growth stopped for cost rather than disagreement. */
  growthSkipped?: string;
  /** Items outside the pilot that stopped after round 1 by the pilot's decision. */
  stoppedAfterRound1: number;
  /** Items stopped because their last `unsureRoundCap` votes were unsure and agreed. */
  stoppedByUnsureCap: number;
  /** Items of a stable model that left because their round would have asked fewer than `minRoundItems`. */
  stoppedAsFewLeft: number;
}

export interface Progress {
  /** Items whose results were handed out; a window's items come out together when it ends. */
  itemsDone: number;
  /**
   * Items whose final answer is known: stopped early by the strategy's rule, or through their last
   * round. It moves as rounds end, long before the window's results come out.
   */
  itemsSettled: number;
  itemsTotal?: number;
  /** The latest round asked so far (0 before the first call). */
  round: number;
  /** The most rounds an item is asked. */
  maxRounds: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  failedCalls: number;
}

export interface BatchPromptOptions extends StrategyOptions {
  /**
   * The strategy as `resolveStrategy` returned it, for a caller that resolved the options before
   * the run (to check them, or to read the data with its `maxBatchTokens`): the run takes it as
   * it is, settling an `auto` format for the model, instead of resolving options again. Give
   * either this or the strategy options above, not both.
   */
  resolvedStrategy?: ResolvedStrategy<OutputFormat | 'auto'>;
  task: Task;
  items: Iterable<Item> | AsyncIterable<Item>;
  model: ChatModel;
  signal?: AbortSignal;
  /** Called after every model call and every finished window. */
  onProgress?: (progress: Progress) => void;
  /** Called once per model call with what it cost. */
  onCall?: (call: CallRecord) => void;
  /** Total item count when known in advance (for progress only). */
  itemsTotal?: number;
  /**
   * Mixed into every batch code. Without it a code follows from the seed, the call's round and
   * attempt and its item ids, so whoever writes the data and knows the seed can compute it and forge an
   * answer line the parser accepts. Keep it stable (one per store) so that a resumed run sends
   * the same requests and hits the response cache; another secret means other prompts. It is
   * never journaled or cached. @default none
   */
  tagSecret?: string;
}
