/**
 * What two parts of the adaptive rule do, measured on the simulator (accuracy is simulated; calls
 * and tokens are counted from every call's full prompt and reply, o200k):
 * - small rounds: a stable model's later round with fewer than `minRoundItems` (8) items of a window
 *   is not asked. The headline runs (BoolQ 320, RTE, QQP; batch 32, 5 rounds) on both profiles and
 *   seeds 0-4, with the rule (the default) and without it (`minRoundItems` 0).
 * - the batch in the first window: BoolQ samples of growing size, one window each, on both
 *   profiles, with the default `maxBatchSize` and with the batch held at 32; SinglePrompt beside.
 * - round 1 alone: one round at 32, 64, 100 items per call and the whole data set, on the headline
 *   data, `frontier` profile: the tokens every adaptive run pays before its pilot, and what a
 *   larger batch costs in accuracy on this profile.
 * `--write` puts the section in BENCHMARKS.md.
 *
 *   npx tsx bench/measure-adaptive-changes.ts [--seeds 5] [--sizes 320,640,1000,2000,3270] [--floor-sizes 32,64,100] [--json] [--write]
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createSimModel } from '../src/sim/create-sim-model.js';
import type { SimProfileName } from '../src/sim/profiles.js';
import { loadItems } from '../src/source/load-items.js';
import { boolqTask } from '../src/task/builtin-tasks.js';
import { type BenchRow, measureRun, singlePrompt } from './measure-runs.js';
import { writeOwnedSection } from './owned-section.js';
import { dataDirectory, loadPaperTask, paperTasks } from './paper-data.js';
import { benchPrompt } from './settings.js';

const profiles: SimProfileName[] = ['gpt-4', 'frontier'];
const headlineRun = { strategy: 'adaptive', batchSize: 32, rounds: 5, voting: 'weighted' } as const;
const tokensOf = (row: Pick<BenchRow, 'inputTokens' | 'outputTokens'>) => row.inputTokens + row.outputTokens;
const percent = (share: number) => (share * 100).toFixed(1);

interface Totals {
  calls: number;
  tokens: number;
  singleTokens: number;
  correct: number;
  items: number;
}

function add(totals: Totals, row: BenchRow, single: BenchRow): void {
  totals.calls += row.calls;
  totals.tokens += tokensOf(row);
  totals.singleTokens += tokensOf(single);
  totals.correct += Math.round(row.accuracy * row.items);
  totals.items += row.items;
}

const emptyTotals = (): Totals => ({ calls: 0, tokens: 0, singleTokens: 0, correct: 0, items: 0 });

/** The headline runs with and without the small-rounds rule, summed per profile and task over seeds. */
async function measureSmallRounds(seeds: readonly number[]): Promise<string[]> {
  const lines = [
    '| profile | task | minRoundItems | calls | all tokens vs single | accuracy (sim) | items answered alike |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const profile of profiles) {
    for (const taskName of paperTasks) {
      const { task, items } = await loadPaperTask(taskName);
      const totals = { with: emptyTotals(), without: emptyTotals() };
      let alike = 0;
      let compared = 0;
      for (const seed of seeds) {
        const model = createSimModel({ profile, task, items, seed });
        const common = { task, items, model, prompt: benchPrompt, seed };
        const single = await measureRun({ ...common, ...singlePrompt });
        const runs = [] as BenchRow[];
        for (const minRoundItems of [8, 0]) {
          const row = await measureRun({
            ...common,
            ...headlineRun,
            adaptive: { minRoundItems },
            keepAnswers: true,
          });
          runs.push(row);
          add(minRoundItems > 0 ? totals.with : totals.without, row, single);
        }
        const [withRule, without] = runs as [BenchRow, BenchRow];
        const answersWith = withRule.answers ?? [];
        compared += answersWith.length;
        alike += answersWith.filter((answer, index) => answer === without.answers?.[index]).length;
      }
      for (const [label, sum] of [
        ['8 (default)', totals.with],
        ['0', totals.without],
      ] as const) {
        lines.push(
          `| ${profile} | ${taskName} | ${label} | ${sum.calls} | ${percent(sum.tokens / sum.singleTokens)}% | ${percent(sum.correct / sum.items)} | ${label === '0' ? '' : `${alike} of ${compared}`} |`,
        );
      }
      process.stderr.write(`small rounds: ${profile} ${taskName} done\n`);
    }
  }
  return lines;
}

/**
 * Round 1 alone (strategy `batch`, one round) at growing sizes on the headline data, `frontier`
 * profile, against SinglePrompt, averaged over seeds: what any adaptive run pays before its pilot
 * asks anything, and the accuracy a larger batch costs on this profile.
 */
async function measureRoundOneFloor(seeds: readonly number[], sizes: readonly number[]): Promise<string[]> {
  const lines = [
    '| task | items per call | calls | all tokens vs single (mean) | accuracy (sim) minus single, by seed | mean |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const signed = (points: number) => `${points >= 0 ? '+' : ''}${points.toFixed(1)}`;
  for (const taskName of paperTasks) {
    const { task, items } = await loadPaperTask(taskName);
    const whole = [...sizes.filter((size) => size < items.length), items.length];
    const rows = new Map<number, { calls: number; share: number; points: number[] }>();
    for (const seed of seeds) {
      const common = { task, items, prompt: benchPrompt, seed };
      const model = () => createSimModel({ profile: 'frontier', task, items, seed });
      const single = await measureRun({ ...common, model: model(), ...singlePrompt });
      for (const batchSize of whole) {
        const row = await measureRun({
          ...common,
          model: model(),
          strategy: 'batch',
          batchSize,
          rounds: 1,
          voting: 'weighted',
        });
        const entry = rows.get(batchSize) ?? { calls: 0, share: 0, points: [] };
        entry.calls += row.calls / seeds.length;
        entry.share += tokensOf(row) / tokensOf(single) / seeds.length;
        entry.points.push((row.accuracy - single.accuracy) * 100);
        rows.set(batchSize, entry);
      }
      // The default adaptive run beside them: round 1 at 32 plus its pilot and later rounds.
      const adaptive = await measureRun({ ...common, model: model(), ...headlineRun });
      const entry = rows.get(0) ?? { calls: 0, share: 0, points: [] };
      entry.calls += adaptive.calls / seeds.length;
      entry.share += tokensOf(adaptive) / tokensOf(single) / seeds.length;
      entry.points.push((adaptive.accuracy - single.accuracy) * 100);
      rows.set(0, entry);
    }
    for (const [batchSize, entry] of rows) {
      const mean = entry.points.reduce((sum, points) => sum + points, 0) / entry.points.length;
      lines.push(
        `| ${taskName} | ${batchSize === 0 ? 'adaptive (default, from 32)' : batchSize === items.length ? `${batchSize} (all)` : batchSize} | ${entry.calls.toFixed(1)} | ${percent(entry.share)}% | ${entry.points.map(signed).join(', ')} | ${signed(mean)} |`,
      );
    }
    process.stderr.write(`round 1 alone: ${taskName} done\n`);
  }
  return lines;
}

/** The sizes a run tried, each with its anchors (or the pilot's sure answers) agreeing and whether it was kept. */
function probesText(row: BenchRow): string {
  const probes = row.adaptiveProbes ?? [];
  if (probes.length === 0) return 'none';
  return probes
    .map(
      (probe) =>
        `${probe.batchSize}${probe.askedBy === 'pilot' ? " (pilot's call)" : ''}: ${probe.agreed}/${probe.anchors} ${probe.accepted ? 'kept' : 'not kept'}`,
    )
    .join(', ');
}

/**
 * BoolQ samples of growing size in one window, on each profile and seed: where the pilot runs, the
 * sizes tried and kept, and what the run cost, with the batch allowed to grow and held at 32.
 */
async function measureFirstWindow(sizes: readonly number[], seeds: readonly number[]): Promise<string[]> {
  const lines = [
    '| profile | BoolQ items | seed | pilot | sizes tried (answers asked again agreeing) | final batch | calls (held at 32) | all tokens vs single (held at 32) | accuracy (sim): may grow / held at 32 / single |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const file = resolve(dataDirectory(), 'boolq.dev.jsonl');
  for (const size of sizes) {
    const items = await loadItems(file, boolqTask, { sample: size, seed: 0 });
    for (const profile of profiles) {
      for (const seed of seeds) {
        const model = createSimModel({ profile, task: boolqTask, items, seed });
        const common = { task: boolqTask, items, model, prompt: benchPrompt, seed };
        const single = await measureRun({ ...common, ...singlePrompt });
        const [grows, held] = [
          await measureRun({ ...common, ...headlineRun, adaptive: { firstWindow: size } }),
          await measureRun({ ...common, ...headlineRun, adaptive: { firstWindow: size, maxBatchSize: 32 } }),
        ] as const;
        const share = (row: BenchRow) => percent(tokensOf(row) / tokensOf(single));
        lines.push(
          `| ${profile} | ${items.length} | ${seed} | ${grows.adaptivePilotTiming === 'first-calls' ? 'on the first calls' : 'after round 1'} | ${probesText(grows)} | ${grows.finalBatchSize} | ${grows.calls} (${held.calls}) | ${share(grows)}% (${share(held)}%) | ${percent(grows.accuracy)} / ${percent(held.accuracy)} / ${percent(single.accuracy)} |`,
        );
      }
      process.stderr.write(`first window: ${profile} ${items.length} items done\n`);
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '5' },
      sizes: { type: 'string', default: '320,640,1000,2000,3270' },
      json: { type: 'boolean', default: false },
      'floor-sizes': { type: 'string', default: '32,64,100' },
      write: { type: 'boolean', default: false },
    },
  });
  const seeds = Array.from({ length: Number(values.seeds) }, (_, index) => index);
  const sizes = values.sizes.split(',').map(Number);
  const smallRounds = await measureSmallRounds(seeds);
  const floorSizes = values['floor-sizes'].split(',').map(Number);
  const floor = await measureRoundOneFloor(seeds, floorSizes);
  const firstWindow = await measureFirstWindow(sizes, seeds.slice(0, 3));
  const command = `npx tsx bench/measure-adaptive-changes.ts --seeds ${seeds.length} --sizes ${sizes.join(',')} --floor-sizes ${floorSizes.join(',')} --write`;
  const body = [
    `Two parts of the adaptive rule, each run with and without. Batch 32 to start, at most 5 rounds, weighted vote, ${benchPrompt.format} replies, examples ${benchPrompt.examples}. Accuracy is the **simulated** model's; calls and tokens are counted. Reproduce: \`${command}\`.`,
    '',
    `### Small rounds: a stable model's later round with fewer than \`minRoundItems\` items is not asked`,
    '',
    `The headline data (BoolQ 320, RTE 277, QQP 158), seeds ${seeds.join(', ')}, summed over the seeds; "items answered alike" counts the items whose final answer is the same with and without the rule. On \`gpt-4\` the pilot finds the model order-dependent and the rule never applies.`,
    '',
    ...smallRounds,
    '',
    '### Round 1 alone: what a run pays before its pilot asks anything',
    '',
    `One round (strategy \`batch\`) on the headline data at growing sizes (and the whole data set in one call), \`frontier\` profile, seeds ${seeds.join(', ')}: calls and all tokens as a share of SinglePrompt's (means over the seeds), and accuracy minus SinglePrompt's in points. The default adaptive run is the last row of each task: it pays round 1's first two calls at 32, the rest of round 1 at the size its pilot keeps (100 where the model was sure of at least 80% of the first 64 answers, else 32), and its pilot's answers asked again, so on a few hundred items its share of tokens cannot fall much below the table's; a larger batch saves the instruction of the calls it makes unnecessary and, on this profile, costs some accuracy.`,
    '',
    ...floor,
    '',
    '### The batch in the first window',
    '',
    'BoolQ validation samples (sample seed 0) of growing size, each run as one window (`firstWindow` = the sample), on engine and simulator seeds 0-2, with the batch allowed to grow to the default 100, and held at 32 in parentheses. The pilot runs on the first calls of round 1 where a probe of 64 would pay for itself (its 32 anchors, and its 32 new items should its size not be kept) on the items to come; otherwise, as on 320 and 640 items, round 1\'s first two calls are asked at 32 and, where at least 80% of their answers were sure, the pilot asks 16 of them again among 84 new items in a call of 100 ("pilot\'s call": its sure answers that repeated their label), a size kept on a stable verdict unless they clearly changed label.',
    '',
    ...firstWindow,
  ];
  if (values.write) writeOwnedSection('Adaptive rounds: small rounds and the first window', body);
  if (values.json) process.stdout.write(`${JSON.stringify({ smallRounds, floor, firstWindow })}\n`);
  else process.stdout.write(`${body.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
