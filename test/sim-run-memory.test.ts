import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type MemoryRow, measureSimRun } from '../bench/measure-sim-run.js';

/*
 * `run --model sim` in child processes over 10x and 100x more rows must not need more memory.
 * Peak RSS depends on when the collector runs, which depends on the machine's load, so this caps
 * the heap instead: V8 collects as often as it must and aborts only when the live data exceed the
 * cap. Here 10^3 rows need a heap of 50-58 MB, 10^4 rows 56-62 MB and 10^5 rows 62-66 MB (the
 * engine's windows are full from 3 x 10^4 rows on; each bisection finds a few MB more or less,
 * as the collector's timing varies): all must finish in 80 MB, under 1.5x what 10^4 rows need,
 * which leaves the collector room on a busy machine. Whatever keeps about 200 bytes or more per
 * row on the heap aborts at 10^5 rows. The Map entries the simulator's catalog and the
 * duplicate-id check kept per row before (about 150 bytes in all: 10^5 rows needed 73 MB, 10^4
 * rows 56 MB) would be at the edge of that, so their replacements, 64-bit hashes in typed arrays,
 * have their bytes per row pinned by their own tests (item-catalog, id-register).
 * Typed arrays live outside the capped heap, so the peak RSS of 10^5 rows must also stay within
 * 1.5x that of 10^4 (issue 12), both under the cap (without one, V8 lets garbage grow with the
 * length of the run, and RSS with it). The figures come from `npx tsx bench/sim-run-memory.ts
 * --sizes 1000,10000,100000 --heap-needed` (BENCHMARKS.md); near its cap the collector runs
 * often, so 10^5 rows take 1-2 minutes on the shared 2-core machine, 25-30 s without a cap.
 */

const repoRoot = resolve(import.meta.dirname, '..');
const built = existsSync(resolve(repoRoot, 'dist/cli.js'));
const heapCap = ['--max-old-space-size=80'];

describe.skipIf(!built)('run --model sim, memory by data size', () => {
  const directory = mkdtempSync(join(tmpdir(), 'batchprompt-sim-memory-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('answers 10^3, 10^4 and 10^5 rows within the same 80 MB heap, 10^5 within 1.5x the peak RSS of 10^4', {
    timeout: 1_200_000,
  }, async () => {
    const rows: MemoryRow[] = [];
    // One after the other: two at once would share the two cores and each other's memory.
    for (const count of [1_000, 10_000, 100_000]) {
      const row = await measureSimRun(count, 'batch', directory, heapCap);
      rows.push(row);
      console.log(
        `run --model sim, ${count} rows, heap cap 80 MB: peak RSS ${row.peakRssMb.toFixed(1)} MB, ${row.answered} answered in ${row.calls} calls`,
      );
    }
    const [small, medium, large] = rows as [MemoryRow, MemoryRow, MemoryRow];
    expect(small.answered).toBe(1_000);
    expect(medium.answered).toBe(10_000);
    // The simulator leaves a few items of 10^5 unanswered in one round, as a model would.
    expect(large.answered).toBeGreaterThan(99_900);
    expect(large.calls).toBeGreaterThan(3_000);
    expect(large.peakRssMb).toBeLessThan(1.5 * medium.peakRssMb);
  });
});
