import { appendFile } from 'node:fs/promises';
import Table from 'cli-table3';
import { resolveStrategy } from '../../engine/resolve-strategy.js';
import type { AdaptiveSummary, RunSummary } from '../../engine/types.js';
import type { StrategyComparisonWithDetails } from '../../eval/analyze-comparison.js';
import { comparisonRow, defaultStrategies, type StrategyComparison } from '../../eval/compare.js';
import { roundFigures } from '../../eval/round-figures.js';
import { describeOutputScores } from '../../eval/score-outputs.js';
import { resultsFormatOf } from '../../io/write-results.js';
import { describeReplyFormat } from '../../parse/reply-format-rule.js';
import { parseWithProvider } from '../../providers/model-uri.js';
import {
  type PricedRequests,
  pricedRequests,
  requestsSince,
  withBilledFailures,
} from '../../session/paid-requests.js';
import type { PipelineOutcome } from '../../session/run-pipeline.js';
import { calibrationSource } from '../../sim/profiles.js';
import type { ChatModel } from '../../spec/chat-model.js';
import { InputError } from '../../spec/errors.js';
import { requestTallyLines } from '../../stack/request-tally-rows.js';
import { loadTask } from '../../task/load-task.js';
import { adaptiveSummaryRows } from '../adaptive-summary-rows.js';
import { withCommandContext } from '../command-context.js';
import { strategyFromCli } from '../command-flags.js';
import type { CommandValues } from '../command-options.js';
import { commandInputs, refuseClashingPaths } from '../output-paths.js';
import { plainOutput, tableStyle } from '../plain-output.js';
import { scoresTable } from '../scores-table.js';
import { selectSourceFromCli } from '../source-from-cli.js';
import { type OutcomeCounts, outcomeReason } from '../stop-reasons.js';
import { compareOutputPasses } from './eval-outputs-compare.js';

export interface EvalCliValues extends CommandValues {
  model: string;
  storeDir: string;
  cache: boolean;
}

/** The `--json` shape of a comparison, shared by `eval --compare` and `demo`. */
export interface ComparisonJson {
  model: string;
  simulated: boolean;
  task: string;
  items: number;
  /**
   * Each row also carries `details` (per round, by position, by confidence, a sample batch) for
   * `report`, and the requests its pass sent (`eval`; billed failures counted in its calls and tokens).
   */
  strategies: (StrategyComparisonWithDetails & { requests?: PricedRequests })[];
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
  for (const round of summary.rounds) table.push(roundFigures(round));
  return table.toString();
}

function adaptiveTable(adaptive: AdaptiveSummary): string {
  const table = new Table({ ...tableStyle(), head: ['adaptive rule', 'measured and decided'] });
  table.push(
    ...adaptiveSummaryRows(adaptive).map(([name, value]) => [name.replace(/^adaptive: /, ''), value]),
  );
  return table.toString();
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

/** The comparison of the strategies `eval --compare` (and `demo`) ran, as a table or as JSON. */
function printComparison(report: ComparisonJson, model: ChatModel, json: boolean, title?: string): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = [
    title,
    `${simulatedNotice(model)}; task ${report.task}, ${report.items} items`,
    comparisonTable(report.strategies),
    // The request counts of the strategies whose requests failed: the table counts billed ones.
    ...report.strategies
      .filter((row) => (row.requests?.failed ?? 0) > 0)
      .flatMap((row) => requestLines(row).map((line) => `${row.name}: ${line}`)),
    model.simulated
      ? `These figures come from the simulated model, ${calibrationSource(model.id)}; they say nothing new about any real model.`
      : undefined,
  ];
  process.stdout.write(`${lines.filter((line) => line !== undefined).join('\n')}\n`);
}

/**
 * `eval`: `run`'s pipeline once per strategy (one, or every one with `--compare`), with the gold
 * labels scored as results stream past. Only counts are kept: the items are read from the file
 * on each pass, and each result goes to `--out` / `--review-out` and the analysis, then is gone.
 * `title` heads the comparison table (`demo`).
 */
export async function evalCommand(values: EvalCliValues, title?: string): Promise<number> {
  if (values.detach) {
    throw new InputError('--detach works with run only: eval waits for its batch jobs', { field: 'detach' });
  }
  refuseClashingPaths(commandInputs(values), [
    ...(values.out === undefined ? [] : [{ flag: '--out', path: values.out }]),
    ...(values.reviewOut === undefined ? [] : [{ flag: '--review-out', path: values.reviewOut }]),
  ]);
  if (values.out !== undefined) checkEvalOut(values.out, values.compare === true);
  if (values.reviewOut !== undefined && values.compare) {
    throw new InputError(
      '`--review-out` lists the unsettled rows of one strategy; leave out --compare, or pick the strategy with --strategy',
      { field: 'review-out' },
    );
  }
  const task = loadTask(values.task, { reasoning: values.reasoning === true });
  const strategyOptions = strategyFromCli(values);
  // A task with outputs compares asking them in one pass with one run per output, not strategies.
  if (values.compare && task.outputs !== undefined) {
    return compareOutputPasses(values, task, resolveStrategy(strategyOptions), title);
  }
  const { strategy: _chosen, ...shared } = strategyOptions;
  // Each strategy resolved once, before anything is read; the engine settles an `auto` format.
  const strategies = values.compare
    ? defaultStrategies.map((name) => resolveStrategy({ ...shared, strategy: name }))
    : [resolveStrategy(strategyOptions)];
  const selected = await selectSourceFromCli(values, task, strategies[0]!, {
    labelField: values.labelField ?? task.goldField ?? 'label',
    skipInvalidHint: '--skip-invalid leaves it out of the scores and goes on',
  });
  const { scan } = selected;
  if (scan.invalidCount > 0) {
    process.stderr.write(
      `${scan.invalidCount} bad row(s) left out of the scores (--skip-invalid); the first: ${scan.invalid[0]!.error.message}\n`,
    );
  }
  return withCommandContext(
    {
      values,
      modelUri: values.model,
      task,
      selected,
      seed: strategies[0]!.seed,
      // Evaluation always has gold labels, so every format gets the gold and correct columns.
      ...(values.compare
        ? {}
        : {
            results: {
              layout: {
                labelled: true,
                ...(task.outputs === undefined ? {} : { outputs: task.outputs.map((output) => output.name) }),
              },
              withInput: false,
              invalidRows: false,
            },
          }),
      // Batch jobs are journaled in the store even with --no-cache, so that they are never paid twice.
      withStore:
        values.batchApi === true || (!parseWithProvider(values.model).provider.simulator && values.cache),
      resumeHint: (kept, repliesKept) =>
        `nothing was scored${kept}; ${
          repliesKept
            ? 'completed calls are cached, so the same command again asks only the rest'
            : parseWithProvider(values.model).provider.simulator
              ? 'the in-process simulated model is not cached: the same command runs it again from the start, at no cost'
              : '--no-cache kept no reply: the same command pays for every call again (without --no-cache, it asks only the rest)'
        }`,
      ...(values.compare
        ? { noAnswer: 'no strategy of the comparison got an answer for any item; over all strategies' }
        : {}),
      passes: strategies.length,
    },
    async (context) => {
      const { model, stack, price } = context.session;
      const outcome: OutcomeCounts = { items: 0, answered: 0, unanswered: 0, failed: 0 };
      const rows: ComparisonJson['strategies'] = [];
      let last: PipelineOutcome | undefined;
      for (const strategy of strategies) {
        const before = stack.requests();
        const run = await context.answer(strategy);
        // The passes run one after another: the ledger's counts since this one began are its own.
        const requests = pricedRequests(requestsSince(stack.requests(), before), price);
        last = run;
        const { summary } = run;
        outcome.items += summary.items;
        outcome.answered += summary.answered;
        outcome.unanswered += summary.unanswered;
        outcome.failed += summary.failed;
        const row = {
          ...withBilledFailures(comparisonRow(strategy.strategy, summary, run.unsettled), requests),
          requests,
          ...(run.outputScores === undefined ? {} : { outputs: run.outputScores }),
          details: run.details,
        };
        rows.push(row);
        if (values.compare && values.out !== undefined) {
          // One line per strategy as it ends, so an interrupted comparison keeps the strategies done.
          const { details: _details, ...line } = row;
          const header = { model: model.id, simulated: model.simulated, task: task.name, items: scan.items };
          await appendFile(values.out, `${JSON.stringify({ ...header, ...line })}\n`, {
            flag: context.comparedLines === 0 ? 'w' : 'a',
          });
          context.comparedLines += 1;
        }
      }
      await context.complete();
      const report: ComparisonJson = {
        model: model.id,
        simulated: model.simulated,
        task: task.name,
        items: scan.items,
        strategies: rows,
      };
      if (values.compare) printComparison(report, model, values.json === true, title);
      else printOne(values, report, model, last!);
      return outcomeReason(outcome, values.allowFailed);
    },
  );
}

/** One strategy's evaluation, as JSON or as its tables. */
function printOne(
  values: EvalCliValues,
  report: ComparisonJson,
  model: ChatModel,
  run: PipelineOutcome,
): void {
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ ...report, ...(values.out === undefined ? {} : { out: values.out }) }, null, 2)}\n`,
    );
    return;
  }
  const { summary, details } = run;
  const row = report.strategies[0]!;
  const accuracy =
    summary.accuracy === undefined
      ? 'no gold labels'
      : `${(summary.accuracy * 100).toFixed(1)}%${run.outputScores === undefined ? '' : ' (rows with every output right)'}`;
  process.stdout.write(
    `${[
      `${simulatedNotice(model)}; task ${report.task}, ${summary.items} items, strategy ${summary.strategy.strategy} (batch ${summary.strategy.batchSize}, ${summary.strategy.rounds} rounds, ${summary.strategy.voting} vote); format ${describeReplyFormat(summary.replyFormat)}`,
      `accuracy ${accuracy}; ${row.calls} calls, ${row.inputTokens} input and ${row.outputTokens} output tokens; ${summary.answered} answered, ${summary.failed + summary.unanswered} without an answer`,
      ...requestLines(row),
      summaryTable(summary),
      run.outputScores === undefined ? undefined : describeOutputScores(run.outputScores).join('\n'),
      details.scores === null ? undefined : scoresTable(details.scores, plainOutput()),
      summary.adaptive === undefined ? undefined : adaptiveTable(summary.adaptive),
      values.out === undefined ? undefined : `results written to ${values.out}`,
    ]
      .filter((line) => line !== undefined)
      .join('\n')}\n`,
  );
}

/** A strategy's requests as the run summary shows them (`requestTallyLines`). */
function requestLines(row: ComparisonJson['strategies'][number]): string[] {
  return row.requests === undefined ? [] : requestTallyLines(row.requests);
}
