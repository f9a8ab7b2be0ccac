/**
 * Batch API benchmark: the headline runs (batch size 32, BPE+SEAS, 5 rounds, weighted votes) on
 * BoolQ, RTE and QQP through the simulator's HTTP server, once online (chat completions) and once
 * with `--batch-api` (Files + Batch API, through the `openai` SDK), from the same store-less
 * start. Prints calls, tokens, jobs, whether every answer matched, and what the counted tokens
 * would cost at the price table's list and batch rates of two real models.
 *
 *   npx tsx bench/batch-api-cost.ts [--json] [--write]
 *
 * `--write` saves the figures to bench/results/batch-api.json and rewrites the "Batch API" section
 * of BENCHMARKS.md from them. The answers are the simulated model's; the token counts are o200k
 * counts of the prompts as sent, so a real model's own tokenizer would give somewhat other totals.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { streamBatchPrompt } from '../src/engine/batch-prompt.js';
import type { Item, ItemResult } from '../src/engine/types.js';
import { batchPriceOf, costUsd, defaultPrices, priceOf } from '../src/plan/price-table.js';
import { renderBatch } from '../src/prompt/render-batch.js';
import type { PaperTask } from '../src/sim/published-figures.js';
import { startSimServer } from '../src/sim/serve.js';
import { countTokens } from '../src/spec/count-tokens.js';
import { createModelStack } from '../src/stack/create-model-stack.js';
import { openStore } from '../src/store/open-store.js';
import type { Task } from '../src/task/task-schema.js';
import { writeOwnedSection } from './owned-section.js';
import { loadPaperTask } from './paper-data.js';
import { benchPrompt, headline, runSeed } from './settings.js';

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, write: { type: 'boolean', default: false } },
});

const tasks: [string, PaperTask][] = [
  ['BoolQ', 'boolq'],
  ['RTE', 'rte'],
  ['QQP', 'qqp'],
];
const pricedModels = ['openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-0'] as const;

interface ModeFigures {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  accuracy: number | undefined;
  /** Provider jobs (batch mode only). */
  jobs: number;
  answers: (string | number | boolean | null)[];
}

interface TaskFigures {
  task: string;
  items: number;
  /** Tokens at the start of two calls' messages that are the same (what a prompt cache can reuse). */
  sharedPrefix: {
    sameSize: number;
    otherSize: number;
    laterRoundSameSize: number;
    laterRoundOtherSize: number;
  };
  online: Omit<ModeFigures, 'answers'>;
  batch: Omit<ModeFigures, 'answers'>;
  sameAnswers: boolean;
  /** Undefined where the price table has no price for the model: no figure rather than $0. */
  costs: { model: string; onlineUsd: number | undefined; batchUsd: number | undefined }[];
}

async function runMode(task: Task, items: readonly Item[], batchApi: boolean) {
  const server = await startSimServer({
    task,
    items,
    seed: runSeed,
    quiet: true,
    batch: { completionDelayMs: 0 },
  });
  const directory = mkdtempSync(join(tmpdir(), 'batchprompt-bench-batch-'));
  const store = openStore(join(directory, 'store'));
  try {
    const stack = await createModelStack({
      uri: 'openai-compatible:sim-gpt-4',
      baseUrl: server.url,
      task,
      store,
      concurrency: 16,
      ...(batchApi
        ? {
            batchApi: { pollIntervalMs: 10, maxPollIntervalMs: 50 },
          }
        : {}),
    });
    const stream = streamBatchPrompt({
      task,
      items,
      model: stack.model,
      strategy: 'bpe+seas',
      batchSize: headline.batchSize,
      rounds: headline.rounds,
      voting: headline.voting,
      seed: runSeed,
      ...benchPrompt,
    });
    const results: ItemResult[] = [];
    for await (const result of stream) results.push(result);
    stack.close();
    const summary = stream.summary();
    const figures: ModeFigures = {
      calls: summary.calls,
      inputTokens: summary.inputTokens,
      outputTokens: summary.outputTokens,
      cachedInputTokens: summary.cachedInputTokens,
      accuracy: summary.accuracy,
      jobs: server.stats().batch.jobsCreated,
      answers: results.map((result) => result.answer),
    };
    return figures;
  } finally {
    store.close();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Tokens of the longest common start of two calls' messages, as a provider would see them in order. */
function sharedPrefixTokens(
  task: Task,
  items: readonly Item[],
  first: [number, number],
  second: [number, number],
  includeExamples: boolean,
): number {
  const flat = (range: [number, number], tag: string) =>
    renderBatch(task, items.slice(...range), { format: benchPrompt.format, tag, includeExamples })
      .messages.map((message) => `${message.role}\n${message.content}`)
      .join('\n');
  const left = flat(first, 'k3q9');
  const right = flat(second, 'm7x2');
  let index = 0;
  while (index < left.length && index < right.length && left[index] === right[index]) index += 1;
  return countTokens(left.slice(0, index));
}

const figures: TaskFigures[] = [];
for (const [name, paperTask] of tasks) {
  // The headline's items: BoolQ sampled as the paper did, RTE and QQP whole.
  const { task, items } = await loadPaperTask(paperTask);
  const online = await runMode(task, items, false);
  const batch = await runMode(task, items, true);
  const { answers: onlineAnswers, ...onlineFigures } = online;
  const { answers: batchAnswers, ...batchFigures } = batch;
  figures.push({
    task: name,
    items: items.length,
    sharedPrefix: {
      sameSize: sharedPrefixTokens(task, items, [0, 32], [32, 64], true),
      otherSize: sharedPrefixTokens(task, items, [0, 32], [64, 77], true),
      laterRoundSameSize: sharedPrefixTokens(task, items, [0, 32], [32, 64], false),
      laterRoundOtherSize: sharedPrefixTokens(task, items, [0, 32], [64, 77], false),
    },
    online: onlineFigures,
    batch: batchFigures,
    sameAnswers: JSON.stringify(onlineAnswers) === JSON.stringify(batchAnswers),
    costs: pricedModels.map((model) => {
      // By the table's own lookup, which reads dated and `-0` names as the model they stand for.
      const price = priceOf(defaultPrices, model);
      return {
        model,
        onlineUsd: costUsd(price, online.inputTokens, online.outputTokens, online.cachedInputTokens),
        batchUsd: costUsd(
          batchPriceOf(price, model),
          batch.inputTokens,
          batch.outputTokens,
          batch.cachedInputTokens,
        ),
      };
    }),
  });
}

function usd(value: number | undefined): string {
  return value === undefined ? 'no price' : `$${value.toFixed(4)}`;
}

function section(rows: readonly TaskFigures[]): string[] {
  const lines = [
    "The headline runs (batch size 32, BPE+SEAS, 5 rounds, weighted votes, line replies, examples in round 1) through `sim serve`, online and with `--batch-api` (the Files and Batch API through the `openai` SDK). Answers are the **simulated** model's; tokens are o200k counts of the prompts as sent; costs apply the price table (`src/plan/price-table.ts`) to those counts: list price online, the providers' batch rate (50%) for batch jobs. No prompt-cache reads were reported (the simulator reports none).",
    '',
    '| task | items | calls online / batch | tokens in / out (both) | jobs | same answers | ' +
      pricedModels.map((model) => `${model} online / batch`).join(' | ') +
      ' |',
    `| --- | --- | --- | --- | --- | --- | ${pricedModels.map(() => '---').join(' | ')} |`,
  ];
  for (const row of rows) {
    const sameTokens =
      row.online.inputTokens === row.batch.inputTokens && row.online.outputTokens === row.batch.outputTokens;
    lines.push(
      `| ${row.task} | ${row.items} | ${row.online.calls} / ${row.batch.calls} | ${row.online.inputTokens.toLocaleString('en-US')} / ${row.online.outputTokens.toLocaleString('en-US')}${sameTokens ? '' : ` (batch: ${row.batch.inputTokens} / ${row.batch.outputTokens})`} | ${row.batch.jobs} | ${row.sameAnswers ? 'yes' : 'NO'} | ${row.costs
        .map((cost) => `${usd(cost.onlineUsd)} / ${usd(cost.batchUsd)}`)
        .join(' | ')} |`,
    );
  }
  lines.push(
    '',
    'What a prompt cache could reuse between two calls of a run: the tokens at the start of their messages that are the same (system message, then the examples in round 1). The number of inputs is the first line of the message holding the batch, after everything the calls share, so two batches of different sizes (the last of a round, a re-ask) share as much as two of the same size:',
    '',
    '| task | round 1, same size / other size | later rounds, same size / other size |',
    '| --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${row.task} | ${row.sharedPrefix.sameSize} / ${row.sharedPrefix.otherSize} | ${row.sharedPrefix.laterRoundSameSize} / ${row.sharedPrefix.laterRoundOtherSize} |`,
    ),
    '',
    "Every prefix here is below the providers' minimum for prompt caching (OpenAI caches from 1,024 prompt tokens, Anthropic from 1,024 to 4,096 by model), so on these tasks a prompt cache saves nothing; on a task with a long guideline it does.",
    '',
    'A job per round, plus a follow-up job per round for its re-asks: a voting run waits for up to twice as many jobs as it has rounds, each of which a provider may take up to 24 hours over.',
    '',
    'Reproduce: `npx tsx bench/batch-api-cost.ts --write`.',
  );
  return lines;
}

if (values.json) console.log(JSON.stringify(figures, null, 2));
else console.log(section(figures).join('\n'));
if (values.write) {
  const results = resolve(import.meta.dirname, 'results/batch-api.json');
  writeFileSync(results, `${JSON.stringify(figures, null, 2)}\n`);
  writeOwnedSection('Batch API', section(figures));
}
