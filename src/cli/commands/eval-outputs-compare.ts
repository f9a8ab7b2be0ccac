import { appendFile } from 'node:fs/promises';
import Table from 'cli-table3';
import type { ResolvedStrategy, RunSummary } from '../../engine/types.js';
import type { OutputScores } from '../../eval/score-outputs.js';
import type { OutputFormat } from '../../prompt/render-batch.js';
import { parseWithProvider } from '../../providers/model-uri.js';
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

/** One pass of the comparison: the task with every output, or one output's own task. */
export interface OutputsComparisonPass {
  /** `one pass`, or the output a single-question run asked. */
  way: 'one pass' | 'one output';
  /** The outputs the pass asked. */
  outputs: string[];
  calls: number;
  inputTokens: number;
  outputTokens: number;
  answered: number;
  failed: number;
  /** Accuracy per output asked, against that output's gold column (null where nothing was scored). */
  accuracy: Record<string, number | null>;
}

/** The `--json` shape of `eval --compare` on a task with outputs. */
export interface OutputsComparisonJson {
  model: string;
  simulated: boolean;
  task: string;
  items: number;
  strategy: string;
  passes: OutputsComparisonPass[];
}

/** Each output's accuracy from a pass: its output scores, or the run's accuracy for a single-question task. */
function accuracyOf(summary: RunSummary, scores: readonly OutputScores[] | undefined, outputs: string[]) {
  if (scores === undefined) return { [outputs[0]!]: summary.accuracy ?? null };
  return Object.fromEntries(scores.map((score) => [score.output, score.accuracy]));
}

const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : `${(value * 100).toFixed(1)}%`;

/** The passes side by side, the separate runs' total last, with the one pass's share of its tokens. */
export function outputsComparisonTable(
  task: MultiOutputTask,
  passes: readonly OutputsComparisonPass[],
): string {
  const names = task.outputs.map((output) => output.name);
  const separate = passes.filter((pass) => pass.way === 'one output');
  const total = (key: 'calls' | 'inputTokens' | 'outputTokens') =>
    separate.reduce((sum, pass) => sum + pass[key], 0);
  const separateTokens = total('inputTokens') + total('outputTokens');
  const table = new Table({
    ...tableStyle(),
    head: ['way', 'calls', 'input tokens', 'output tokens', 'tokens vs separate runs', ...names],
  });
  for (const pass of passes) {
    const tokens = pass.inputTokens + pass.outputTokens;
    table.push([
      pass.way === 'one pass' ? `one pass (${pass.outputs.length} outputs)` : `${pass.outputs[0]} alone`,
      pass.calls,
      pass.inputTokens,
      pass.outputTokens,
      pass.way === 'one pass' && separateTokens > 0 ? `${((100 * tokens) / separateTokens).toFixed(1)}%` : '',
      ...names.map((name) => (name in pass.accuracy ? percent(pass.accuracy[name]) : '')),
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
  const plan: { way: OutputsComparisonPass['way']; task: Task; labelField: string; outputs: string[] }[] = [
    {
      way: 'one pass',
      task,
      labelField: values.labelField ?? 'label',
      outputs: task.outputs.map((output) => output.name),
    },
    ...task.outputs.map((output) => ({
      way: 'one output' as const,
      task: taskForOutput(task, output.name),
      labelField: columns.get(output.name) ?? output.name,
      outputs: [output.name],
    })),
  ];
  const passes: OutputsComparisonPass[] = [];
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
        const pass: OutputsComparisonPass = {
          way: step.way,
          outputs: step.outputs,
          calls: summary.calls,
          inputTokens: summary.inputTokens,
          outputTokens: summary.outputTokens,
          answered: summary.answered,
          failed: summary.failed + summary.unanswered,
          accuracy: accuracyOf(summary, run.outputScores, step.outputs),
        };
        passes.push(pass);
        if (values.out !== undefined) {
          const header = { model: model.id, simulated: model.simulated, task: task.name, items };
          await appendFile(values.out, `${JSON.stringify({ ...header, ...pass })}\n`, {
            flag: passes.length === 1 ? 'w' : 'a',
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
  if (model !== undefined && passes.length > 0)
    printOutputsComparison(task, passes, model, items, strategy, values.json === true, title);
  return exitCode;
}

function printOutputsComparison(
  task: MultiOutputTask,
  passes: OutputsComparisonPass[],
  model: ChatModel,
  items: number,
  strategy: ResolvedStrategy<OutputFormat | 'auto'>,
  json: boolean,
  title: string | undefined,
): void {
  if (json) {
    const report: OutputsComparisonJson = {
      model: model.id,
      simulated: model.simulated,
      task: task.name,
      items,
      strategy: strategy.strategy,
      passes,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const lines = [
    title,
    `${model.simulated ? `simulated model (${model.id}) — not a real LLM` : `model ${model.id}`}; task ${task.name}, ${items} items, strategy ${strategy.strategy}: every output in one pass, then one run per output`,
    outputsComparisonTable(task, passes),
    model.simulated
      ? `These figures come from the simulated model, ${calibrationSource(model.id)}; they say nothing new about any real model.`
      : undefined,
  ];
  process.stdout.write(`${lines.filter((line) => line !== undefined).join('\n')}\n`);
}
