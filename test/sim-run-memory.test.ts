import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { measureSimRun } from '../bench/measure-sim-run.js';

/*
 * `run --model sim` in child processes over 10x more rows must not need much more memory. Peak RSS
 * depends on when the collector runs, which depends on the machine's load, so this caps the heap
 * instead: V8 collects as often as it must and aborts only when the live data exceed the cap. Here
 * 10^3 rows need a heap of about 50 MB (they abort at 48 MB) and 10^4 rows about 60 MB; both must
 * finish in 72 MB, 1.5x what 10^3 rows need. An engine that kept a few KB per item would need
 * 80-100 MB at 10^4 rows and abort. The RSS figures at 10^4 and 10^5 rows come from
 * `npx tsx bench/sim-run-memory.ts`.
 */

const repoRoot = resolve(import.meta.dirname, '..');
const built = existsSync(resolve(repoRoot, 'dist/cli.js'));
const heapCap = ['--max-old-space-size=72'];

describe.skipIf(!built)('run --model sim, memory by data size', () => {
  const directory = mkdtempSync(join(tmpdir(), 'batchprompt-sim-memory-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('answers 10^3 and 10^4 rows within the same 72 MB heap', { timeout: 240_000 }, async () => {
    const small = await measureSimRun(1_000, 'batch', directory, heapCap);
    const large = await measureSimRun(10_000, 'batch', directory, heapCap);
    expect(small.answered).toBe(1_000);
    expect(large.answered).toBe(10_000);
  });
});
