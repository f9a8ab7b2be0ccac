import { batchPrompt } from '../engine/batch-prompt.js';
import type { Item, StrategyName } from '../engine/types.js';
import type { Voting } from '../engine/vote.js';
import type { ChatModel } from '../models/chat-model.js';
import type { Task } from '../task/task-schema.js';

export interface CompareStrategiesOptions {
  task: Task;
  items: readonly Item[];
  model: ChatModel;
  /** Batch size of every strategy but `single`. @default 32 */
  batchSize?: number;
  /** Voting rounds of `bpe` and `bpe+seas`. @default 5 */
  rounds?: number;
  /** @default 'weighted' */
  voting?: Voting;
  /** @default 0 */
  seed?: number;
  /** @default ['single', 'batch', 'bpe', 'bpe+seas'] */
  strategies?: readonly StrategyName[];
  signal?: AbortSignal;
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
}

/** Runs each strategy over the same items and model and lists what each cost and scored. */
export async function compareStrategies(options: CompareStrategiesOptions): Promise<StrategyComparison[]> {
  const strategies = options.strategies ?? ['single', 'batch', 'bpe', 'bpe+seas'];
  const rows: StrategyComparison[] = [];
  for (const strategy of strategies) {
    const { summary } = await batchPrompt({
      task: options.task,
      items: options.items,
      model: options.model,
      strategy,
      batchSize: options.batchSize ?? 32,
      rounds: options.rounds ?? 5,
      voting: options.voting ?? 'weighted',
      seed: options.seed ?? 0,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    rows.push({
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
    });
  }
  return rows;
}
