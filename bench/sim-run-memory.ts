/**
 * Peak memory of `batchprompt run --model sim` by data size: generated BoolQ-shaped rows, each size
 * in fresh child processes running the built command line (`npm run build` first), which report
 * their peak resident set size. Memory must stay bounded: the simulator keeps 64 bits of a digest
 * and a gold answer's number per item, the duplicate-id check 64 bits of a hash and a row number
 * (both in typed arrays), the engine a window of items, the writer a line at a time.
 *
 * Each size runs without a heap cap, then under `--heap-cap` (72 MB, under the memory test's 80); with
 * `--heap-needed`, the smallest heap (`--max-old-space-size`, to 2 MB) each size finishes in is
 * found by bisection, a run per step (slow: near its limit a run spends most of its time
 * collecting). `--write` puts the table in BENCHMARKS.md.
 *
 *   npx tsx bench/sim-run-memory.ts [--sizes 10000,100000] [--strategy batch] [--heap-cap 72]
 *     [--heap-needed] [--json] [--write]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type MemoryRow, measureSimRun } from './measure-sim-run.js';
import { writeOwnedSection } from './owned-section.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    strategy: { type: 'string', default: 'batch' },
    'heap-cap': { type: 'string', default: '72' },
    'heap-needed': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
  },
});

const sizes = values.sizes.split(',').map(Number);
const heapCap = Number(values['heap-cap']);
const workDirectory = mkdtempSync(join(tmpdir(), 'batchprompt-sim-memory-'));

interface SizeFigures {
  rows: number;
  free: MemoryRow;
  capped: MemoryRow;
  /** The smallest heap cap (MB) it finished in, and the largest it aborted in. */
  heapNeededMb?: { finishes: number; aborts: number };
}

const capOption = (megabytes: number) => [`--max-old-space-size=${megabytes}`];

async function finishesIn(size: number, megabytes: number): Promise<boolean> {
  try {
    await measureSimRun(size, values.strategy, workDirectory, capOption(megabytes));
    return true;
  } catch {
    return false;
  }
}

/** Bisection between a heap it aborts in and one it finishes in, to 2 MB. */
async function heapNeeded(size: number): Promise<{ finishes: number; aborts: number }> {
  let aborts = 32;
  let finishes = 96;
  if (!(await finishesIn(size, finishes))) return { finishes: Number.NaN, aborts: finishes };
  while (finishes - aborts > 2) {
    const middle = Math.floor((aborts + finishes) / 2);
    if (await finishesIn(size, middle)) finishes = middle;
    else aborts = middle;
  }
  return { finishes, aborts };
}

/** What the table says about bounded memory, from its own figures. */
function summary(figures: SizeFigures[], base: SizeFigures): string[] {
  const largest = figures.at(-1)!;
  if (largest === base) return [];
  const ratio = largest.capped.peakRssMb / base.capped.peakRssMb;
  const freeRatio = largest.free.peakRssMb / base.free.peakRssMb;
  return [
    '',
    `Under the ${heapCap} MB heap, peak RSS at ${largest.rows} rows is ${ratio.toFixed(2)}x that at ${base.rows} (issue 12: at most 1.5x): ${ratio <= 1.5 ? 'met' : 'NOT met'}. Without a cap it is ${freeRatio.toFixed(2)}x: V8 then lets garbage pile up to several times the live heap before a full collection, the longer the run the more, so that figure measures the collector's thresholds rather than what the run holds; the heap needed, which counts live data only, is what grows with what a run keeps per row.`,
  ];
}

try {
  const figures: SizeFigures[] = [];
  // One run after the other: two at once would share the two cores and each other's memory.
  for (const size of sizes) {
    const free = await measureSimRun(size, values.strategy, workDirectory);
    const capped = await measureSimRun(size, values.strategy, workDirectory, capOption(heapCap));
    const row: SizeFigures = { rows: size, free, capped };
    if (values['heap-needed']) row.heapNeededMb = await heapNeeded(size);
    figures.push(row);
  }
  // Ratios are to 10^4 rows, the size issue 12 compares 10^5 rows with, when it was measured.
  const first = figures.find((row) => row.rows === 10_000) ?? figures[0]!;
  const table = [
    `| rows | heap needed | peak RSS, heap cap ${heapCap} MB | vs ${first.rows} rows | wall | peak RSS, no cap | vs ${first.rows} rows | wall | answered | calls |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...figures.map((row) => {
      const needed = row.heapNeededMb;
      const neededText = needed === undefined ? '-' : `${needed.finishes} MB (aborts at ${needed.aborts} MB)`;
      return `| ${row.rows} | ${neededText} | ${row.capped.peakRssMb.toFixed(1)} MB | ${(row.capped.peakRssMb / first.capped.peakRssMb).toFixed(2)}x | ${row.capped.wallSeconds.toFixed(1)} s | ${row.free.peakRssMb.toFixed(1)} MB | ${(row.free.peakRssMb / first.free.peakRssMb).toFixed(2)}x | ${row.free.wallSeconds.toFixed(1)} s | ${row.free.answered} | ${row.free.calls} |`;
    }),
  ];
  if (values.json) console.log(JSON.stringify({ strategy: values.strategy, heapCap, figures }, null, 2));
  else {
    console.log(`run --model sim --strategy ${values.strategy} (simulated model, generated rows)`);
    for (const line of table) console.log(line);
  }
  if (values.write) {
    const command = `npx tsx bench/sim-run-memory.ts --sizes ${sizes.join(',')} --strategy ${values.strategy} --heap-cap ${heapCap}${values['heap-needed'] ? ' --heap-needed' : ''} --write`;
    writeOwnedSection('Simulated runs: memory', [
      `\`batchprompt run --model sim --strategy ${values.strategy}\` over generated BoolQ-shaped rows (\`bench/write-yes-no-rows.ts\`, every text distinct), each run alone in a fresh Node process of the built command line; peak RSS is that process's maximum resident set size. "Heap needed" is the smallest \`--max-old-space-size\` the run finishes in, found by bisection to 2 MB (a few MB more or less from one bisection to another, as the collector's timing varies); \`test/sim-run-memory.test.ts\` runs 10^3, 10^4 and 10^5 rows under an 80 MB heap. Wall times are of a shared 2-core machine (${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}): near its cap a run spends most of its time collecting. Reproduce: \`${command}\`.`,
      '',
      ...table,
      ...summary(figures, first),
    ]);
  }
} finally {
  rmSync(workDirectory, { recursive: true, force: true });
}
