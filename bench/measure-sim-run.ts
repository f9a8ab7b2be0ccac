import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { writeYesNoRows } from './write-yes-no-rows.js';

const repositoryRoot = resolve(import.meta.dirname, '..');

export interface MemoryRow {
  rows: number;
  peakRssMb: number;
  wallSeconds: number;
  answered: number;
  calls: number;
}

/**
 * Runs the built command line (`bin/batchprompt.js`) once, in a child process of its own, over
 * `count` generated rows in `directory`, and reads its peak resident set size and summary.
 * `nodeOptions` go to that Node.js process (a heap cap such as `--max-old-space-size=72`).
 */
export async function measureSimRun(
  count: number,
  strategy: string,
  directory: string,
  nodeOptions: readonly string[] = [],
): Promise<MemoryRow> {
  const data = join(directory, `rows-${count}.jsonl`);
  await writeYesNoRows(data, count);
  const startedAt = Date.now();
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [
      ...nodeOptions,
      '--import',
      join(repositoryRoot, 'bench/report-peak-rss.mjs'),
      join(repositoryRoot, 'bin/batchprompt.js'),
      'run',
      '--task',
      'boolq',
      '--data',
      data,
      '--model',
      'sim',
      '--strategy',
      strategy,
      '--out',
      join(directory, `results-${count}.jsonl`),
      '--store-dir',
      join(directory, `store-${count}`),
      '--json',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const wallSeconds = (Date.now() - startedAt) / 1000;
  const peakKb = Number(/peak-rss-kb (\d+)/.exec(stderr)?.[1]);
  const summary = JSON.parse(stdout) as { answered: number; calls: number };
  return {
    rows: count,
    peakRssMb: peakKb / 1024,
    wallSeconds,
    answered: summary.answered,
    calls: summary.calls,
  };
}
