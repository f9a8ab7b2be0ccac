/**
 * What each reply format costs on the headline tasks: RTE, BoolQ (320 sampled) and QQP on the
 * simulated frontier model with the default strategy (the adaptive rule, every setting at its
 * default), once with line replies and once with JSON replies. Output tokens are the o200k count
 * of every reply; dollars apply gpt-4.1-mini's list price from the price table, input and output
 * each at its own rate. Answers and accuracy are the **simulated** model's.
 *
 *   npx tsx bench/format-cost.ts                   # the table
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
import { defaultPrices } from '../src/plan/price-table.js';
import type { OutputFormat } from '../src/prompt/render-batch.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import { writeOwnedSection } from './owned-section.js';
import { loadPaperTask, paperTasks, repositoryRoot } from './paper-data.js';

const priceModel = 'openai:gpt-4.1-mini';
const profile = 'frontier';
const seed = 0;

export interface FormatCostRow {
  task: string;
  /** `lines`, `json`, or what a baseline run calls itself (`--label`). */
  label: string;
  format: OutputFormat;
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
}

async function measure(
  formats: readonly OutputFormat[],
  label: string | undefined,
): Promise<FormatCostRow[]> {
  const price = defaultPrices[priceModel]!;
  const rows: FormatCostRow[] = [];
  for (const name of paperTasks) {
    const { task, items } = await loadPaperTask(name);
    for (const format of formats) {
      const model = createSimModel({ profile, task, items, seed });
      const { summary } = await batchPrompt({ task, items, model, format, seed });
      const inputUsd = (summary.inputTokens * price.input) / 1e6;
      const outputUsd = (summary.outputTokens * price.output) / 1e6;
      rows.push({
        task: name,
        label: label ?? format,
        format,
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
      });
      process.stderr.write(`${name} ${label ?? format}: done\n`);
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

/** What changed against the earlier JSON entries, task by task. */
function comparisons(rows: readonly FormatCostRow[], baseline: readonly FormatCostRow[]): string[] {
  return paperTasks.flatMap((task) => {
    const lines = rows.find((row) => row.task === task && row.format === 'lines');
    const json = rows.find((row) => row.task === task && row.format === 'json');
    const before = baseline.find((row) => row.task === task);
    if (lines === undefined || json === undefined || before === undefined) return [];
    return [
      `- ${task}: JSON ${json.outputTokensPerAnswer.toFixed(1)} output tokens per answer against ${before.outputTokensPerAnswer.toFixed(1)} with the earlier entries (${change(json.outputTokensPerAnswer, before.outputTokensPerAnswer)}), dollars ${change(json.costUsd, before.costUsd)}; lines ${lines.outputTokensPerAnswer.toFixed(1)} per answer, dollars ${change(lines.costUsd, before.costUsd)} against the earlier JSON run (the default before).`,
    ];
  });
}

function section(rows: readonly FormatCostRow[], baseline: readonly FormatCostRow[]): string[] {
  const price = defaultPrices[priceModel]!;
  return [
    `RTE, BoolQ (320 sampled, seed 0) and QQP on the **simulated** frontier profile (\`sim:${profile}\`, seed ${seed}) with the default strategy (the adaptive rule, every setting at its default), once per reply format. Output tokens per answer are every reply's o200k tokens (re-asks and later rounds included) over the items; dollars apply ${priceModel}'s list price ($${price.input} in, $${price.output} out per million tokens). "earlier JSON entries" is the same run with the JSON entries of before (\`{"id": 12, "code": "k9q4", "answer": ..., "confident": true}\`), measured on this tree with only the prompt and the simulator's replies changed back.`,
    '',
    ...table(
      [...rows, ...baseline].sort(
        (left, right) => paperTasks.indexOf(left.task as never) - paperTasks.indexOf(right.task as never),
      ),
    ),
    '',
    ...comparisons(rows, baseline),
    '',
    'Reproduce: `npx tsx bench/format-cost.ts --write` (both formats) and `bash bench/format-cost-baseline.sh` (the earlier entries, written to `bench/results/format-cost-baseline.json` and read by `--write`).',
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
      label: { type: 'string' },
    },
  });
  const formats = values.formats.split(',').map((format) => {
    if (format !== 'lines' && format !== 'json')
      throw new Error(`--formats: expected lines or json, got ${format}`);
    return format;
  });
  const rows = await measure(formats, values.label);
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
