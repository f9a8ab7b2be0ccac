import { batchPrompt } from '../engine/batch-prompt.js';
import type {
  AdaptiveSummary,
  BatchPromptOptions,
  Item,
  ItemResult,
  RunSummary,
  StrategyName,
  StrategyOptions,
} from '../engine/types.js';
import type { Voting } from '../engine/vote.js';
import type { ChatModel } from '../spec/chat-model.js';
import type { Task } from '../task/task-schema.js';
import type { SampleBatch } from './analyze-results.js';
import { recordFirstCall } from './analyze-sample-batch.js';

export const defaultStrategies: readonly StrategyName[] = ['single', 'batch', 'bpe', 'bpe+seas', 'adaptive'];

/**
 * What every compared strategy shares: every strategy option of the library but the strategy
 * itself (each takes its defaults from `resolveStrategy`), the items and the model.
 */
export interface CompareStrategiesOptions
  extends Omit<StrategyOptions, 'strategy'>,
    Pick<BatchPromptOptions, 'signal' | 'tagSecret' | 'onProgress'> {
  task: Task;
  items: readonly Item[];
  model: ChatModel;
  /** @default ['single', 'batch', 'bpe', 'bpe+seas', 'adaptive'] */
  strategies?: readonly StrategyName[];
}

export interface StrategyComparison {
  name: StrategyName;
  batchSize: number;
  rounds: number;
  voting: Voting;
  /** Correct answers over items with a gold answer, 0..1; null without gold answers. */
  accuracy: number | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  answered: number;
  /** Items without an answer: failed calls and unanswered items together. */
  failed: number;
  /** Mean rounds an item took part in. */
  roundsPerItem: number;
  /** Items whose votes never settled (`ItemResult.settled` false). */
  unsettled: number;
  /** The batch size the run ended with (the adaptive rule may grow it). */
  finalBatchSize: number;
  /** The adaptive rule's pilot figures and decisions, for strategy `adaptive`. */
  adaptive?: AdaptiveSummary;
}

export interface StrategyRun {
  row: StrategyComparison;
  results: ItemResult[];
  summary: RunSummary;
  /** The first call of the run, exactly as sent, and its reply. */
  sampleBatch: SampleBatch | null;
}

/** Runs one strategy and returns its comparison row with the results it came from. */
export async function runStrategy(
  options: CompareStrategiesOptions,
  strategy: StrategyName,
): Promise<StrategyRun> {
  const recorder = recordFirstCall(options.model);
  const { strategies: _strategies, ...shared } = options;
  const { results, summary } = await batchPrompt({ ...shared, model: recorder.model, strategy });
  const row = comparisonRow(strategy, summary, results.filter((result) => !result.settled).length);
  return { row, results, summary, sampleBatch: recorder.sample() };
}

/** A strategy's row of a comparison, from its run's summary and its count of unsettled items. */
export function comparisonRow(
  strategy: StrategyName,
  summary: RunSummary,
  unsettled: number,
): StrategyComparison {
  return {
    name: strategy,
    batchSize: summary.strategy.batchSize,
    rounds: summary.strategy.rounds,
    voting: summary.strategy.voting,
    accuracy: summary.accuracy ?? null,
    calls: summary.calls,
    inputTokens: summary.inputTokens,
    outputTokens: summary.outputTokens,
    answered: summary.answered,
    failed: summary.failed + summary.unanswered,
    roundsPerItem: Math.round(summary.roundsPerItem * 1000) / 1000,
    unsettled,
    finalBatchSize: summary.adaptive?.finalBatchSize ?? summary.strategy.batchSize,
    ...(summary.adaptive === undefined ? {} : { adaptive: summary.adaptive }),
  };
}

/** Runs each strategy over the same items and model and lists what each cost and scored. */
export async function compareStrategies(options: CompareStrategiesOptions): Promise<StrategyComparison[]> {
  const rows: StrategyComparison[] = [];
  for (const strategy of options.strategies ?? defaultStrategies)
    rows.push((await runStrategy(options, strategy)).row);
  return rows;
}
