import { writeFile } from 'node:fs/promises';
import Table from 'cli-table3';
import { Command } from 'commander';
import { resolveStrategy } from '../../engine/resolve-strategy.js';
import type { AdaptiveSummary, Item, ItemResult, RunSummary } from '../../engine/types.js';
import {
  compareStrategiesWithDetails,
  type StrategyComparisonWithDetails,
} from '../../eval/analyze-comparison.js';
import { analyzeResults, taskLabels } from '../../eval/analyze-results.js';
import { type CompareStrategiesOptions, runStrategy, type StrategyComparison } from '../../eval/compare.js';
import { createResultsWriter, resultsFormatOf } from '../../io/write-results.js';
import { parseModelUri } from '../../models/model-uri.js';
import { answersMatch } from '../../parse/answers-match.js';
import { calibrationSource } from '../../sim/profiles.js';
import { type InvalidRow, loadSourceItems } from '../../source/read-source.js';
import type { ChatModel } from '../../spec/chat-model.js';
import { InputError, isAbortError } from '../../spec/errors.js';
import { createModelStack } from '../../stack/create-model-stack.js';
import { openStore } from '../../store/open-store.js';
import { loadTask } from '../../task/load-task.js';
import type { Task } from '../../task/task-schema.js';
import { adaptiveSummaryRows } from '../adaptive-summary-rows.js';
import { describeJobEvent } from '../describe-job-event.js';
import { exitCodes } from '../exit-codes.js';
import { listenForInterrupt } from '../listen-for-interrupt.js';
import type { CommandRegistrar } from '../main.js';
import { addTableOptions, type CliValues, mappingFromCli, strategyFromCli } from '../option-table.js';
import { outcomeExitCode, type RunOutcomeCounts } from '../outcome-exit-code.js';
import { plainOutput, tableStyle } from '../plain-output.js';
import { resultRow } from '../result-row.js';
import { scoresTable } from '../scores-table.js';
import { batchApiFromCli, schedulingFromCli } from '../stack-from-cli.js';
import { storeTagSecret } from '../store-tag-secret.js';

interface EvalCliValues extends CliValues {
  model: string;
  cache: boolean;
  compare?: boolean;
}

/** The `--json` shape of a comparison, shared by `eval --compare` and `demo`. */
export interface ComparisonJson {
  model: string;
  simulated: boolean;
  task: string;
  items: number;
  /** Each row also carries `details` (per round, by position, by confidence, a sample batch) for `report`. */
  strategies: StrategyComparisonWithDetails[];
}

/**
 * The model `eval` uses: the simulator (which knows the gold answers of the items) or a real
 * provider under the scheduler, with the response cache for real providers so that evaluating
 * the same items again costs nothing.
 */
export async function evalModel(
  values: EvalCliValues,
  task: Task,
  items: readonly Item[],
  seed: number,
): Promise<{ model: ChatModel; close(): void }> {
  const parsed = parseModelUri(values.model);
  if (parsed.provider === 'sim') {
    // The simulator answers from gold labels: an item without one would get a guess.
    const unlabelled = items.find((item) => item.gold === undefined);
    if (unlabelled !== undefined) {
      throw new InputError(
        `the simulated model (sim) answers only items with gold labels, and the row with id \`${unlabelled.id}\` has none in column \`${values.labelField ?? task.goldField ?? 'label'}\` (--label-field names the column)`,
        { file: values.data, field: values.labelField ?? task.goldField ?? 'label' },
      );
    }
  }
  const batchApi = await batchApiFromCli(values, values.model);
  // Batch jobs are journaled in the store even with --no-cache, so that they are never paid twice.
  const store =
    batchApi === undefined && (parsed.provider === 'sim' || !values.cache)
      ? undefined
      : openStore(values.storeDir);
  const stack = await createModelStack({
    uri: values.model,
    task,
    knownItems: () => items,
    simUnknownItems: 'refuse',
    seed,
    ...(store === undefined ? {} : { store }),
    cache: values.cache,
    ...schedulingFromCli(values),
    ...(batchApi === undefined
      ? {}
      : {
          batchApi: {
            ...batchApi,
            onEvent: (event) => process.stderr.write(`${describeJobEvent(event)}\n`),
          },
        }),
  });
  return {
    model: stack.model,
    close: () => {
      stack.close();
      store?.close();
    },
  };
}

/** The line every output of a simulated run carries. */
export function simulatedNotice(model: ChatModel): string {
  return model.simulated ? `simulated model (${model.id}) — not a real LLM` : `model ${model.id}`;
}

function ratio(value: number, reference: number | undefined): string {
  if (reference === undefined || reference === 0) return '';
  return ` (${(value / reference).toFixed(2)}x)`;
}

/** A comparison as a table, with calls and tokens as ratios to SinglePrompt where it ran. */
export function comparisonTable(rows: readonly StrategyComparison[]): string {
  const single = rows.find((row) => row.name === 'single');
  const table = new Table({
    ...tableStyle(),
    head: [
      'strategy',
      'batch',
      'rounds',
      'voting',
      'accuracy',
      'calls (vs single)',
      'input tokens (vs single)',
      'output tokens',
      'answered',
      'failed',
    ],
  });
  for (const row of rows) {
    table.push([
      row.name,
      row.batchSize,
      row.rounds,
      row.voting,
      row.accuracy === null ? '-' : `${(row.accuracy * 100).toFixed(1)}%`,
      `${row.calls}${ratio(row.calls, single?.calls)}`,
      `${row.inputTokens}${ratio(row.inputTokens, single?.inputTokens)}`,
      row.outputTokens,
      row.answered,
      row.failed,
    ]);
  }
  return table.toString();
}

function summaryTable(summary: RunSummary): string {
  const table = new Table({
    ...tableStyle(),
    head: ['round', 'active items', 'calls', 'input tokens', 'output tokens', 'stopped'],
  });
  for (const round of summary.rounds) {
    table.push([
      round.round,
      round.activeItems,
      round.calls,
      round.inputTokens,
      round.outputTokens,
      round.stopped,
    ]);
  }
  return table.toString();
}

function adaptiveTable(adaptive: AdaptiveSummary): string {
  const table = new Table({ ...tableStyle(), head: ['adaptive rule', 'measured and decided'] });
  table.push(
    ...adaptiveSummaryRows(adaptive).map(([name, value]) => [name.replace(/^adaptive: /, ''), value]),
  );
  return table.toString();
}

async function writeItemResults(file: string, results: readonly ItemResult[]): Promise<void> {
  // Evaluation always has gold labels, so every format gets the gold and correct columns.
  const writer = createResultsWriter(file, { labelled: true });
  try {
    for (const result of results) await writer.write(resultRow(result));
  } finally {
    await writer.close();
  }
}

/**
 * Before anything runs: the file `--out` names must be of the kind that will be written into it,
 * JSON lines for a comparison (one per strategy), a results format otherwise.
 */
function checkEvalOut(file: string, compare: boolean): void {
  if (!compare) {
    resultsFormatOf(file);
    return;
  }
  if (!/\.(jsonl|ndjson)$/i.test(file)) {
    throw new InputError(
      `\`--out\` with --compare writes one JSON line per strategy, so it takes a .jsonl or .ndjson file, got \`${file}\`; per-item results come from eval without --compare`,
      { field: 'out' },
    );
  }
}

/**
 * Runs `eval --compare` and prints it; also used by `demo`. Returns the report and the outcome of
 * all strategies together, whose exit code follows the rule of a single run (`outcomeExitCode`).
 */
export async function printComparison(
  options: CompareStrategiesOptions & { json: boolean; out?: string; title?: string },
): Promise<{ report: ComparisonJson; outcome: RunOutcomeCounts }> {
  const { json: _json, out: _out, title: _title, ...comparison } = options;
  const outcome: RunOutcomeCounts = { items: 0, answered: 0, unanswered: 0, failed: 0 };
  const strategies = await compareStrategiesWithDetails(comparison, ({ summary }) => {
    outcome.items += summary.items;
    outcome.answered += summary.answered;
    outcome.unanswered += summary.unanswered;
    outcome.failed += summary.failed;
  });
  const report: ComparisonJson = {
    model: options.model.id,
    simulated: options.model.simulated,
    task: options.task.name,
    items: options.items.length,
    strategies,
  };
  if (options.out !== undefined) {
    await writeFile(
      options.out,
      strategies
        .map(
          ({ details: _details, ...row }) =>
            `${JSON.stringify({ ...report, strategies: undefined, ...row })}\n`,
        )
        .join(''),
    );
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return { report, outcome };
  }
  const lines = [
    options.title,
    `${simulatedNotice(options.model)}; task ${options.task.name}, ${options.items.length} items`,
    comparisonTable(strategies),
    options.model.simulated
      ? `These figures come from the simulated model, ${calibrationSource(options.model.id)}; they say nothing new about any real model.`
      : undefined,
  ];
  process.stdout.write(`${lines.filter((line) => line !== undefined).join('\n')}\n`);
  return { report, outcome };
}

/** The exit code of a finished comparison: nothing answered by any strategy is never 0. */
export function comparisonExitCode(outcome: RunOutcomeCounts): number {
  const exit = outcomeExitCode(outcome);
  if (exit.message) {
    // The counts add up every strategy's results, so they say so.
    const cause = exit.message.replace(/^error: no item got an answer: /, '');
    process.stderr.write(
      `error: no strategy of the comparison got an answer for any item; over all strategies: ${cause}\n`,
    );
  }
  return exit.code;
}

export const register: CommandRegistrar = (program, setExitCode) => {
  const command = addTableOptions(
    new Command('eval').description(
      'answer a labelled data set and score the answers; --compare runs every strategy side by side',
    ),
    'eval',
  );
  command.action(async (values: EvalCliValues) => {
    setExitCode(await evalCommand(values));
  });
  program.addCommand(command);
};

async function evalCommand(values: EvalCliValues): Promise<number> {
  if (values.detach) {
    throw new InputError('--detach works with run only: eval waits for its batch jobs', { field: 'detach' });
  }
  if (values.out !== undefined) checkEvalOut(values.out, values.compare === true);
  const task = loadTask(values.task, { reasoning: values.reasoning === true });
  const { strategy: strategyName, ...shared } = strategyFromCli(values);
  // Checked before anything is read; each run resolves them again against the model.
  const { strategy, seed, maxBatchTokens } = resolveStrategy({ ...shared, strategy: strategyName });
  const skipped: InvalidRow[] = [];
  const items = await loadSourceItems(
    {
      file: values.data,
      task,
      maxItemTokens: maxBatchTokens,
      ...mappingFromCli(values),
      labelField: values.labelField ?? task.goldField ?? 'label',
    },
    { ...(values.sample === undefined ? {} : { size: values.sample }), seed },
    values.skipInvalid ? (invalid) => skipped.push(invalid) : undefined,
  );
  if (skipped.length > 0) {
    process.stderr.write(
      `${skipped.length} bad row(s) left out of the scores (--skip-invalid); the first: ${skipped[0]!.error.message}\n`,
    );
  }
  const { model, close } = await evalModel(values, task, items, seed);
  const interrupt = listenForInterrupt(values.concurrency);
  const common = {
    ...shared,
    task,
    items,
    model,
    signal: interrupt.controller.signal,
    ...(values.secretTags ? { tagSecret: storeTagSecret(values.storeDir) } : {}),
  };
  try {
    if (values.compare) {
      const { outcome } = await printComparison({
        ...common,
        json: values.json ?? false,
        ...(values.out === undefined ? {} : { out: values.out }),
      });
      return comparisonExitCode(outcome);
    }
    const run = await runStrategy(common, strategy);
    const { results, summary } = run;
    if (values.out !== undefined) await writeItemResults(values.out, results);
    const details = analyzeResults({
      results,
      rounds: summary.rounds,
      voting: summary.strategy.voting,
      sampleBatch: run.sampleBatch,
      items,
      ...taskLabels(task),
      matches: (answer, gold) => answersMatch(task, answer, gold),
    });
    if (values.json) {
      const report: ComparisonJson = {
        model: model.id,
        simulated: model.simulated,
        task: task.name,
        items: items.length,
        strategies: [{ ...run.row, details }],
      };
      process.stdout.write(
        `${JSON.stringify({ ...report, ...(values.out === undefined ? {} : { out: values.out }) }, null, 2)}\n`,
      );
    } else {
      const accuracy =
        summary.accuracy === undefined ? 'no gold labels' : `${(summary.accuracy * 100).toFixed(1)}%`;
      process.stdout.write(
        `${[
          `${simulatedNotice(model)}; task ${task.name}, ${summary.items} items, strategy ${summary.strategy.strategy} (batch ${summary.strategy.batchSize}, ${summary.strategy.rounds} rounds, ${summary.strategy.voting} vote)`,
          `accuracy ${accuracy}; ${summary.calls} calls, ${summary.inputTokens} input and ${summary.outputTokens} output tokens; ${summary.answered} answered, ${summary.failed + summary.unanswered} without an answer`,
          summaryTable(summary),
          details.scores === null ? undefined : scoresTable(details.scores, plainOutput()),
          summary.adaptive === undefined ? undefined : adaptiveTable(summary.adaptive),
          values.out === undefined ? undefined : `results written to ${values.out}`,
        ]
          .filter((line) => line !== undefined)
          .join('\n')}\n`,
      );
    }
    const outcome = outcomeExitCode(summary);
    if (outcome.message) process.stderr.write(`${outcome.message}\n`);
    return outcome.code;
  } catch (error) {
    if (isAbortError(error) || interrupt.controller.signal.aborted) {
      process.stderr.write(
        '\ninterrupted: nothing was scored; completed calls to a real provider are cached, so the same command again asks only the rest\n',
      );
      return exitCodes.interrupted;
    }
    throw error;
  } finally {
    interrupt.dispose();
    close();
  }
}
