/**
 * Calibration of the simulated `frontier` profile against the runs of a current frontier LLM
 * (shared REAL-MODEL-RUNS.md, "RUNS" in `src/sim/profiles.ts`).
 *
 *   npx tsx scripts/calibrate-frontier.ts [--seeds 0-4] [--json]   # real figures beside simulated
 *   npx tsx scripts/calibrate-frontier.ts --write                   # the same into BENCHMARKS.md
 *   npx tsx scripts/calibrate-frontier.ts --fit                     # the beliefs that fit the runs
 *   npx tsx scripts/calibrate.ts --profile frontier [...]           # the same, from the paper's script
 *
 * The default mode runs the engine on `sim:frontier` over the rows the runs used (RTE: all 277
 * dev items; BoolQ: 320 sampled with seed 0, as `bench/` samples them; QQP: all 158), lines
 * replies, examples in round 1, once per seed and run of the table below, and prints each real
 * figure beside the profile's expectation (computed from its numbers, no draws) and the simulated
 * mean, min and max over the seeds. A seed changes every per-request draw, as other prompts or
 * batch codes would; a fit that held on one seed only would show here as a wide range.
 *
 * `--fit` finds, per task, the beliefs (share of items the model is sure about, accuracy of its
 * sure and of its unsure beliefs) that make the runs' counted outcomes most likely under the
 * profile's per-request noise (relabels, confidence tags, slip by batch size), and prints them
 * for `profiles.ts`, with the log-likelihood under the profile's slip curve and under no slip.
 *
 * Data: `BATCHPROMPT_DATA_DIR`, default `../shared/data` next to the repository.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeOwnedSection } from '../bench/owned-section.js';
import { loadPaperTask } from '../bench/paper-data.js';
import { batchPrompt } from '../src/engine/batch-prompt.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import { stableSlipForBatch } from '../src/sim/decide-stable-answer.js';
import {
  frontierProfile,
  type StableProfileCalibration,
  type StableTaskCalibration,
} from '../src/sim/frontier-profile.js';
import type { PaperTask } from '../src/sim/published-figures.js';

/** One counted run of RUNS: answers right, and where counted, answers tagged sure and right. */
export interface RealRun {
  task: PaperTask;
  /** Items per call; 1 is SinglePrompt. */
  batchSize: number;
  items: number;
  right: number;
  sure?: { tagged: number; right?: number };
  /** The run's reply format (the simulator answers alike in both; it is run with lines). */
  replies: 'lines' | 'json';
  /** Where in RUNS. */
  source: string;
}

/** Every run of RUNS with one round of answers counted (the votes of later rounds are not independent). */
export const realRuns: readonly RealRun[] = [
  {
    task: 'rte',
    batchSize: 1,
    items: 277,
    right: 260,
    sure: { tagged: 245, right: 238 },
    replies: 'lines',
    source: 'RTE, single',
  },
  {
    task: 'rte',
    batchSize: 32,
    items: 277,
    right: 261,
    sure: { tagged: 234, right: 230 },
    replies: 'lines',
    source: 'RTE, bpe+seas round 1',
  },
  {
    task: 'rte',
    batchSize: 64,
    items: 277,
    right: 259,
    sure: { tagged: 234, right: 228 },
    replies: 'lines',
    source: 'RTE, one round at 64',
  },
  {
    task: 'rte',
    batchSize: 128,
    items: 277,
    right: 259,
    sure: { tagged: 234, right: 229 },
    replies: 'lines',
    source: 'RTE, one round at 128',
  },
  {
    task: 'rte',
    batchSize: 277,
    items: 277,
    right: 259,
    sure: { tagged: 229, right: 225 },
    replies: 'lines',
    source: 'RTE, all in one call',
  },
  {
    task: 'boolq',
    batchSize: 1,
    items: 320,
    right: 291,
    sure: { tagged: 285, right: 269 },
    replies: 'lines',
    source: 'BoolQ, single',
  },
  {
    task: 'boolq',
    batchSize: 32,
    items: 320,
    right: 294,
    sure: { tagged: 277 },
    replies: 'lines',
    source: 'BoolQ, bpe+seas round 1',
  },
  {
    task: 'boolq',
    batchSize: 100,
    items: 320,
    right: 294,
    replies: 'lines',
    source: 'BoolQ, one round at 100',
  },
  { task: 'qqp', batchSize: 1, items: 158, right: 142, replies: 'json', source: 'QQP, single (JSON)' },
  {
    task: 'qqp',
    batchSize: 32,
    items: 158,
    right: 140,
    replies: 'json',
    source: 'QQP, adaptive round 1 (JSON)',
  },
  {
    task: 'qqp',
    batchSize: 158,
    items: 158,
    right: 139,
    sure: { tagged: 121, right: 111 },
    replies: 'lines',
    source: 'QQP, all in one call',
  },
];

// ---- the profile's expectation, from its numbers ----

/** P(sure tag and right), P(sure tag and wrong), P(unsure tag and right), P(unsure tag and wrong). */
export type OutcomeShares = readonly [number, number, number, number];

/**
 * The expected shares of the four outcomes of one answer at a batch size, for two labels (a
 * relabel or slip of a right belief is wrong, of a wrong belief right), as `decideStableAnswer`
 * draws them: belief from the row, then relabel or slip, then the tag.
 */
export function expectedOutcomes(
  profile: StableProfileCalibration,
  row: Pick<StableTaskCalibration, 'sureShare' | 'sureAccuracy' | 'unsureAccuracy'>,
  batchSize: number,
): OutcomeShares {
  const slip = stableSlipForBatch(profile, batchSize);
  const rightShare = (accuracy: number, relabel: number) => {
    const moved = 1 - (1 - relabel) * (1 - slip);
    return accuracy * (1 - moved) + (1 - accuracy) * moved;
  };
  const sure = row.sureShare;
  const unsure = 1 - sure;
  const sureRight = rightShare(row.sureAccuracy, profile.relabel.sure);
  const unsureRight = rightShare(row.unsureAccuracy, profile.relabel.unsure);
  const { sureItem, unsureItem } = profile.sureTag;
  return [
    sure * sureItem * sureRight + unsure * unsureItem * unsureRight,
    sure * sureItem * (1 - sureRight) + unsure * unsureItem * (1 - unsureRight),
    sure * (1 - sureItem) * sureRight + unsure * (1 - unsureItem) * unsureRight,
    sure * (1 - sureItem) * (1 - sureRight) + unsure * (1 - unsureItem) * (1 - unsureRight),
  ];
}

/** Log-likelihood of one run's counts: the four outcomes where counted, else what was counted. */
function runLogLikelihood(run: RealRun, shares: OutcomeShares): number {
  const log = (share: number) => Math.log(Math.max(share, 1e-12));
  const binomial = (hits: number, total: number, share: number) =>
    hits * log(share) + (total - hits) * log(1 - share);
  const [sureRight, sureWrong, unsureRight] = shares;
  if (run.sure?.right !== undefined) {
    const counts = [
      run.sure.right,
      run.sure.tagged - run.sure.right,
      run.right - run.sure.right,
      run.items - run.sure.tagged - (run.right - run.sure.right),
    ];
    return counts.reduce((sum, count, index) => sum + count * log(shares[index]!), 0);
  }
  const accuracy = binomial(run.right, run.items, sureRight + unsureRight);
  return run.sure === undefined
    ? accuracy
    : accuracy + binomial(run.sure.tagged, run.items, sureRight + sureWrong);
}

function taskLogLikelihood(
  profile: StableProfileCalibration,
  row: Pick<StableTaskCalibration, 'sureShare' | 'sureAccuracy' | 'unsureAccuracy'>,
  task: PaperTask,
): number {
  return realRuns
    .filter((run) => run.task === task)
    .reduce((sum, run) => sum + runLogLikelihood(run, expectedOutcomes(profile, row, run.batchSize)), 0);
}

interface FittedRow {
  sureShare: number;
  sureAccuracy: number;
  unsureAccuracy: number;
  logLikelihood: number;
}

/**
 * The maximum-likelihood beliefs of a task: coordinate search with shrinking steps on the logit
 * scale (the likelihood is smooth and has one peak here), the sure share held where given.
 */
export function fitBeliefs(
  profile: StableProfileCalibration,
  task: PaperTask,
  heldSureShare?: number,
): FittedRow {
  const logistic = (value: number) => 1 / (1 + Math.exp(-value));
  const rowOf = ([share = 0, sure = 0, unsure = 0]: number[]) => ({
    sureShare: heldSureShare ?? logistic(share),
    sureAccuracy: logistic(sure),
    unsureAccuracy: logistic(unsure),
  });
  const score = (parameters: number[]) => taskLogLikelihood(profile, rowOf(parameters), task);
  let parameters = [2, 3, 1];
  let best = score(parameters);
  const free = heldSureShare === undefined ? [0, 1, 2] : [1, 2];
  for (let step = 1; step > 1e-6; step /= 2) {
    let improved = true;
    while (improved) {
      improved = false;
      for (const index of free) {
        for (const direction of [1, -1]) {
          const candidate = [...parameters];
          candidate[index] = candidate[index]! + direction * step;
          const candidateScore = score(candidate);
          if (candidateScore > best + 1e-12) {
            best = candidateScore;
            parameters = candidate;
            improved = true;
          }
        }
      }
    }
  }
  return { ...rowOf(parameters), logLikelihood: best };
}

// ---- the simulated figures ----

interface SimulatedRun {
  run: RealRun;
  expected: { accuracy: number; sureTagged: number };
  /** Per seed: accuracy, share tagged sure, accuracy of the sure-tagged answers. */
  seeds: { seed: number; accuracy: number; sureTagged: number; sureAccuracy: number }[];
}

async function simulate(seeds: readonly number[]): Promise<SimulatedRun[]> {
  const simulated: SimulatedRun[] = realRuns.map((run) => {
    const row = frontierProfile.tasks[run.task];
    const [sureRight, sureWrong, unsureRight] = expectedOutcomes(frontierProfile, row, run.batchSize);
    return {
      run,
      expected: { accuracy: sureRight + unsureRight, sureTagged: sureRight + sureWrong },
      seeds: [],
    };
  });
  for (const taskName of ['rte', 'boolq', 'qqp'] as const) {
    const { task, items } = await loadPaperTask(taskName);
    for (const seed of seeds) {
      const model = createSimModel({ profile: 'frontier', task, items, seed });
      for (const entry of simulated.filter(({ run }) => run.task === taskName)) {
        const { batchSize } = entry.run;
        const { results } = await batchPrompt({
          task,
          items,
          model,
          strategy: batchSize === 1 ? 'single' : 'batch',
          batchSize,
          format: 'lines',
          examples: 'first-round',
          seed,
        });
        const firstVotes = results.map((result) => ({ vote: result.votes[0], gold: result.gold }));
        const right = firstVotes.filter(({ vote, gold }) => vote !== undefined && vote.answer === gold);
        const sure = firstVotes.filter(({ vote }) => vote?.confident === true);
        const sureRight = sure.filter(({ vote, gold }) => vote?.answer === gold);
        entry.seeds.push({
          seed,
          accuracy: right.length / results.length,
          sureTagged: sure.length / results.length,
          sureAccuracy: sure.length === 0 ? 0 : sureRight.length / sure.length,
        });
      }
    }
  }
  return simulated;
}

const percent = (share: number) => (100 * share).toFixed(1);
const meanOf = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

function reportLines(simulated: readonly SimulatedRun[], seeds: readonly number[]): string[] {
  const lines = [
    `sim:frontier (simulated model, not a real LLM) against REAL-MODEL-RUNS.md, seeds ${seeds.join(', ')}, lines replies, examples first-round`,
    '',
    '| run | batch | real % | expected % | simulated mean % (min-max) | mean - real | sure tagged: real / sim % | sure right: real / sim % |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const { run, expected, seeds: perSeed } of simulated) {
    const accuracies = perSeed.map((entry) => entry.accuracy);
    const mean = meanOf(accuracies);
    const real = run.right / run.items;
    const sureTagged = `${run.sure ? percent(run.sure.tagged / run.items) : '-'} / ${percent(meanOf(perSeed.map((entry) => entry.sureTagged)))}`;
    const sureRight = `${run.sure?.right !== undefined ? percent(run.sure.right / run.sure.tagged) : '-'} / ${percent(meanOf(perSeed.map((entry) => entry.sureAccuracy)))}`;
    lines.push(
      `| ${run.source} | ${run.batchSize} | ${percent(real)} (${run.right}/${run.items}) | ${percent(expected.accuracy)} | ${percent(mean)} (${percent(Math.min(...accuracies))}-${percent(Math.max(...accuracies))}) | ${(100 * (mean - real)).toFixed(1)} | ${sureTagged} | ${sureRight} |`,
    );
  }
  return lines;
}

/** BENCHMARKS.md's section: the report with what it measures and the command that repeats it. */
function sectionLines(simulated: readonly SimulatedRun[], seeds: readonly number[]): string[] {
  const worst = Math.max(
    ...simulated.map(({ run, seeds: perSeed }) =>
      Math.abs(meanOf(perSeed.map((entry) => entry.accuracy)) - run.right / run.items),
    ),
  );
  return [
    "Every run of shared REAL-MODEL-RUNS.md with one round of answers counted (a current frontier LLM answering our exact prompts), beside the simulated `frontier` profile on the same rows: RTE dev (277), the 320 BoolQ dev items sampled with seed 0, QQP dev (158). \"expected\" is computed from the profile's numbers without draws; the simulated mean, minimum and maximum are over the seeds, each seed drawing every request's noise anew. The real QQP single and round-1 runs had JSON replies; the simulator answers alike in both formats and is run with lines. **The simulated figures are the simulator's, not a real model's.**",
    '',
    ...reportLines(simulated, seeds),
    '',
    `Largest distance between a simulated mean and its real figure: ${(100 * worst).toFixed(1)} points. The profile's numbers and the source of each are in \`src/sim/frontier-profile.ts\`; \`--fit\` prints the beliefs that make the runs' counts most likely.`,
    '',
    `Reproduce: \`npx tsx scripts/calibrate-frontier.ts --seeds ${seeds.length > 1 && seeds.every((seed, index) => seed === seeds[0]! + index) ? `${seeds[0]}-${seeds.at(-1)}` : seeds.join(',')} --write\``,
  ];
}

function printFit(): void {
  const noSlip: StableProfileCalibration = { ...frontierProfile, slipBySize: [[1, 0]] };
  let total = 0;
  let totalNoSlip = 0;
  for (const task of ['rte', 'boolq', 'qqp'] as const) {
    const held = fitBeliefs(frontierProfile, task, frontierProfile.tasks[task].sureShare);
    const free = fitBeliefs(frontierProfile, task);
    total += free.logLikelihood;
    totalNoSlip += fitBeliefs(noSlip, task).logLikelihood;
    const show = (row: FittedRow) =>
      JSON.stringify({
        sureShare: Math.round(row.sureShare * 1000) / 1000,
        sureAccuracy: Math.round(row.sureAccuracy * 1000) / 1000,
        unsureAccuracy: Math.round(row.unsureAccuracy * 1000) / 1000,
      });
    console.log(`${task}: maximum likelihood ${show(free)}`);
    console.log(`${task}: with the profile's sure share ${show(held)}`);
  }
  console.log(
    `log-likelihood of all runs' counts, beliefs refitted: ${total.toFixed(2)} with the profile's slip curve, ${totalNoSlip.toFixed(2)} with no slip at any size (a difference under 2 is one the runs cannot tell apart)`,
  );
}

export async function calibrateFrontier(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      seeds: { type: 'string', default: '0-4' },
      json: { type: 'boolean', default: false },
      fit: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
    },
  });
  if (values.fit) {
    printFit();
    return 0;
  }
  const range = /^(\d+)-(\d+)$/.exec(values.seeds ?? '');
  const seeds = range
    ? Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, index) => Number(range[1]) + index)
    : (values.seeds ?? '').split(',').map(Number);
  if (seeds.length === 0 || seeds.some((seed) => !Number.isInteger(seed) || seed < 0)) {
    console.error(
      `error: Expected \`--seeds\` to be a range like 0-4 or a list like 0,1,2, got \`${values.seeds}\``,
    );
    return 2;
  }
  const simulated = await simulate(seeds);
  if (values.json)
    console.log(JSON.stringify({ model: 'sim:frontier', simulated: true, seeds, runs: simulated }, null, 2));
  else console.log(reportLines(simulated, seeds).join('\n'));
  if (values.write)
    writeOwnedSection('Simulated frontier against the real-model runs', sectionLines(simulated, seeds));
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = await calibrateFrontier(process.argv.slice(2));
