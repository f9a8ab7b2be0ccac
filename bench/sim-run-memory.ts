/**
 * Peak memory of `batchprompt run --model sim` by data size: generated BoolQ-shaped rows, each size
 * in a fresh child process running the built command line (`npm run build` first), which reports
 * its peak resident set size. Memory must stay bounded: the simulator keeps only a digest and a
 * gold answer per item, the engine a window of items, the writer a line at a time.
 *
 *   npx tsx bench/sim-run-memory.ts [--sizes 10000,100000] [--strategy bpe+seas] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type MemoryRow, measureSimRun } from './measure-sim-run.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    strategy: { type: 'string', default: 'bpe+seas' },
    json: { type: 'boolean', default: false },
  },
});

const sizes = values.sizes.split(',').map(Number);
const workDirectory = mkdtempSync(join(tmpdir(), 'batchprompt-sim-memory-'));

try {
  const rows: MemoryRow[] = [];
  // One size after the other: two runs at once would share the two cores and each other's memory.
  for (const size of sizes) rows.push(await measureSimRun(size, values.strategy, workDirectory));
  const smallest = rows[0]!;
  if (values.json) console.log(JSON.stringify({ strategy: values.strategy, rows }, null, 2));
  else {
    console.log(`run --model sim --strategy ${values.strategy} (simulated model, generated rows)`);
    console.log('rows        peak RSS   vs first   wall      answered   calls');
    for (const row of rows) {
      console.log(
        `${String(row.rows).padEnd(11)} ${row.peakRssMb.toFixed(1).padStart(6)} MB  ${(row.peakRssMb / smallest.peakRssMb).toFixed(2).padStart(6)}x  ${row.wallSeconds.toFixed(1).padStart(6)} s  ${String(row.answered).padStart(9)}  ${String(row.calls).padStart(6)}`,
      );
    }
  }
} finally {
  rmSync(workDirectory, { recursive: true, force: true });
}
