/**
 * GSM8K benchmark: worked solutions per item, on the simulated gpt-4 (calibrated to the paper's
 * three GSM8K figures). Runs 320 problems sampled with a recorded seed through single, batch 32
 * (one round), BPE at batch 32 with 5 rounds (majority vote, the paper's, and weighted vote, the
 * default) and BPE+SEAS, and prints accuracy (simulated), calls, input and output tokens, and the
 * share of all tokens that are output.
 *
 *   npx tsx bench/gsm8k.ts [--sample 320] [--seed 1] [--json] [--write]
 *
 * `--write` saves the figures to bench/results/gsm8k.json and rewrites the "GSM8K: worked
 * solutions" section of BENCHMARKS.md from them. Data: `BATCHPROMPT_DATA_DIR`, default
 * `../shared/data`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { reasoningTokensPerItem } from '../src/engine/batch-prompt.js';
import type { StrategyName } from '../src/engine/types.js';
import type { Voting } from '../src/engine/vote.js';
import { runStrategy } from '../src/eval/compare.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import { publishedGsm8k } from '../src/sim/published-figures.js';
import { loadItems } from '../src/source/load-items.js';
import { gsm8kTask } from '../src/task/builtin-tasks.js';
import { writeOwnedSection } from './owned-section.js';

const { values } = parseArgs({
  options: {
    sample: { type: 'string', default: '320' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
  },
});

const sample = Number(values.sample);
const seed = Number(values.seed);
const dataDir = process.env.BATCHPROMPT_DATA_DIR ?? resolve('../shared/data');
const dataFile = join(dataDir, 'gsm8k.test.jsonl');
if (!existsSync(dataFile)) {
  console.error(`no data at ${dataFile}: set BATCHPROMPT_DATA_DIR`);
  process.exit(3);
}

const task = gsm8kTask;
const items = await loadItems(dataFile, task, { sample, seed });
const model = createSimModel({ profile: 'gpt-4', task, items, seed });

interface Setting {
  label: string;
  strategy: StrategyName;
  batchSize: number;
  rounds: number;
  voting: Voting;
  /** The paper's figure for this setting, percent, where it has one. */
  paper?: number;
}

const settings: Setting[] = [
  {
    label: 'single',
    strategy: 'single',
    batchSize: 1,
    rounds: 1,
    voting: 'majority',
    paper: publishedGsm8k.single,
  },
  {
    label: 'batch 32, 1 round',
    strategy: 'batch',
    batchSize: 32,
    rounds: 1,
    voting: 'majority',
    paper: publishedGsm8k.batch32[0],
  },
  {
    label: 'BPE 32, 5 rounds, majority vote',
    strategy: 'bpe',
    batchSize: 32,
    rounds: 5,
    voting: 'majority',
    paper: publishedGsm8k.batch32[1],
  },
  { label: 'BPE 32, 5 rounds, weighted vote', strategy: 'bpe', batchSize: 32, rounds: 5, voting: 'weighted' },
  {
    label: 'BPE+SEAS 32, 5 rounds at most',
    strategy: 'bpe+seas',
    batchSize: 32,
    rounds: 5,
    voting: 'weighted',
  },
];

const rows = [];
for (const setting of settings) {
  const run = await runStrategy(
    {
      task,
      items,
      model,
      batchSize: setting.batchSize,
      rounds: setting.rounds,
      voting: setting.voting,
      seed,
    },
    setting.strategy,
  );
  const { row } = run;
  rows.push({
    profile: 'gpt-4',
    simulated: true,
    task: 'gsm8k',
    label: setting.label,
    strategy: setting.strategy,
    batchSize: row.batchSize,
    rounds: row.rounds,
    voting: row.voting,
    accuracy: row.accuracy,
    paperAccuracy: setting.paper === undefined ? null : setting.paper / 100,
    calls: row.calls,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    outputShare: row.outputTokens / (row.inputTokens + row.outputTokens),
    outputTokensPerAnswer:
      row.outputTokens /
      Math.max(
        1,
        run.results.reduce((sum, result) => sum + result.votes.length, 0),
      ),
    reasks: run.summary.reasks,
    failed: row.failed,
  });
}

const single = rows[0]!;
const percent = (share: number | null) => (share === null ? '' : `${(share * 100).toFixed(1)}%`);
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
const ratio = (value: number, reference: number) => `${((value / reference) * 100).toFixed(1)}%`;
const command = `npx tsx bench/gsm8k.ts --sample ${sample} --seed ${seed}`;
const lines = [
  `${items.length} GSM8K test problems sampled with seed ${seed}, built-in task \`gsm8k\` (2 invented worked examples, a worked solution before each answer), on the **simulated** gpt-4 (\`sim:gpt-4\`, its GSM8K row calibrated to the paper's three figures: GPT-4, 2 worked examples, no SEAS). Accuracy is the simulator's, never a claim about a real model; calls and tokens are counted (every call's full prompt and completion, o200k). The paper scored 1,280 of the 1,319 problems.`,
  '',
  '| setting | accuracy (sim) | paper | calls | input tokens | output tokens | output share of all tokens | all tokens vs single |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (row) =>
      `| ${row.label} | ${percent(row.accuracy)} | ${percent(row.paperAccuracy)} | ${row.calls} | ${thousands(row.inputTokens)} | ${thousands(row.outputTokens)} | ${percent(row.outputShare)} | ${ratio(row.inputTokens + row.outputTokens, single.inputTokens + single.outputTokens)} |`,
  ),
  '',
  `Output tokens dominate once items are batched: a worked solution costs the same ${Math.round(rows[1]!.outputTokensPerAnswer)} or so output tokens per answer in any batch, while batching divides the instruction and examples between 32 items, so batch 32 spends ${percent(rows[1]!.outputShare)} of its tokens on output against ${percent(single.outputShare)} for single. Batching saves input tokens only; every voting round pays the solutions again (five rounds: ${ratio(rows[2]!.outputTokens, single.outputTokens)} of single's output tokens). Output tokens are priced higher than input by most providers, so the share of the bill is larger still. The output cap per item is ${reasoningTokensPerItem} tokens of solution plus the answer line (\`reasoningTokensPerItem\` in src/engine/batch-prompt.ts); re-asks (cut-off or unreadable replies) over all settings: ${rows.reduce((sum, row) => sum + row.reasks, 0)}.`,
  '',
  `Reproduce: \`${command} --write\` (\`--write\` updates this section and bench/results/gsm8k.json). The same figures from the command line: \`npx batchprompt eval --task gsm8k --data ../shared/data/gsm8k.test.jsonl --sample ${sample} --seed ${seed} --compare\` (single, batch, BPE and BPE+SEAS, weighted vote; add \`--voting majority\` for the paper's vote).`,
];
if (values.json) console.log(JSON.stringify(rows, null, 2));
else console.log(lines.join('\n'));
if (values.write) {
  const root = resolve(import.meta.dirname, '..');
  writeFileSync(join(root, 'bench/results/gsm8k.json'), `${JSON.stringify({ command, rows }, null, 2)}\n`);
  writeOwnedSection('GSM8K: worked solutions', lines);
}
