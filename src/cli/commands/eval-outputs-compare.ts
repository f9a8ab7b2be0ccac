import { appendFile } from 'node:fs/promises';
import Table from 'cli-table3';
import type { ResolvedStrategy } from '../../engine/types.js';
import type { StrategyComparisonWithDetails } from '../../eval/analyze-comparison.js';
import { comparisonRow } from '../../eval/compare.js';
import type { OutputScores } from '../../eval/score-outputs.js';
import type { OutputFormat } from '../../prompt/render-batch.js';
import { parseWithProvider } from '../../providers/model-uri.js';
import type { PipelineOutcome } from '../../session/run-pipeline.js';
import { calibrationSource } from '../../sim/profiles.js';
import { outputGoldColumns } from '../../source/read-outputs-gold.js';
import type { ChatModel } from '../../spec/chat-model.js';
import { InputError } from '../../spec/errors.js';
import { taskForOutput } from '../../task/task-outputs.js';
import type { MultiOutputTask, Task } from '../../task/task-schema.js';
import { withCommandContext } from '../command-context.js';
import { tableStyle } from '../plain-output.js';
import { selectSourceFromCli } from '../source-from-cli.js';
import { outcomeReason } from '../stop-reasons.js';
import type { EvalCliValues } from './eval.js';

/**
 * One run of the comparison, in the shape of a strategy row of `eval --compare --json` (so that
 * `report` reads it): named `one pass` or `<output> alone`, with each output's scores.
 */
export interface OutputsComparisonRow extends Omit<StrategyComparisonWithDetails, 'name'> {
  name: string;
  /** The outputs the run asked, each scored against its own gold column. */
  outputs: OutputScores[];
}

/**
 * The scores of one output's own run: its output scores where the run was of a task with one
 * multi-choice output, else built from the run's accuracy and scores by class.
 */
function aloneScores(output: string, run: PipelineOutcome): OutputScores[] {
  if (run.outputScores !== undefined) return run.outputScores;
  const scored = run.details.scored;
  const accuracy = run.summary.accuracy ?? null;
  return [
    {
      output,
      scored,
      correct: accuracy === null ? 0 : Math.round(accuracy * scored),
      accuracy,
      ...(run.details.scores === null ? {} : { confusion: run.details.scores }),
    },
  ];
}

const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : `${(value * 100).toFixed(1)}%`;

/** The runs side by side, the separate runs' total last, with the one pass's share of its tokens. */
export function outputsComparisonTable(task: MultiOutputTask, rows: readonly OutputsComparisonRow[]): string {
  const names = task.outputs.map((output) => output.name);
  const [onePass, ...separate] = rows;
  const total = (key: 'calls' | 'inputTokens' | 'outputTokens') =>
    separate.reduce((sum, row) => sum + row[key], 0);
  const separateTokens = total('inputTokens') + total('outputTokens');
  const table = new Table({
    ...tableStyle(),
    head: ['run', 'calls', 'input tokens', 'output tokens', 'tokens vs separate runs', ...names],
  });
  for (const row of rows) {
    const tokens = row.inputTokens + row.outputTokens;
    const accuracy = new Map(row.outputs.map((score) => [score.output, score.accuracy]));
    table.push([
      row.name,
      row.calls,
      row.inputTokens,
      row.outputTokens,
      row === onePass && separateTokens > 0 ? `${((100 * tokens) / separateTokens).toFixed(1)}%` : '',
      ...names.map((name) => (accuracy.has(name) ? percent(accuracy.get(name)) : '')),
    ]);
  }
  if (separate.length > 0) {
    table.push([
      'separate runs, total',
      total('calls'),
      total('inputTokens'),
      total('outputTokens'),
      '100%',
      ...names.map(() => ''),
    ]);
  }
  return table.toString();
}

/**
 * `eval --compare` on a task with outputs: the task asked once with every output, then one
 * single-question run per output over the same rows (each scored against that output's gold
 * column), with the same strategy, side by side. Each pass is a run of its own (its own model
 * stack: the simulated model of one output is not the one of the whole task); a pass that ends
 * for any reason but unanswered items (an interrupt, a broken endpoint) ends the comparison.
 */
export async function compareOutputPasses(
  values: EvalCliValues,
  task: MultiOutputTask,
  strategy: ResolvedStrategy<OutputFormat | 'auto'>,
  title?: string,
): Promise<number> {
  if (values.maxCost !== undefined) {
    throw new InputError(
      '--max-cost with --compare on a task with outputs: each pass (the one pass and a run per output) is a run of its own, so one cap cannot hold for all; run them one at a time with --max-cost, or leave it out',
      { field: 'max-cost' },
    );
  }
  const columns = outputGoldColumns(task, values.labelField);
  const plan: { name: string; task: Task; labelField: string; alone?: string }[] = [
    { name: 'one pass', task, labelField: values.labelField ?? 'label' },
    ...task.outputs.map((output) => ({
      name: `${output.name} alone`,
      task: taskForOutput(task, output.name),
      labelField: columns.get(output.name) ?? output.name,
      alone: output.name,
    })),
  ];
  const rows: OutputsComparisonRow[] = [];
  let items = 0;
  let model: ChatModel | undefined;
  let exitCode = 0;
  for (const step of plan) {
    const selected = await selectSourceFromCli(
      { ...values, labelField: step.labelField },
      step.task,
      strategy,
      {
        labelField: step.labelField,
        skipInvalidHint: '--skip-invalid leaves it out of the scores and goes on',
      },
    );
    items = selected.scan.items;
    const code = await withCommandContext(
      {
        values,
        modelUri: values.model,
        task: step.task,
        selected,
        seed: strategy.seed,
        withStore:
          values.batchApi === true || (!parseWithProvider(values.model).provider.simulator && values.cache),
        resumeHint: (kept) =>
          `the comparison stopped${kept}; completed calls to a real provider are cached, so the same command again asks only the rest`,
      },
      async (context) => {
        model = context.session.model;
        const run = await context.answer(strategy);
        await context.complete();
        const { summary } = run;
        const row: OutputsComparisonRow = {
          ...comparisonRow(strategy.strategy, summary, run.unsettled),
          name: step.name,
          outputs: step.alone === undefined ? (run.outputScores ?? []) : aloneScores(step.alone, run),
          details: run.details,
        };
        rows.push(row);
        if (values.out !== undefined) {
          const { details: _details, ...line } = row;
          const header = { model: model.id, simulated: model.simulated, task: task.name, items };
          await appendFile(values.out, `${JSON.stringify({ ...header, ...line })}\n`, {
            flag: rows.length === 1 ? 'w' : 'a',
          });
        }
        return outcomeReason(
          {
            items: summary.items,
            answered: summary.answered,
            unanswered: summary.unanswered,
            failed: summary.failed,
          },
          values.allowFailed,
        );
      },
    );
    if (exitCode === 0) exitCode = code;
    // Unanswered items (exit 1) leave the other passes worth running; anything else stops here.
    if (code !== 0 && code !== 1) break;
  }
  if (model !== undefined && rows.length > 0)
    printOutputsComparison(task, rows, model, items, strategy, values.json === true, title);
  return exitCode;
}

function printOutputsComparison(
  task: MultiOutputTask,
  rows: OutputsComparisonRow[],
  model: ChatModel,
  items: number,
  strategy: ResolvedStrategy<OutputFormat | 'auto'>,
  json: boolean,
  title: string | undefined,
): void {
  if (json) {
    // The shape of every `eval --compare --json`, so that `report` makes a page of it.
    const report = { model: model.id, simulated: model.simulated, task: task.name, items, strategies: rows };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = [
    title,
    `${model.simulated ? `simulated model (${model.id}) — not a real LLM` : `model ${model.id}`}; task ${task.name}, ${items} items, strategy ${strategy.strategy}: every output in one pass, then one run per output`,
    outputsComparisonTable(task, rows),
    model.simulated
      ? `These figures come from the simulated model, ${calibrationSource(model.id)}; they say nothing new about any real model.`
      : undefined,
  ];
  process.stdout.write(`${lines.filter((line) => line !== undefined).join('\n')}\n`);
}
