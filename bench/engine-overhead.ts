/**
 * Engine overhead: 10^4, 10^5 and 10^6 generated items through `streamBatchPrompt` and the
 * in-process simulated model with no latency, so the time measured is the library's own (prompt
 * rendering, o200k token counting of every call, parsing, voting) plus the simulator's. Each size
 * runs alone in a fresh child process, which reports its peak resident set size.
 *
 *   npm run bench:overhead            # or: npm run bench -- --overhead
 *   npx tsx bench/engine-overhead.ts --sizes 10000,100000 [--json]
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { streamBatchPrompt } from '../src/engine/batch-prompt.js';
import type { Item } from '../src/engine/types.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import { defineTask } from '../src/task/define-task.js';
import { repositoryRoot } from './paper-data.js';
import { type EngineOverheadFile, type EngineOverheadRow, engineOverheadPath } from './results-files.js';
import { benchPrompt } from './settings.js';

const defaultSizes = [10_000, 100_000, 1_000_000];
const setting = {
  strategy: 'bpe+seas',
  batchSize: 32,
  rounds: 5,
  voting: 'weighted',
  ...benchPrompt,
} as const;

const comparisonTask = defineTask({
  name: 'compare-numbers',
  instruction: 'Decide whether the first number is larger than the second.',
  fields: [{ name: 'claim', description: 'two numbers to compare' }],
  answer: {
    type: 'labels',
    labels: [
      { value: 'yes', description: 'the first number is larger' },
      { value: 'no', description: 'it is not' },
    ],
  },
  examples: [
    { fields: { claim: 'Is 412 larger than 97?' }, answer: 'yes' },
    { fields: { claim: 'Is 18 larger than 530?' }, answer: 'no' },
  ],
});

const claimPattern = /^Is (\d+) larger than (\d+)\?$/;

/** The gold answer follows from the text, so the simulator needs no catalog of the items. */
function goldOfClaim(fields: Readonly<Record<string, string>>): string | undefined {
  const match = claimPattern.exec(fields.claim ?? '');
  if (!match) return undefined;
  return Number(match[1]) > Number(match[2]) ? 'yes' : 'no';
}

/** Items made one at a time as the engine pulls them: nothing holds the whole input. */
async function* generateItems(count: number): AsyncGenerator<Item> {
  for (let index = 0; index < count; index += 1) {
    // Two numbers from a cheap hash of the index: varied text, reproducible.
    const first = (Math.imul(index + 1, 2654435761) >>> 0) % 10_000;
    const second = (Math.imul(index + 7, 2246822519) >>> 0) % 10_000;
    const fields = { claim: `Is ${first} larger than ${second}?` };
    yield { id: `item-${index}`, fields, gold: goldOfClaim(fields) };
  }
}

/** Runs one size in this process and prints one JSON line: the child's side. */
async function runChild(count: number): Promise<void> {
  const model = createSimModel({ profile: 'gpt-4', task: comparisonTask, items: [], goldOf: goldOfClaim });
  const startedAt = process.hrtime.bigint();
  let peakRss = process.memoryUsage.rss();
  let seen = 0;
  const stream = streamBatchPrompt({ task: comparisonTask, items: generateItems(count), model, ...setting });
  for await (const _result of stream) {
    seen += 1;
    // Results are dropped as they come, as a caller writing them to a file would.
    if (seen % 2048 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const summary = stream.summary();
  // maxRSS is in KiB on Linux and macOS; it covers the whole life of this process.
  const maxRssKiB = Math.max(process.resourceUsage().maxRSS, peakRss / 1024);
  const row: EngineOverheadRow = {
    items: seen,
    seconds: Math.round(seconds * 10) / 10,
    itemsPerSecond: Math.round(seen / seconds),
    peakRssMiB: Math.round(maxRssKiB / 1024),
    calls: summary.calls,
    inputTokens: summary.inputTokens,
    outputTokens: summary.outputTokens,
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

const runFile = promisify(execFile);

export async function runEngineOverhead(options: {
  json: boolean;
  sizes?: number[];
}): Promise<EngineOverheadFile> {
  const rows: EngineOverheadRow[] = [];
  for (const count of options.sizes ?? defaultSizes) {
    process.stderr.write(`engine overhead: ${count} items in a fresh process ...\n`);
    const { stdout } = await runFile(
      process.execPath,
      ['--import', 'tsx', resolve(repositoryRoot, 'bench/engine-overhead.ts'), '--child', String(count)],
      { cwd: repositoryRoot, maxBuffer: 1 << 20 },
    );
    const row = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as EngineOverheadRow;
    rows.push(row);
    process.stderr.write(
      `  ${row.items} items: ${row.seconds} s, ${row.itemsPerSecond} items/s, peak RSS ${row.peakRssMiB} MiB, ${row.calls} calls\n`,
    );
  }
  const cpu = cpus()[0];
  const file: EngineOverheadFile = {
    command: 'npm run bench:overhead',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: `${cpu?.model ?? 'unknown'} x ${cpus().length}`,
    setting: `streamBatchPrompt, BPE+SEAS, batch ${setting.batchSize}, ${setting.rounds} rounds, ${setting.format} replies, examples ${setting.examples}, window 4096 items; in-process sim:gpt-4 without latency, gold derived from the item text (no catalog); items from an async generator`,
    rows,
  };
  if (options.sizes === undefined) await writeFile(engineOverheadPath, `${JSON.stringify(file, null, 2)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(file)}\n`);
  return file;
}

const invokedAsScript =
  process.argv[1] !== undefined &&
  resolve(process.argv[1]) === resolve(repositoryRoot, 'bench/engine-overhead.ts');
if (invokedAsScript) {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      sizes: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const task =
    values.child !== undefined
      ? runChild(Number(values.child))
      : runEngineOverhead({
          json: values.json,
          ...(values.sizes === undefined ? {} : { sizes: values.sizes.split(',').map(Number) }),
        }).then(async () => {
          if (values.sizes === undefined) {
            const { writeBenchmarksMarkdown } = await import('./write-benchmarks-md.js');
            await writeBenchmarksMarkdown();
          }
        });
  task.catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
