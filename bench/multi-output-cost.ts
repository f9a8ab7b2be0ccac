import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { batchPrompt } from '../src/engine/batch-prompt.js';
import type { Item, ItemResult } from '../src/engine/types.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import type { SimProfileName } from '../src/sim/profiles.js';
import { defineTask } from '../src/task/define-task.js';
import { taskForOutput } from '../src/task/task-outputs.js';
import type { MultiOutputTask, SingleOutputTask } from '../src/task/task-schema.js';
import {
  boolqFile,
  boolqOneQuestionTask,
  boolqTwoQuestionRows,
  boolqTwoQuestionsTask,
  type TwoQuestionRow,
} from './boolq-two-questions.js';
import { writeOwnedSection } from './owned-section.js';

/*
 * Several questions per item in one pass against one run per question, on the simulated model,
 * on two sets: the 240 tickets of examples/tickets with 1, 3, 5 and 10 of their questions, and
 * the BoolQ passages asked two questions (bench/boolq-two-questions.ts, built from
 * ../shared/data) with 1 and 2. Each way is asked with the default strategy (adaptive), no worked
 * examples (both ways then pay the same prompt besides the items and the questions), at each seed.
 * Calls, input and output tokens are counted as the engine counts them (o200k); accuracy per output
 * is the simulated model's against the gold answers. Figures are means over the seeds; the
 * accuracy verdict also names the largest shortfall of one seed.
 *
 *   npx tsx bench/multi-output-cost.ts [--profile frontier] [--seeds 0,1,2,3,4] [--write]
 */

const root = resolve(import.meta.dirname, '..');
const argument = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const profile = argument('profile', 'frontier') as SimProfileName;
const seeds = argument('seeds', '0,1,2,3,4').split(',').map(Number);

const yesNo = { type: 'labels' as const, labels: ['yes', 'no'] };
const questions = [
  {
    name: 'topic',
    description: 'the team that should handle the ticket',
    answer: { type: 'labels' as const, labels: ['billing', 'technical', 'account', 'delivery'] },
  },
  {
    name: 'urgency',
    description: 'how soon the customer needs an answer',
    answer: { type: 'labels' as const, labels: ['low', 'normal', 'high'] },
  },
  {
    name: 'tone',
    description: "the customer's mood",
    answer: { type: 'labels' as const, labels: ['positive', 'neutral', 'negative'] },
  },
  {
    name: 'product',
    description: 'the product the ticket is about',
    answer: { type: 'labels' as const, labels: ['app', 'shop', 'card'] },
  },
  { name: 'refund', description: 'asks for money back', answer: yesNo },
  { name: 'cancellation', description: 'wants to cancel or threatens to leave', answer: yesNo },
  { name: 'deadline', description: 'names a date or day by which it must be settled', answer: yesNo },
  { name: 'competitor', description: 'mentions another bank, shop or provider', answer: yesNo },
  { name: 'callback', description: 'asks to be phoned', answer: yesNo },
  { name: 'repeat_contact', description: 'says they have written or called before', answer: yesNo },
];

const ticketRows = readFileSync(resolve(root, 'examples/tickets/tickets.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Record<string, unknown>);

function ticketsTask(count: number): MultiOutputTask {
  return defineTask({
    name: 'tickets',
    instruction:
      'Read the support ticket of a company that offers a banking app, an online shop and a payment card, and answer each question about it.',
    fields: ['subject', 'body'],
    outputs: questions.slice(0, count),
  }) as MultiOutputTask;
}

/** One single-question run of a comparison: its task and items, and the output it stands for. */
interface SeparateRun {
  output: string;
  task: SingleOutputTask;
  items: Item[];
}

/** A set at one number of outputs: the task asking them in one pass, and the runs asking one each. */
interface Comparison {
  task: MultiOutputTask;
  items: Item[];
  separate: SeparateRun[];
}

function ticketsComparison(count: number): Comparison {
  const task = ticketsTask(count);
  const itemsWith = (gold: (row: Record<string, unknown>) => unknown): Item[] =>
    ticketRows.map((row) => ({
      id: String(row.id),
      fields: { subject: String(row.subject), body: String(row.body) },
      gold: gold(row),
    }));
  return {
    task,
    items: itemsWith((row) =>
      Object.fromEntries(task.outputs.map((output) => [output.name, row[output.name]])),
    ),
    separate: task.outputs.map((output) => ({
      output: output.name,
      task: taskForOutput(task, output.name) as SingleOutputTask,
      items: itemsWith((row) => row[output.name]),
    })),
  };
}

function boolqComparison(count: 1 | 2): Comparison {
  const rows = boolqTwoQuestionRows();
  const task = boolqTwoQuestionsTask(count);
  const names = task.outputs.map((output) => output.name as 'answer_a' | 'answer_b');
  const question = { answer_a: 'question_a', answer_b: 'question_b' } as const;
  return {
    task,
    items: rows.map((row) => ({
      id: row.id,
      fields: Object.fromEntries(
        task.fields.map((field) => [field.name, row[field.name as keyof TwoQuestionRow]]),
      ),
      gold: Object.fromEntries(names.map((name) => [name, row[name]])),
    })),
    separate: names.map((name) => ({
      output: name,
      task: boolqOneQuestionTask,
      items: rows.map((row) => ({
        id: row.id,
        fields: { passage: row.passage, question: row[question[name]] },
        gold: row[name],
      })),
    })),
  };
}

interface Measured {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Right answers per output. */
  right: Map<string, number>;
}

const emptyMeasure = (): Measured => ({ calls: 0, inputTokens: 0, outputTokens: 0, right: new Map() });

/** Adds `part` into `total` (its right answers per output too). */
function addInto(total: Measured, part: Measured): void {
  total.calls += part.calls;
  total.inputTokens += part.inputTokens;
  total.outputTokens += part.outputTokens;
  for (const [name, right] of part.right) total.right.set(name, (total.right.get(name) ?? 0) + right);
}

async function measure(
  task: SingleOutputTask | MultiOutputTask,
  items: Item[],
  seed: number,
  outputOf: (result: ItemResult) => [string, boolean][],
): Promise<Measured> {
  const model = createSimModel({ task, items, profile, seed });
  const { results, summary } = await batchPrompt({ task, items, model, strategy: 'adaptive', seed });
  const right = new Map<string, number>();
  for (const result of results)
    for (const [name, correct] of outputOf(result))
      right.set(name, (right.get(name) ?? 0) + (correct ? 1 : 0));
  return {
    calls: summary.calls,
    inputTokens: summary.inputTokens,
    outputTokens: summary.outputTokens,
    right,
  };
}

/** Both ways at one seed. */
async function compareAt(
  comparison: Comparison,
  seed: number,
): Promise<{ onePass: Measured; separate: Measured }> {
  const onePass = await measure(comparison.task, comparison.items, seed, (result) =>
    Object.entries(result.outputs ?? {}).map(([name, output]) => [name, output.correct === true]),
  );
  const separate = emptyMeasure();
  for (const run of comparison.separate) {
    addInto(
      separate,
      await measure(run.task, run.items, seed, (result) => [[run.output, result.correct === true]]),
    );
  }
  return { onePass, separate };
}

const all = (measured: Measured) => measured.inputTokens + measured.outputTokens;
const mean = (total: number) => total / seeds.length;

/** The table and verdicts of one set at each number of outputs, means over the seeds. */
async function measureSet(
  name: string,
  counts: readonly number[],
  comparisonOf: (count: number) => Comparison,
) {
  const table = [
    '| outputs | way | calls | input tokens | output tokens | all tokens | share of separate runs | accuracy per output (simulated) |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  const verdicts: string[] = [];
  for (const count of counts) {
    const comparison = comparisonOf(count);
    const rows = comparison.items.length;
    const onePass = emptyMeasure();
    const separate = emptyMeasure();
    /** The largest shortfall of one seed, in points, and where. */
    let worst = { points: 0, output: '', seed: 0 };
    for (const seed of seeds) {
      const measured = await compareAt(comparison, seed);
      addInto(onePass, measured.onePass);
      addInto(separate, measured.separate);
      for (const output of comparison.task.outputs) {
        const points =
          (100 *
            ((measured.separate.right.get(output.name) ?? 0) -
              (measured.onePass.right.get(output.name) ?? 0))) /
          rows;
        if (points > worst.points) worst = { points, output: output.name, seed };
      }
    }
    const accuracy = (measured: Measured) =>
      comparison.task.outputs
        .map(
          (output) =>
            `${output.name} ${mean((100 * (measured.right.get(output.name) ?? 0)) / rows).toFixed(1)}`,
        )
        .join(', ');
    const share = all(onePass) / all(separate);
    const figures = (measured: Measured) =>
      [measured.calls, measured.inputTokens, measured.outputTokens, all(measured)].map((value) =>
        Math.round(mean(value)),
      );
    table.push(
      `| ${count} | one pass | ${figures(onePass).join(' | ')} | ${(100 * share).toFixed(1)}% | ${accuracy(onePass)} |`,
      `| ${count} | one run per output | ${figures(separate).join(' | ')} | 100% | ${accuracy(separate)} |`,
    );
    const below = comparison.task.outputs.filter(
      (output) =>
        mean(
          (100 * ((separate.right.get(output.name) ?? 0) - (onePass.right.get(output.name) ?? 0))) / rows,
        ) > 1,
    );
    verdicts.push(
      `${count}: ${(100 * share).toFixed(1)}% of the tokens; ${below.length === 0 ? 'every output within 1 point of its own run on average' : `more than 1 point below its own run on average: ${below.map((output) => output.name).join(', ')}`}${worst.points > 0 ? ` (largest shortfall at one seed: ${worst.output} ${worst.points.toFixed(1)} points, seed ${worst.seed})` : ''}`,
    );
    process.stderr.write(`${name}: ${count} outputs measured\n`);
  }
  return { table, verdicts };
}

const tickets = await measureSet('tickets', [1, 3, 5, 10], ticketsComparison);
const boolq = existsSync(boolqFile)
  ? await measureSet('boolq', [1, 2], (count) => boolqComparison(count as 1 | 2))
  : undefined;
const seedList = seeds.length === 1 ? `seed ${seeds[0]}` : `means over seeds ${seeds.join(', ')}`;
const lines = [
  `Simulated model \`sim:${profile}\` (not a real LLM), ${seedList}, strategy \`adaptive\`, no worked examples. "One pass" asks the first k questions as one task with \`outputs:\`; "one run per output" runs k single-question tasks over the same rows. Accuracy is per output, in percent of the rows. The profile loses nothing to the number of outputs up to 10 (Pipal et al. 2026 found up to 10 variables per prompt comparable to one at a time), so differences in accuracy here are the simulated runs' own variation. Reproduce: \`npx tsx bench/multi-output-cost.ts --profile ${profile} --seeds ${seeds.join(',')}\`.`,
  '',
  `The ${ticketRows.length} tickets of \`examples/tickets\`, 1, 3, 5 and 10 questions:`,
  '',
  ...tickets.table,
  '',
  `Against the targets (3 outputs at most 45% of the tokens of three runs, 10 at most 25% of ten, accuracy per output at most 1 point below its own run): ${tickets.verdicts.join('; ')}.`,
  '',
  ...(boolq === undefined
    ? [`BoolQ two-question set: not measured (${boolqFile} missing).`]
    : [
        `BoolQ passages asked two questions (the ${boolqTwoQuestionRows().length} passages of BoolQ's validation split with at least two questions, their first two; built by \`bench/boolq-two-questions.ts\` from ../shared/data). One run per output asks the passage and one question; both ways are simulated with the same calibration (the simulator's for tasks other than the built-in ones, not BoolQ's):`,
        '',
        ...boolq.table,
        '',
        `${boolq.verdicts.join('; ')}.`,
      ]),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (process.argv.includes('--write')) writeOwnedSection('Several outputs per item', lines);
