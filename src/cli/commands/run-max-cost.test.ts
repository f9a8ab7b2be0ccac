import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';
import { exitCodes } from '../exit-codes.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'batchprompt-max-cost-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function data(): string {
  const file = join(directory, 'questions.jsonl');
  const rows = Array.from({ length: 48 }, (_, index) =>
    JSON.stringify({
      id: `q${index}`,
      question: `is statement ${index} true`,
      passage: `Statement ${index} is a short passage about statement ${index}.`,
      // The simulator answers only items with gold labels.
      label: index % 2 === 0,
    }),
  );
  writeFileSync(file, rows.join('\n'));
  return file;
}

describe('batchprompt run --max-cost', () => {
  it('stops before the call that would cross the budget, and the same command with more continues from the cache', async () => {
    const file = data();
    // The simulated model bills nothing: priced here as the model it imitates.
    const prices = join(directory, 'prices.json');
    writeFileSync(prices, JSON.stringify({ 'sim:gpt-4': { input: 30, output: 60 } }));
    // One call at a time, so which call is refused does not depend on timing.
    const command = (budget: string) => [
      'run',
      '--task',
      'boolq',
      '--data',
      file,
      '--model',
      'sim',
      '--batch-size',
      '8',
      '--concurrency',
      '1',
      '--store-dir',
      join(directory, 'store'),
      '--quiet',
      '--prices',
      prices,
      '--max-cost',
      budget,
    ];
    // The whole run costs about $0.51 at that price: $0.3 stops it halfway.
    const capped = await runCli([...command('0.3')]);
    expect(capped.code).toBe(exitCodes.budget);
    const stop =
      /could have taken the cost to \$([\d.]+), over --max-cost \$0\.3; (\d+) call\(s\) made for \$([\d.]+)/.exec(
        capped.stderr,
      );
    expect(stop, capped.stderr).not.toBeNull();
    const wouldReach = Number(stop![1]);
    const callsMade = Number(stop![2]);
    const spent = Number(stop![3]);
    expect(callsMade).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(0.3);
    expect(wouldReach).toBeGreaterThan(0.3);
    expect(capped.stderr).toContain('the same command with a higher --max-cost continues');

    const resumed = await runCli([...command('1000'), '--json']);
    expect(resumed.code).toBe(exitCodes.ok);
    const summary = JSON.parse(resumed.stdout) as {
      answered: number;
      cacheHits: number;
      calls: number;
      resumed: boolean;
    };
    expect(summary.resumed).toBe(true);
    expect(summary.answered).toBe(48);
    // Every call the capped run paid for comes back from the cache; only the rest are made.
    expect(summary.cacheHits).toBe(callsMade);
    expect(summary.calls).toBeGreaterThan(0);
  });
});
