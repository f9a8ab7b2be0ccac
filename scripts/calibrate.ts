/**
 * Calibration of the simulated model against the BatchPrompt paper's figures (shared PAPER.md).
 *
 *   npx tsx scripts/calibrate.ts [--task boolq|rte|qqp] [--profile gpt-4|gpt-3.5] [--seed N] [--json]
 *   npx tsx scripts/calibrate.ts --fit [--task T] [--profile P]
 *   npx tsx scripts/calibrate.ts --profile frontier [--seeds 0-4] [--json] [--fit]
 *
 * The default mode runs the real engine on the simulated model over the paper's data (BoolQ: 320
 * items sampled with seed 0; RTE: all 277; QQP: all 158) and prints, per task, simulated against
 * published accuracy for SinglePrompt and BPE at batch 16/32/64 after 1/3/5/7/9 rounds (majority
 * vote), the mean absolute deviation, and the BPE+SEAS rounds (weighted vote).
 *
 * `--fit` searches the task's calibration row (hard share, error by batch size, fragility spread)
 * that minimises the deviation of the *expected* accuracy grid, computed exactly from the model's
 * definition rather than sampled, and prints the row to paste into `src/sim/profiles.ts`.
 *
 * `--profile frontier` runs `scripts/calibrate-frontier.ts`: that profile is fitted to the
 * real-model runs of REAL-MODEL-RUNS.md, not to the paper's grid.
 *
 * Data: `BATCHPROMPT_DATA_DIR`, default `../shared/data` from the current directory.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { batchPrompt } from '../src/engine/batch-prompt.js';
import { hashSeed, shuffled } from '../src/engine/seeded-random.js';
import type { Item } from '../src/engine/types.js';
import { decideVote } from '../src/engine/vote.js';
import { measureVotingGrid } from '../src/eval/voting-grid.js';
import { normalizeAnswer } from '../src/parse/normalize-answer.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import { flipErrorForBatch, positionWeight } from '../src/sim/flip-error.js';
import { createItemCatalog } from '../src/sim/item-catalog.js';
import { itemTraits } from '../src/sim/item-traits.js';
import {
  isPaperProfileName,
  type PaperProfileName,
  type ProfileCalibration,
  paperProfiles,
  type TaskCalibration,
} from '../src/sim/profiles.js';
import {
  type PaperTask,
  paperSeasRounds,
  paperVotingRounds,
  publishedMajorityGrids,
  publishedSeasAccuracy,
} from '../src/sim/published-figures.js';
import { loadItems } from '../src/source/load-items.js';
import { builtinTasks } from '../src/task/builtin-tasks.js';
import type { SingleOutputTask as Task } from '../src/task/task-schema.js';
import { calibrateFrontier } from './calibrate-frontier.js';

const paperTasks: PaperTask[] = ['boolq', 'rte', 'qqp'];
/** The paper sampled 320 BoolQ items; this seed picks ours. */
const boolqSampleSeed = 0;

export function dataDirectory(): string {
  return process.env.BATCHPROMPT_DATA_DIR ?? resolve(process.cwd(), '../shared/data');
}

const dataFiles: Record<PaperTask, string> = {
  boolq: 'boolq.dev.jsonl',
  rte: 'rte.dev.jsonl',
  qqp: 'qqp.dev.jsonl',
};

async function paperItems(taskName: PaperTask, task: Task): Promise<Item[]> {
  const file = resolve(dataDirectory(), dataFiles[taskName]);
  return taskName === 'boolq'
    ? loadItems(file, task, { sample: 320, seed: boolqSampleSeed })
    : loadItems(file, task);
}

interface GridRow {
  batchSize: number;
  simulated: number[];
  published: number[];
}

interface SeasRow {
  batchSize: number;
  rounds: number[];
  simulated: number[];
  published: number[];
  /** Share of items that stopped after round 2. */
  stoppedAfterRound2: number;
  /** Input tokens spent up to each round of `rounds`. */
  cumulativeInputTokens: number[];
}

interface TaskReport {
  task: PaperTask;
  profile: PaperProfileName;
  items: number;
  single: { simulated: number; published: number };
  grid: GridRow[];
  meanAbsoluteDeviation: number;
  seas: SeasRow[];
  singleInputTokens: number;
  /** Votes of the batch-32 BPE run: share tagged sure, overall, among correct and among wrong votes. */
  confidence: { sure: number; sureWhenCorrect: number; sureWhenWrong: number };
}

const percent = (share: number) => Math.round(share * 1000) / 10;

async function measureTask(
  taskName: PaperTask,
  profile: PaperProfileName,
  seed: number,
): Promise<TaskReport> {
  const task = builtinTasks[taskName]!;
  const items = await paperItems(taskName, task);
  const model = createSimModel({ profile, task, items, seed });
  const published = publishedMajorityGrids[profile][taskName];
  const single = await batchPrompt({ task, items, model, strategy: 'single', seed });
  const grid: GridRow[] = [];
  const golds = items.map((item) => normalizeAnswer(task, item.gold));
  const tally = { votes: 0, sure: 0, correct: 0, sureCorrect: 0, wrong: 0, sureWrong: 0 };
  for (const [size, row] of Object.entries(published.byBatchSize)) {
    const batchSize = Number(size);
    const measured = await measureVotingGrid({
      task,
      items,
      model,
      batchSize,
      rounds: paperVotingRounds,
      seed,
    });
    grid.push({ batchSize, simulated: measured.accuracy.map(percent), published: [...row] });
    if (batchSize !== 32) continue;
    for (const result of measured.results) {
      for (const vote of result.votes) {
        const right = vote.answer === golds[result.index];
        tally.votes += 1;
        tally.sure += vote.confident ? 1 : 0;
        tally[right ? 'correct' : 'wrong'] += 1;
        if (vote.confident) tally[right ? 'sureCorrect' : 'sureWrong'] += 1;
      }
    }
  }
  const share = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 1000);
  const confidence = {
    sure: share(tally.sure, tally.votes),
    sureWhenCorrect: share(tally.sureCorrect, tally.correct),
    sureWhenWrong: share(tally.sureWrong, tally.wrong),
  };
  const deviations = [
    Math.abs(percent(single.summary.accuracy ?? 0) - published.single),
    ...grid.flatMap((row) =>
      row.simulated.map((value, index) => Math.abs(value - (row.published[index] ?? value))),
    ),
  ];
  const seas: SeasRow[] = [];
  if (profile === 'gpt-4') {
    const seasSizes = new Set([32, ...Object.keys(publishedSeasAccuracy[taskName]).map(Number)]);
    for (const batchSize of seasSizes)
      seas.push(await measureSeas(task, items, model, batchSize, seed, taskName));
  }
  return {
    task: taskName,
    profile,
    items: items.length,
    single: { simulated: percent(single.summary.accuracy ?? 0), published: published.single },
    grid,
    meanAbsoluteDeviation:
      Math.round((deviations.reduce((sum, value) => sum + value, 0) / deviations.length) * 100) / 100,
    seas,
    singleInputTokens: single.summary.inputTokens,
    confidence,
  };
}

async function measureSeas(
  task: Task,
  items: Item[],
  model: ReturnType<typeof createSimModel>,
  batchSize: number,
  seed: number,
  taskName: PaperTask,
): Promise<SeasRow> {
  const rounds = [...paperSeasRounds];
  const { results, summary } = await batchPrompt({
    task,
    items,
    model,
    strategy: 'bpe+seas',
    batchSize,
    rounds: 9,
    voting: 'weighted',
    seed,
  });
  const golds = items.map((item) => normalizeAnswer(task, item.gold));
  const simulated = rounds.map((limit) => {
    const correct = results.filter((result) => {
      const outcome = decideVote(
        result.votes.filter((vote) => vote.round <= limit),
        'weighted',
      );
      return outcome !== undefined && outcome.answer === golds[result.index];
    }).length;
    return percent(correct / results.length);
  });
  const cumulativeInputTokens = rounds.map((limit) =>
    summary.rounds.filter((round) => round.round <= limit).reduce((sum, round) => sum + round.inputTokens, 0),
  );
  const stoppedAfterRound2 =
    summary.rounds.filter((round) => round.round <= 2).reduce((sum, round) => sum + round.stopped, 0) /
    items.length;
  return {
    batchSize,
    rounds,
    simulated,
    published: [...(publishedSeasAccuracy[taskName][batchSize] ?? [])],
    stoppedAfterRound2: Math.round(stoppedAfterRound2 * 1000) / 1000,
    cumulativeInputTokens,
  };
}

function printReport(report: TaskReport): void {
  const cell = (simulated: number, published: number | undefined) =>
    `${simulated.toFixed(1)} (${published === undefined ? '  -  ' : published.toFixed(1)})`.padEnd(14);
  console.log(
    `\n${report.task} on sim:${report.profile} (simulated model, not a real LLM), ${report.items} items`,
  );
  console.log('simulated (published) accuracy %, majority vote');
  console.log(
    `${'batch'.padEnd(8)}${paperVotingRounds.map((rounds) => `rounds ${rounds}`.padEnd(14)).join('')}`,
  );
  for (const row of report.grid) {
    console.log(
      `${String(row.batchSize).padEnd(8)}${row.simulated.map((value, index) => cell(value, row.published[index])).join('')}`,
    );
  }
  console.log(`${'single'.padEnd(8)}${cell(report.single.simulated, report.single.published)}`);
  console.log(`mean absolute deviation: ${report.meanAbsoluteDeviation.toFixed(2)} points`);
  const { sure, sureWhenCorrect, sureWhenWrong } = report.confidence;
  console.log(
    `answers tagged sure at batch 32: ${(sure * 100).toFixed(1)}% (correct answers ${(sureWhenCorrect * 100).toFixed(1)}%, wrong answers ${(sureWhenWrong * 100).toFixed(1)}%)`,
  );
  for (const row of report.seas) {
    console.log(
      `BPE+SEAS batch ${row.batchSize}, weighted vote, rounds ${row.rounds.join('/')}: ${row.simulated
        .map((value, index) => cell(value, row.published[index]).trim())
        .join(
          ', ',
        )}; stopped after round 2: ${(row.stoppedAfterRound2 * 100).toFixed(1)}%; input tokens to round ${row.rounds.join('/')}: ${row.cumulativeInputTokens.join(' / ')} (single: ${report.singleInputTokens})`,
    );
  }
}

// ---- fitting: the expected accuracy grid, exactly, from the model's definition ----

interface FitContext {
  profile: ProfileCalibration;
  digests: string[];
  seed: number;
  itemCount: number;
}

/** Positions (batch size, place) of every item in round `round`, as the engine packs them. */
function roundPlacements(
  itemCount: number,
  batchSize: number,
  round: number,
  seed: number,
): [number, number][] {
  const indices = Array.from({ length: itemCount }, (_, index) => index);
  const order = round === 1 ? indices : shuffled(indices, hashSeed(seed, 0, round));
  const placements: [number, number][] = new Array(itemCount);
  order.forEach((itemIndex, orderIndex) => {
    const batchStart = orderIndex - (orderIndex % batchSize);
    const size = Math.min(batchSize, itemCount - batchStart);
    placements[itemIndex] = [size, orderIndex - batchStart];
  });
  return placements;
}

/** Expected majority-vote accuracy after each of `rounds` rounds (odd counts), in percent. */
function expectedGrid(
  context: FitContext,
  calibration: TaskCalibration,
  batchSize: number,
  rounds: readonly number[],
): number[] {
  const maxRounds = Math.max(...rounds);
  const placementsByRound = Array.from({ length: maxRounds }, (_, index) =>
    roundPlacements(context.itemCount, batchSize, index + 1, context.seed),
  );
  const totals = rounds.map(() => 0);
  context.digests.forEach((digest, itemIndex) => {
    const traits = itemTraits(context.seed, digest, calibration);
    if (traits.hard) return;
    // wrongCounts[w] = P(w wrong answers so far)
    let wrongCounts = [1];
    for (let round = 1; round <= maxRounds; round += 1) {
      const [size, place] = placementsByRound[round - 1]![itemIndex]!;
      const error = Math.min(
        context.profile.maxFlipError,
        flipErrorForBatch(calibration, size) *
          positionWeight(context.profile.positionAmplitude, place, size) *
          traits.fragility,
      );
      const next = new Array(wrongCounts.length + 1).fill(0);
      wrongCounts.forEach((probability, wrong) => {
        next[wrong] += probability * (1 - error);
        next[wrong + 1] += probability * error;
      });
      wrongCounts = next;
      const slot = rounds.indexOf(round);
      if (slot >= 0) {
        const correctShare = wrongCounts.reduce(
          (sum, probability, wrong) => (wrong < round / 2 ? sum + probability : sum),
          0,
        );
        totals[slot]! += correctShare;
      }
    }
  });
  return totals.map((total) => (100 * total) / context.itemCount);
}

function expectedSingle(context: FitContext, calibration: TaskCalibration): number {
  return expectedGrid(context, calibration, 1, [1])[0]!;
}

function fitObjective(
  context: FitContext,
  calibration: TaskCalibration,
  taskName: PaperTask,
  profileName: PaperProfileName,
): number {
  const published = publishedMajorityGrids[profileName][taskName];
  const deviations = [Math.abs(expectedSingle(context, calibration) - published.single)];
  for (const [size, row] of Object.entries(published.byBatchSize)) {
    const expected = expectedGrid(context, calibration, Number(size), paperVotingRounds);
    deviations.push(...expected.map((value, index) => Math.abs(value - (row[index] ?? value))));
  }
  if (profileName === 'gpt-4') {
    // Round 1 of BPE+SEAS at batch 160 is a plain batch round: it pins the error at 160.
    const at160 = publishedSeasAccuracy[taskName][160];
    if (at160 !== undefined)
      deviations.push(Math.abs(expectedGrid(context, calibration, 160, [1])[0]! - at160[0]!));
  }
  // Accuracy must not improve with a larger batch: errors rise with the batch size.
  const errors = calibration.flipErrorBySize.map(([, error]) => error);
  const unordered = errors.some((error, index) => index > 0 && error < errors[index - 1]!);
  // The mean deviation, plus a little of the worst one, so that no single cell is given up.
  const mean = deviations.reduce((sum, value) => sum + value, 0) / deviations.length;
  return mean + 0.2 * Math.max(...deviations) + (unordered ? 100 : 0);
}

function withParameters(base: TaskCalibration, parameters: number[]): TaskCalibration {
  const [hardShare = 0, spread = 0, ...errors] = parameters;
  return {
    ...base,
    hardShare,
    fragilitySpread: spread,
    flipErrorBySize: base.flipErrorBySize.map(([size], index) => [size, errors[index] ?? 0] as const),
  };
}

async function fitTask(taskName: PaperTask, profileName: PaperProfileName, seed: number): Promise<void> {
  const task = builtinTasks[taskName]!;
  const items = await paperItems(taskName, task);
  const catalog = createItemCatalog(task, items);
  const context: FitContext = {
    profile: paperProfiles[profileName],
    digests: items.map((item) => catalog.digestOf(item.fields)),
    seed,
    itemCount: items.length,
  };
  const base = paperProfiles[profileName].tasks[taskName];
  const upper = [1 - base.singleAccuracy - 0.001, 4, ...base.flipErrorBySize.map(() => 0.5)];
  // Step sizes per parameter: the hard share lives in a narrow range, the spread in a wide one.
  const scales = [0.2, 10, ...base.flipErrorBySize.map(() => 1)];
  const objective = (parameters: number[]) =>
    fitObjective(context, withParameters(base, parameters), taskName, profileName);
  // Coordinate search with shrinking steps from a few starting points: the objective is cheap
  // (no engine, no tokenizer) but not smooth (hard items switch on at thresholds), so no gradients.
  const search = (start: number[]): { parameters: number[]; score: number } => {
    let parameters = start;
    let score = objective(parameters);
    for (let step = 0.08; step > 0.001; step /= 2) {
      let improved = true;
      while (improved) {
        improved = false;
        for (let index = 0; index < parameters.length; index += 1) {
          for (const direction of [1, -1]) {
            const candidate = [...parameters];
            const moved = candidate[index]! + direction * step * scales[index]!;
            candidate[index] = Math.min(upper[index]!, Math.max(0, moved));
            const candidateScore = objective(candidate);
            if (candidateScore < score - 1e-6) {
              score = candidateScore;
              parameters = candidate;
              improved = true;
            }
          }
        }
      }
    }
    return { parameters, score };
  };
  const errors = base.flipErrorBySize.map(([, error]) => error);
  let bestFit = search([base.hardShare, base.fragilitySpread, ...errors]);
  for (const hardShare of [0.3, 0.6, 0.9].map((share) => share * upper[0]!)) {
    for (const spread of [0.5, 2]) {
      const fit = search([hardShare, spread, ...errors]);
      if (fit.score < bestFit.score) bestFit = fit;
    }
  }
  const { parameters, score: best } = bestFit;
  const fitted = withParameters(base, parameters);
  console.log(
    `\n${taskName} on sim:${profileName}: objective (mean + 0.2 x largest absolute deviation of the expected grid) ${best.toFixed(2)} points`,
  );
  console.log(
    JSON.stringify({
      hardShare: Math.round(fitted.hardShare * 1000) / 1000,
      flipErrorBySize: fitted.flipErrorBySize.map(([size, error]) => [size, Math.round(error * 1000) / 1000]),
      fragilitySpread: Math.round(fitted.fragilitySpread * 100) / 100,
    }),
  );
}

async function run(): Promise<number> {
  const { values } = parseArgs({
    options: {
      task: { type: 'string' },
      profile: { type: 'string', default: 'gpt-4' },
      seed: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
      fit: { type: 'boolean', default: false },
      seeds: { type: 'string' },
    },
  });
  const profile = values.profile ?? 'gpt-4';
  if (profile === 'frontier') {
    return calibrateFrontier([
      ...(values.seeds === undefined ? [] : ['--seeds', values.seeds]),
      ...(values.json ? ['--json'] : []),
      ...(values.fit ? ['--fit'] : []),
    ]);
  }
  if (!isPaperProfileName(profile)) {
    console.error(
      `error: Expected \`--profile\` to be one of ${[...Object.keys(paperProfiles), 'frontier'].join(', ')}, got \`${profile}\``,
    );
    return 2;
  }
  const tasks = values.task === undefined ? paperTasks : paperTasks.filter((name) => name === values.task);
  if (tasks.length === 0) {
    console.error(`error: Expected \`--task\` to be one of ${paperTasks.join(', ')}, got \`${values.task}\``);
    return 2;
  }
  const seed = Number(values.seed);
  if (!existsSync(dataDirectory())) {
    console.error(`error: no data directory at ${dataDirectory()} (set BATCHPROMPT_DATA_DIR)`);
    return 3;
  }
  if (values.fit) {
    for (const taskName of tasks) await fitTask(taskName, profile, seed);
    return 0;
  }
  const reports: TaskReport[] = [];
  for (const taskName of tasks) {
    const report = await measureTask(taskName, profile, seed);
    reports.push(report);
    if (!values.json) printReport(report);
  }
  if (values.json)
    console.log(JSON.stringify({ model: `sim:${profile}`, simulated: true, seed, reports }, null, 2));
  return 0;
}

process.exitCode = await run();
