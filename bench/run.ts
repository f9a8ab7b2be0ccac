/**
 * The benchmark of issue 6: SinglePrompt, BPE and BPE+SEAS on the paper's three tasks with the
 * simulated gpt-4 and gpt-3.5 profiles. Every row is one real run of the engine with exactly that
 * many rounds; calls and tokens are counted from every call's full prompt and completion (o200k),
 * accuracy is the simulator's.
 *
 *   npm run bench                      # full grid; writes bench/results/full.json, BENCHMARKS.md
 *   npm run bench -- --quick           # gpt-4, batch 32, rounds 1/3/5; bench/results/quick.json
 *   npm run bench -- --quick --json    # the same, rows as JSON on stdout
 *   npm run bench -- --prompt-costs --label "<what changed>" [--format lines|json] [--examples ...]
 *                                      # one row of the prompt-overhead table
 *   npm run bench -- --overhead        # engine overhead (bench/engine-overhead.ts)
 *
 * Data: BATCHPROMPT_DATA_DIR, default ../shared/data next to the repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { StrategyName } from '../src/engine/types.js';
import type { Voting } from '../src/engine/vote.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import type { SimProfileName } from '../src/sim/profiles.js';
import { runEngineOverhead } from './engine-overhead.js';
import { measurePromptCosts, promptAnatomy } from './measure-prompt-costs.js';
import { type BenchRow, measureRun, type PromptSettings, singlePrompt } from './measure-runs.js';
import { boolqSampleSeed, dataDirectory, loadPaperTask, paperTasks, repositoryRoot } from './paper-data.js';
import {
  adaptiveSeedsPath,
  type BenchResults,
  type PromptAnatomy,
  type PromptCostsFile,
  promptCostsPath,
  readPromptCosts,
  resultsDirectory,
  resultsPath,
} from './results-files.js';
import { benchPrompt, runSeed } from './settings.js';
import { writeBenchmarksMarkdown } from './write-benchmarks-md.js';

interface GridPlan {
  profiles: SimProfileName[];
  batchSizes: number[];
  rounds: number[];
  strategies: StrategyName[];
  votings: Voting[];
}

const fullPlan: GridPlan = {
  profiles: ['gpt-4', 'gpt-3.5'],
  batchSizes: [16, 32, 64],
  rounds: [1, 3, 5, 7, 9],
  strategies: ['bpe', 'bpe+seas'],
  votings: ['majority', 'weighted'],
};

const quickPlan: GridPlan = { ...fullPlan, profiles: ['gpt-4'], batchSizes: [32], rounds: [1, 3, 5] };

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function measureGrid(
  plan: GridPlan,
): Promise<{ rows: BenchRow[]; selections: Record<string, string>; anatomy: Record<string, PromptAnatomy> }> {
  const rows: BenchRow[] = [];
  const selections: Record<string, string> = {};
  const anatomy: Record<string, PromptAnatomy> = {};
  for (const taskName of paperTasks) {
    const { task, items, selection } = await loadPaperTask(taskName);
    selections[taskName] = selection;
    anatomy[taskName] = promptAnatomy(task, items, benchPrompt);
    log(`${taskName}: ${selection}`);
    for (const profile of plan.profiles) {
      const model = createSimModel({ profile, task, items, seed: runSeed });
      const common = { task, items, model, prompt: benchPrompt, seed: runSeed };
      const single = await measureRun({ ...common, ...singlePrompt });
      rows.push(single);
      log(
        `  sim:${profile} single: accuracy ${single.accuracy.toFixed(3)} (simulated), ${single.calls} calls`,
      );
      for (const batchSize of plan.batchSizes) {
        for (const strategy of plan.strategies) {
          for (const rounds of plan.rounds) {
            for (const voting of plan.votings) {
              rows.push(await measureRun({ ...common, strategy, batchSize, rounds, voting }));
            }
          }
        }
        log(`  sim:${profile} batch ${batchSize}: done`);
      }
    }
    // Issue 13: SinglePrompt, BPE+SEAS and adaptive at the headline setting, on the paper's GPT-4
    // and on the frontier profile; rows the grid already measured are not run twice.
    for (const profile of adaptiveProfiles) {
      const model = createSimModel({ profile, task, items, seed: runSeed });
      const common = { task, items, model, prompt: benchPrompt, seed: runSeed };
      const wanted = [
        { strategy: 'single', batchSize: 1, rounds: 1, voting: 'majority' },
        { strategy: 'bpe+seas', ...headlineRun },
        { strategy: 'adaptive', ...headlineRun },
      ] as const;
      for (const spec of wanted) {
        const measured = rows.some(
          (row) =>
            row.profile === profile &&
            row.task === task.name &&
            row.strategy === spec.strategy &&
            row.batchSize === spec.batchSize &&
            row.rounds === spec.rounds &&
            row.voting === spec.voting,
        );
        if (!measured) rows.push(await measureRun({ ...common, ...spec }));
      }
      log(`  sim:${profile} single, bpe+seas, adaptive: done`);
    }
  }
  return { rows, selections, anatomy };
}

/** The profiles of the adaptive comparison: the paper's GPT-4 and the frontier model of the real runs. */
const adaptiveProfiles: SimProfileName[] = ['gpt-4', 'frontier'];
const headlineRun = { batchSize: 32, rounds: 5, voting: 'weighted' } as const;

/** The adaptive comparison on other seeds, to show how much one seed's figures can be trusted. */
async function measureAdaptiveSeeds(seeds: readonly number[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const taskName of paperTasks) {
    const { task, items } = await loadPaperTask(taskName);
    for (const profile of adaptiveProfiles) {
      for (const seed of seeds) {
        const model = createSimModel({ profile, task, items, seed });
        const common = { task, items, model, prompt: benchPrompt, seed };
        rows.push(await measureRun({ ...common, ...singlePrompt }));
        rows.push(await measureRun({ ...common, strategy: 'bpe+seas', ...headlineRun }));
        rows.push(await measureRun({ ...common, strategy: 'adaptive', ...headlineRun }));
      }
      log(`  ${taskName} sim:${profile}: seeds ${seeds.join(', ')} done`);
    }
  }
  return rows;
}

/** The files that decide what a prompt and a reply look like. */
const promptShapingPaths = ['src/prompt', 'src/parse', 'src/task'];

/** The commit measured, marked when the prompt-shaping files differ from it (an uncommitted step). */
function gitRevision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repositoryRoot })
      .toString()
      .trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--', ...promptShapingPaths], {
      cwd: repositoryRoot,
    })
      .toString()
      .trim();
    return changed === '' ? head : `${head} + uncommitted prompt changes`;
  } catch {
    return 'unknown';
  }
}

function promptOption(values: { format?: string; examples?: string }): PromptSettings {
  const format = values.format ?? benchPrompt.format;
  const examples = values.examples ?? benchPrompt.examples;
  if (format !== 'lines' && format !== 'json') throw new Error(`--format: lines or json, got ${format}`);
  if (examples !== 'every-call' && examples !== 'first-round' && examples !== 'none')
    throw new Error(`--examples: every-call, first-round or none, got ${examples}`);
  return { format, examples };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      overhead: { type: 'boolean', default: false },
      'prompt-costs': { type: 'boolean', default: false },
      label: { type: 'string' },
      format: { type: 'string' },
      examples: { type: 'string' },
      seeds: { type: 'string', default: '5' },
      code: { type: 'string' },
      'adaptive-seeds': { type: 'string' },
    },
    strict: true,
  });
  await mkdir(resultsDirectory, { recursive: true });

  if (values.overhead) {
    await runEngineOverhead({ json: values.json });
    await writeBenchmarksMarkdown();
    return;
  }

  if (values['adaptive-seeds'] !== undefined) {
    const count = Number(values['adaptive-seeds']);
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`--adaptive-seeds: an integer >= 1, got ${values['adaptive-seeds']}`);
    const seeds = Array.from({ length: count }, (_, index) => index);
    const rows = await measureAdaptiveSeeds(seeds);
    await writeFile(
      adaptiveSeedsPath,
      `${JSON.stringify({ command: `npm run bench -- --adaptive-seeds ${count}`, seeds, rows }, null, 2)}\n`,
    );
    await writeBenchmarksMarkdown();
    if (values.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }

  if (values['prompt-costs']) {
    const prompt = promptOption(values);
    const label = values.label ?? `format ${prompt.format}, examples ${prompt.examples}`;
    const seeds = Number(values.seeds);
    if (!Number.isInteger(seeds) || seeds < 1)
      throw new Error(`--seeds: an integer >= 1, got ${values.seeds}`);
    const command = `npm run bench -- --prompt-costs --format ${prompt.format} --examples ${prompt.examples} --seeds ${seeds} --label "${label}"`;
    const row = await measurePromptCosts({
      label,
      prompt,
      command,
      seeds,
      code: values.code ?? gitRevision(),
    });
    const file: PromptCostsFile = (await readPromptCosts()) ?? { rows: [] };
    const existing = file.rows.findIndex((candidate) => candidate.label === label);
    if (existing >= 0) file.rows[existing] = row;
    else file.rows.push(row);
    await writeFile(promptCostsPath, `${JSON.stringify(file, null, 2)}\n`);
    if (values.json) process.stdout.write(`${JSON.stringify(row)}\n`);
    for (const [taskName, { single, seas, anatomy }] of Object.entries(row.tasks)) {
      const mean = (pick: (run: BenchRow) => number) =>
        Math.round(seas.reduce((sum, run) => sum + pick(run), 0) / seas.length);
      log(
        `${taskName}: fixed prompt ${anatomy.fixedRound1} / ${anatomy.fixedLaterRounds} (round 1 / later), single ${anatomy.singleFixed}; single ${single.inputTokens} in / ${single.outputTokens} out; BPE+SEAS mean of ${seas.length} seeds ${mean((run) => run.inputTokens)} in / ${mean((run) => run.outputTokens)} out, ${mean((run) => run.calls)} calls`,
      );
    }
    await writeBenchmarksMarkdown();
    return;
  }

  const kind = values.quick ? 'quick' : 'full';
  log(
    `BatchPrompt benchmark (${kind}); data ${dataDirectory()}; BoolQ sample seed ${boolqSampleSeed}; run seed ${runSeed}`,
  );
  log('accuracy is the SIMULATED model (src/sim), not a real LLM; calls and tokens are real counts');
  const { rows, selections, anatomy } = await measureGrid(values.quick ? quickPlan : fullPlan);
  const results: BenchResults = {
    kind,
    meta: {
      command: values.quick ? 'npm run bench -- --quick' : 'npm run bench',
      dataDirectory: 'BATCHPROMPT_DATA_DIR (default ../shared/data)',
      boolqSampleSeed,
      runSeed,
      prompt: benchPrompt,
      tokenizer:
        'o200k_base over every call: full prompt (system, examples, batch, chat framing) and completion',
      note: 'accuracy comes from the calibrated simulated model (src/sim), not from a real LLM',
      selections,
      anatomy,
    },
    rows,
  };
  await writeFile(resultsPath(kind), `${JSON.stringify(results, null, 2)}\n`);
  await writeBenchmarksMarkdown();
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  else log(`${rows.length} rows written to bench/results/${kind}.json; BENCHMARKS.md regenerated`);
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
