import { batchPrompt } from '../engine/batch-prompt.js';
import { analyzeResults, type RunDetails } from './analyze-results.js';
import { recordFirstCall } from './analyze-sample-batch.js';
import type { CompareStrategiesOptions, StrategyComparison } from './compare.js';

export interface StrategyComparisonWithDetails extends StrategyComparison {
  details: RunDetails;
}

/**
 * `compareStrategies` with each strategy's details (accuracy per round, by position, by
 * confidence, one sample batch). It runs the strategies itself because `compareStrategies`
 * keeps the per-item votes to itself; its rows are the same, field for field (a test holds
 * the two together).
 */
export async function compareStrategiesWithDetails(
  options: CompareStrategiesOptions,
): Promise<StrategyComparisonWithDetails[]> {
  const strategies = options.strategies ?? ['single', 'batch', 'bpe', 'bpe+seas'];
  const rows: StrategyComparisonWithDetails[] = [];
  for (const strategy of strategies) {
    const recorder = recordFirstCall(options.model);
    const { results, summary } = await batchPrompt({
      task: options.task,
      items: options.items,
      model: recorder.model,
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
      details: analyzeResults({
        results,
        rounds: summary.rounds,
        voting: summary.strategy.voting,
        sampleBatch: recorder.sample(),
      }),
    });
  }
  return rows;
}
