import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { measureSimRun } from '../bench/measure-sim-run.js';

/*
 * `run --model sim` in child processes over 10x more rows must not need much more memory. The
 * figures at 10^4 and 10^5 rows come from `npx tsx bench/sim-run-memory.ts`; this runs at 10^3 and
 * 10^4 rows with one round to stay short, and bounds the peak RSS, never the time.
 */

const repoRoot = resolve(import.meta.dirname, '..');
const built = existsSync(resolve(repoRoot, 'dist/cli.js'));

describe.skipIf(!built)('run --model sim, peak memory by data size', () => {
  const directory = mkdtempSync(join(tmpdir(), 'batchprompt-sim-memory-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('needs less than 1.5x the memory for 10x the rows', { timeout: 240_000 }, async () => {
    const small = await measureSimRun(1_000, 'batch', directory);
    const large = await measureSimRun(10_000, 'batch', directory);
    expect(small.answered).toBe(1_000);
    expect(large.answered).toBe(10_000);
    expect(large.peakRssMb / small.peakRssMb).toBeLessThan(1.5);
  });
});
