/**
 * What each reply format costs on the headline tasks: RTE, BoolQ (320 sampled), QQP and RTE under
 * the long guideline of examples/tasks/rte-guideline.yaml on the simulated frontier model with the
 * default strategy (the adaptive rule, every setting at its default), once with line replies and
 * once with JSON replies, for seeds 0 to 4 (seed 0 is what `eval` runs by default). Line replies
 * are what `--format auto` takes for a model billed per output token. One more run per task asks
 * a model made to drift from lines (`lineDrift`) under `auto`, to show what the switch to JSON
 * costs. Output tokens are the o200k count of every reply; dollars apply gpt-4.1-mini's list price
 * from the price table, input and output each at its own rate. Answers and accuracy are the
 * **simulated** model's.
 *
 *   npx tsx bench/format-cost.ts                   # the tables
 *   npx tsx bench/format-cost.ts --json            # rows as JSON
 *   npx tsx bench/format-cost.ts --write           # also bench/results/format-cost.json and
 *                                                  # BENCHMARKS.md's "Reply formats" section
 *   bash bench/format-cost-baseline.sh             # the rows of the earlier JSON entries
 *
 * Data: BATCHPROMPT_DATA_DIR, default ../shared/data next to the repository.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { batchPrompt } from '../src/engine/batch-prompt.js';
import type { Item } from '../src/engine/types.js';
import { describeReplyFormat } from '../src/parse/reply-format-rule.js';
import { defaultPrices } from '../src/plan/price-table.js';
import type { OutputFormat } from '../src/prompt/render-batch.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import type { PaperTask } from '../src/sim/published-figures.js';
import type { Task } from '../src/task/task-schema.js';
import { writeOwnedSection } from './owned-section.js';
import { loadGuidelineRte, loadPaperTask, paperTasks, repositoryRoot } from './paper-data.js';

const priceModel = 'openai:gpt-4.1-mini';
const profile = 'frontier';
const defaultSeeds = '0,1,2,3,4';
/** The drifting model's chance per request of a line reply in sentences without the batch code. */
const lineDrift = 0.3;

/** The paper's three tasks, and the held-out RTE task with a long guideline (`rte-guideline`). */
const guidelineTask = 'rte-guideline';
const taskNames: readonly string[] = [...paperTasks, guidelineTask];

function loadTaskData(name: string): Promise<{ task: Task; items: Item[] }> {
  return name === guidelineTask ? loadGuidelineRte() : loadPaperTask(name as PaperTask);
}

export interface FormatCostRow {
  task: string;
  /** `lines`, `json`, or what a baseline run calls itself (`--label`). */
  label: string;
  format: OutputFormat;
  seed: number;
  items: number;
  calls: number;
  reasks: number;
  inputTokens: number;
  outputTokens: number;
  /** Output tokens over items: every reply of the run, re-asks and later rounds included. */
  outputTokensPerAnswer: number;
  /** Dollars at gpt-4.1-mini's list price. */
  costUsd: number;
  /** The output tokens' share of those dollars. */
  outputShare: number;
  /** Simulated. */
  accuracy: number;
  unanswered: number;
  /** The run's reply format as its summary states it (`lines (auto); switched to json after ...`). */
  replyFormat?: string;
}

/** One run: a format given, or `auto` on a model that drifts from lines. */
interface RunShape {
  label: string;
  format: OutputFormat | 'auto';
  drift: number;
}

async function measure(shapes: readonly RunShape[], seeds: readonly number[]): Promise<FormatCostRow[]> {
  const price = defaultPrices[priceModel]!;
  const rows: FormatCostRow[] = [];
  for (const name of taskNames) {
    const { task, items } = await loadTaskData(name);
    for (const seed of seeds) {
      for (const shape of shapes) {
        // The drifting model runs once, at the first seed.
        if (shape.drift > 0 && seed !== seeds[0]) continue;
        const model = createSimModel({ profile, task, items, seed, lineDrift: shape.drift });
        const { summary } = await batchPrompt({ task, items, model, format: shape.format, seed });
        const inputUsd = (summary.inputTokens * price.input) / 1e6;
        const outputUsd = (summary.outputTokens * price.output) / 1e6;
        rows.push({
          task: name,
          label: shape.label,
          format: summary.strategy.format,
          seed,
          items: items.length,
          calls: summary.calls,
          reasks: summary.reasks,
          inputTokens: summary.inputTokens,
          outputTokens: summary.outputTokens,
          outputTokensPerAnswer: summary.outputTokens / items.length,
          costUsd: inputUsd + outputUsd,
          outputShare: outputUsd / (inputUsd + outputUsd),
          accuracy: summary.accuracy ?? 0,
          unanswered: summary.unanswered + summary.failed,
          replyFormat: describeReplyFormat(summary.replyFormat),
        });
        process.stderr.write(`${name} seed ${seed} ${shape.label}: done\n`);
      }
    }
  }
  return rows;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function change(now: number, before: number): string {
  const share = (now - before) / before;
  return `${share >= 0 ? '+' : ''}${(share * 100).toFixed(0)}%`;
}

function table(rows: readonly FormatCostRow[]): string[] {
  const lines = [
    '| task | replies | calls | re-asks | input tokens | output tokens | output tokens per answer | dollars | output share of dollars | accuracy (simulated) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.task} | ${row.label} | ${row.calls} | ${row.reasks} | ${row.inputTokens.toLocaleString('en-US')} | ${row.outputTokens.toLocaleString('en-US')} | ${row.outputTokensPerAnswer.toFixed(1)} | $${row.costUsd.toFixed(4)} | ${percent(row.outputShare)} | ${percent(row.accuracy)} |`,
    );
  }
  return lines;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** What changed against the earlier JSON entries, task by task, at seed 0. */
function comparisons(rows: readonly FormatCostRow[], baseline: readonly FormatCostRow[]): string[] {
  return taskNames.flatMap((task) => {
    const find = (from: readonly FormatCostRow[], label: string) =>
      from.find((row) => row.task === task && row.label === label && row.seed === 0);
    const lines = find(rows, 'lines');
    const json = find(rows, 'json');
    const before = baseline.find((row) => row.task === task && row.seed === 0);
    if (lines === undefined || json === undefined || before === undefined) return [];
    return [
      `- ${task}: JSON ${json.outputTokensPerAnswer.toFixed(1)} output tokens per answer against ${before.outputTokensPerAnswer.toFixed(1)} with the earlier entries (${change(json.outputTokensPerAnswer, before.outputTokensPerAnswer)}), dollars ${change(json.costUsd, before.costUsd)}; lines (the default) ${lines.outputTokensPerAnswer.toFixed(1)} per answer, dollars ${change(lines.costUsd, before.costUsd)} against the earlier JSON run (the default before) and ${change(lines.costUsd, json.costUsd)} against JSON.`,
    ];
  });
}

/** Each task and reply format over every seed: output tokens per answer and dollars, seed by seed and on average. */
function seedTable(rows: readonly FormatCostRow[], baseline: readonly FormatCostRow[]): string[] {
  const all = [...rows, ...baseline].filter((row) => row.label !== 'auto, drifting model');
  const seeds = [...new Set(all.map((row) => row.seed))].sort((left, right) => left - right);
  const lines = [
    `| task | replies | ${seeds.map((seed) => `seed ${seed}`).join(' | ')} | mean output tokens per answer | mean dollars | dollars against earlier JSON |`,
    `| --- | --- | ${seeds.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`,
  ];
  for (const task of taskNames) {
    const before = all.filter((row) => row.task === task && row.label === 'earlier JSON entries');
    for (const label of ['lines', 'json', 'earlier JSON entries']) {
      const runs = all.filter((row) => row.task === task && row.label === label);
      if (runs.length === 0) continue;
      const perSeed = seeds.map(
        (seed) => runs.find((row) => row.seed === seed)?.outputTokensPerAnswer.toFixed(1) ?? '-',
      );
      const dollars = mean(runs.map((row) => row.costUsd));
      const against = before.length === 0 ? '-' : change(dollars, mean(before.map((row) => row.costUsd)));
      lines.push(
        `| ${task} | ${label} | ${perSeed.join(' | ')} | ${mean(runs.map((row) => row.outputTokensPerAnswer)).toFixed(1)} | $${dollars.toFixed(4)} | ${against} |`,
      );
    }
  }
  return lines;
}

/** The drifting model's runs: what the switch to JSON said and cost. */
function driftLines(rows: readonly FormatCostRow[]): string[] {
  return rows
    .filter((row) => row.label === 'auto, drifting model')
    .map((row) => {
      const lines = rows.find(
        (other) => other.task === row.task && other.seed === row.seed && other.label === 'lines',
      );
      const versus =
        lines === undefined
          ? ''
          : ` (the steady model in lines: ${lines.calls} calls, $${lines.costUsd.toFixed(4)})`;
      return `- ${row.task}, seed ${row.seed}: format ${row.replyFormat}; ${row.calls} calls, ${row.reasks} re-asks, ${row.outputTokensPerAnswer.toFixed(1)} output tokens per answer, $${row.costUsd.toFixed(4)}, ${row.unanswered} items without an answer${versus}.`;
    });
}

function section(rows: readonly FormatCostRow[], baseline: readonly FormatCostRow[]): string[] {
  const price = defaultPrices[priceModel]!;
  const seedZero = [...rows, ...baseline].filter((row) => row.seed === 0);
  return [
    `RTE, BoolQ (320 sampled, seed 0), QQP and rte-guideline (the RTE items under \`examples/tasks/rte-guideline.yaml\`, the held-out task with a long annotation guideline) on the **simulated** frontier profile (\`sim:${profile}\`) with the default strategy (the adaptive rule, every setting at its default), once per reply format. Lines are what \`--format auto\` takes for a model billed per output token (JSON was the default before). Output tokens per answer are every reply's o200k tokens (re-asks and later rounds included) over the items; dollars apply ${priceModel}'s list price ($${price.input} in, $${price.output} out per million tokens). "earlier JSON entries" is the same run with the JSON entries of before (\`{"id": 12, "code": "k9q4", "answer": ..., "confident": true}\`), measured on this tree with only the prompt and the simulator's replies changed back. Seed 0 (what \`eval\` runs by default):`,
    '',
    ...table(
      seedZero
        .filter((row) => row.label !== 'auto, drifting model')
        .sort((left, right) => taskNames.indexOf(left.task) - taskNames.indexOf(right.task)),
    ),
    '',
    ...comparisons(rows, baseline),
    '',
    'Output tokens per answer seed by seed (the seed of the simulated model and of the run), and the mean dollars over the seeds:',
    '',
    ...seedTable(rows, baseline),
    '',
    `\`auto\` on a simulated model that answers ${(lineDrift * 100).toFixed(0)}% of its line replies in sentences without the batch code (\`lineDrift: ${lineDrift}\`; JSON replies, held by their schema, never drift):`,
    '',
    ...driftLines(rows),
    '',
    'Reproduce: `npx tsx bench/format-cost.ts --write` (both formats and the drifting model) and `bash bench/format-cost-baseline.sh` (the earlier entries, written to `bench/results/format-cost-baseline.json` and read by `--write`).',
  ];
}

const resultsFile = resolve(repositoryRoot, 'bench/results/format-cost.json');
const baselineFile = resolve(repositoryRoot, 'bench/results/format-cost-baseline.json');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      formats: { type: 'string', default: 'lines,json' },
      seeds: { type: 'string', default: defaultSeeds },
      label: { type: 'string' },
      // The drifting model's chance per line reply of drifting; 0 leaves its run out.
      drift: { type: 'string', default: String(lineDrift) },
    },
  });
  const shapes: RunShape[] = values.formats.split(',').map((format) => {
    if (format !== 'lines' && format !== 'json')
      throw new Error(`--formats: expected lines or json, got ${format}`);
    return { label: values.label ?? format, format, drift: 0 };
  });
  const drift = Number(values.drift);
  if (drift > 0) shapes.push({ label: 'auto, drifting model', format: 'auto', drift });
  const seeds = values.seeds.split(',').map((seed) => Number.parseInt(seed, 10));
  const rows = await measure(shapes, seeds);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const baseline: FormatCostRow[] = existsSync(baselineFile)
    ? (JSON.parse(readFileSync(baselineFile, 'utf8')) as FormatCostRow[])
    : [];
  const body = section(rows, baseline);
  process.stdout.write(`${body.join('\n')}\n`);
  if (values.write) {
    writeFileSync(resultsFile, `${JSON.stringify(rows, null, 2)}\n`);
    writeOwnedSection('Reply formats: output tokens', body);
  }
}

await main();
