import { answersMatch } from '../parse/answers-match.js';
import { singleOutputOnly } from '../task/task-outputs.js';
import { analyzeResults, type RunDetails, taskLabels } from './analyze-results.js';
import {
  type CompareStrategiesOptions,
  defaultStrategies,
  runStrategy,
  type StrategyComparison,
  type StrategyRun,
} from './compare.js';

export interface StrategyComparisonWithDetails extends StrategyComparison {
  details: RunDetails;
}

/**
 * `compareStrategies` with each strategy's details: accuracy per round, by position, by
 * confidence, and one sample batch.
 */
export async function compareStrategiesWithDetails(
  options: CompareStrategiesOptions,
  /** Sees each strategy's whole run, results and summary, as it ends. */
  onRun?: (run: StrategyRun) => void,
): Promise<StrategyComparisonWithDetails[]> {
  const rows: StrategyComparisonWithDetails[] = [];
  for (const strategy of options.strategies ?? defaultStrategies) {
    const run = await runStrategy(options, strategy);
    onRun?.(run);
    rows.push({
      ...run.row,
      details: analyzeResults({
        results: run.results,
        rounds: run.summary.rounds,
        voting: run.summary.strategy.voting,
        sampleBatch: run.sampleBatch,
        matches: (answer, gold) => answersMatch(singleOutputOnly(options.task, 'eval'), answer, gold),
        items: options.items,
        ...taskLabels(options.task),
      }),
    });
  }
  return rows;
}
