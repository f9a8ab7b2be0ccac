import type { Answer } from '../parse/normalize-answer.js';
import type { OutputFormat } from '../prompt/render-batch.js';
import type { ChatModel, FinishReason } from '../spec/chat-model.js';
import type { Task } from '../task/task-schema.js';
import type { PermutationName } from './permutation-schemes.js';
import type { SequentialEvidence } from './sequential-change-test.js';
import type { Vote, Voting } from './vote.js';

/** One data item: its id, its fields under the task's field names, and the gold answer if known. */
export interface Item {
  id: string;
  fields: Record<string, string>;
  gold?: unknown;
}

export type StrategyName = 'single' | 'batch' | 'bpe' | 'bpe+seas' | 'adaptive';

export type EarlyStop = 'seas' | 'adaptive' | 'none';

export interface StrategyOptions {
  /**
   * `single`: one item per call. `batch`: one round of batches. `bpe`: several rounds, later ones
   * shuffled, answers voted. `bpe+seas`: as `bpe`, items leave once answered confidently twice.
   * `adaptive`: a pilot measures whether a second round moves answers, per stratum (sure, unsure);
   * strata whose answers do not move stop after round 1, the others go on under SEAS; the pilot
   * also grows the batch while larger batches agree with smaller ones (see `adaptive`).
   * @default 'adaptive'
   */
  strategy?: StrategyName;
  /** Most items in one call. Forced to 1 by `single`. @default 32 */
  batchSize?: number;
  /** Most item tokens (o200k) in one call, besides the instruction and examples. @default 64000 */
  maxBatchTokens?: number;
  /** Voting rounds. Forced to 1 by `single` and `batch`. @default 5 */
  rounds?: number;
  /** @default 'weighted' */
  voting?: Voting;
  /** Early stopping rule. Follows from `strategy` unless given. */
  earlyStop?: EarlyStop;
  /** How the `adaptive` rule measures and decides; ignored by the other rules. */
  adaptive?: AdaptiveOptions;
  /** Reply format; `auto` takes JSON where the model supports JSON schemas. @default 'auto' */
  format?: OutputFormat | 'auto';
  /** Seed of the shuffles and batch codes. @default 0 */
  seed?: number;
  /** How often an item without a usable answer is asked again within a round. @default 2 */
  maxReasks?: number;
  /**
   * When the worked examples are sent: in every call, only in round 1 (later rounds repeat items
   * the model has already seen answered in the same format), or never. @default 'every-call'
   */
  examples?: 'every-call' | 'first-round' | 'none';
  /**
   * How later rounds order items: `random` shuffles them (the paper's choice); `balanced` shuffles
   * too, then within each batch gives the edge places to the items that sat nearest the middle
   * before, since answers depend on place and the middle is answered worst. @default 'random'
   */
  permutation?: PermutationName;
  /** Items answered together before results are released; bounds memory. @default 4096 */
  windowSize?: number;
  /** @default 0 */
  temperature?: number;
}

export interface AdaptiveOptions {
  /**
   * How often a pilot answer *moves* (round 2 gives it another label or another tag) on a model
   * that does not depend on order, by its round-1 tag. @default { sure: 0.04, unsure: 0.25 }
   */
  stableChangeRate?: { sure?: number; unsure?: number };
  /** The same on a model that does. @default { sure: 0.12, unsure: 0.75 } */
  orderDependentChangeRate?: { sure?: number; unsure?: number };
  /** The chance of either wrong verdict of the sequential test between the two rates. @default 0.1 */
  risk?: number;
  /** Items of the first window, whose round 2 is the pilot; later windows use the decision. @default 1024 */
  firstWindow?: number;
  /**
   * Unsure answers stop after round 1 (when sure ones do) unless the Wilson lower bound of their
   * round-2 change rate is above `unsure`; a larger batch is kept while the upper bound of the
   * disagreement of settled answers asked in it is at most `sure`. @default { sure: 0.05, unsure: 0.1 }
   */
  changeLimit?: { sure?: number; unsure?: number };
  /** One-sided confidence of the Wilson bounds. @default 0.9 */
  confidence?: number;
  /**
   * Most items in one call that the batch may grow to (the token cap `maxBatchTokens` holds too).
   * Published work sees answers degrade from about 100 items per prompt, and a probe's anchors
   * bound a size's label changes only to a few percent, so larger sizes are left to a user who
   * raises this and lets the probes measure them. @default 100
   */
  maxBatchSize?: number;
  /** Already answered items mixed into a larger batch to test it. @default 32 */
  probeAnchors?: number;
  /** An item whose last this many votes were all unsure and all one label stops. @default 2 */
  unsureRoundCap?: number;
  /**
   * Once the pilot found the model stable, a round after the first that would ask fewer items
   * than this in a window is not asked: those items keep the votes they have, instead of paying
   * the instruction of a call for a handful of them. 0 asks every round. @default 8
   */
  minRoundItems?: number;
}

export interface ResolvedAdaptiveOptions {
  stableChangeRate: { sure: number; unsure: number };
  orderDependentChangeRate: { sure: number; unsure: number };
  risk: number;
  firstWindow: number;
  changeLimit: { sure: number; unsure: number };
  confidence: number;
  maxBatchSize: number;
  probeAnchors: number;
  unsureRoundCap: number;
  minRoundItems: number;
}

export interface ResolvedStrategy {
  strategy: StrategyName;
  batchSize: number;
  maxBatchTokens: number;
  rounds: number;
  voting: Voting;
  earlyStop: EarlyStop;
  adaptive: ResolvedAdaptiveOptions;
  format: OutputFormat;
  seed: number;
  maxReasks: number;
  examples: 'every-call' | 'first-round' | 'none';
  permutation: PermutationName;
  windowSize: number;
  temperature: number;
}

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
}

export interface AdaptiveSummary {
  /** Items of the first window asked in round 2 before the test decided (round 1 is in full). */
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
   * Mixed into every batch code. Without it a code follows from the seed, the batch's place and
   * its item ids, so whoever writes the data and knows the seed can compute it and forge an
   * answer line the parser accepts. Keep it stable (one per store) so that a resumed run sends
   * the same requests and hits the response cache; another secret means other prompts. It is
   * never journaled or cached. @default none
   */
  tagSecret?: string;
}
