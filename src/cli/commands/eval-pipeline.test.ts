import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonl, runCli } from '../../../test/harness/run-cli.js';
import { exitCodes } from '../exit-codes.js';
import type { ComparisonJson } from './eval.js';
import type { RunSummaryJson } from './run.js';

/*
 * eval is run's pipeline with the gold labels scored: the same rows, strategy and model give the
 * same answers and the same tokens, and run's trial and budget flags work the same way in eval.
 */

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'batchprompt-eval-pipeline-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function data(rows = 90): string {
  const file = join(directory, 'questions.jsonl');
  const lines = Array.from({ length: rows }, (_, index) =>
    JSON.stringify({
      id: `q${index}`,
      question: `is note ${index} about the harbour`,
      passage: `Harbour note ${index}: the harbour ${index % 3 === 0 ? 'is' : 'is not'} mentioned.`,
      label: index % 3 === 0,
    }),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const answers = (rows: Record<string, unknown>[]) =>
  rows.map((row) => [row.id, row.answer, row.confidence, row.settled, row.status]);

describe('eval and run', () => {
  it.each([
    ['bpe+seas', ['--sample', '40', '--seed', '3']],
    ['adaptive', ['--limit', '70']],
    ['single', []],
  ])('give the same answers, calls and tokens for the same rows under %s (%j)', async (strategy, rows) => {
    const file = data();
    const common = [
      '--task',
      'boolq',
      '--data',
      file,
      '--model',
      'sim:gpt-3.5',
      '--strategy',
      strategy,
      '--batch-size',
      '8',
      '--label-field',
      'label',
      '--no-cache',
      '--store-dir',
      join(directory, 'store'),
      '--json',
      '--quiet',
      ...rows,
    ];
    const runOut = join(directory, 'run.jsonl');
    const evalOut = join(directory, 'eval.jsonl');
    const ran = await runCli(['run', ...common, '--columns', 'answers-only', '--out', runOut]);
    const evaluated = await runCli(['eval', ...common, '--out', evalOut]);
    expect(ran.code).toBe(exitCodes.ok);
    expect(evaluated.code).toBe(exitCodes.ok);
    const runRows = readJsonl(runOut);
    const evalRows = readJsonl(evalOut);
    const expectedRows = rows[0] === '--sample' ? 40 : rows[0] === '--limit' ? 70 : 90;
    expect(runRows).toHaveLength(expectedRows);
    expect(answers(evalRows)).toEqual(answers(runRows));
    const run = JSON.parse(ran.stdout) as RunSummaryJson;
    const scored = (JSON.parse(evaluated.stdout) as ComparisonJson).strategies[0]!;
    expect(scored).toMatchObject({
      name: strategy,
      calls: run.totalCalls,
      inputTokens: run.totalInputTokens,
      outputTokens: run.totalOutputTokens,
      answered: run.answered,
      unsettled: run.unsettled,
      accuracy: run.accuracy,
    });
    // The details come from the same analysis of the same results.
    expect(scored.details.byRound).toEqual(run.details.byRound);
    expect(scored.details.byPosition).toEqual(run.details.byPosition);
    expect(scored.details.scores).toEqual(run.details.scores);
  });
});

describe('eval --limit, --review-out and --max-cost', () => {
  it('--limit scores only the first rows', async () => {
    const file = data();
    const out = join(directory, 'out.jsonl');
    const result = await runCli([
      'eval',
      '--task',
      'boolq',
      '--data',
      file,
      '--limit',
      '25',
      '--out',
      out,
      '--json',
    ]);
    expect(result.code).toBe(exitCodes.ok);
    expect((JSON.parse(result.stdout) as ComparisonJson).items).toBe(25);
    expect(readJsonl(out).map((row) => row.id)).toEqual(
      Array.from({ length: 25 }, (_, index) => `q${index}`),
    );
  });

  it('--review-out writes exactly the rows whose votes never settled', async () => {
    const file = data(150);
    const out = join(directory, 'out.jsonl');
    const review = join(directory, 'review.jsonl');
    const args = ['eval', '--task', 'boolq', '--data', file, '--model', 'sim:gpt-3.5', '--json', '--quiet'];
    const result = await runCli([...args, '--out', out, '--review-out', review]);
    expect(result.code).toBe(exitCodes.ok);
    const unsettled = readJsonl(out).filter((row) => row.settled === false);
    // The weaker profile leaves some items unsettled, so the comparison has rows to compare.
    expect(unsettled.length).toBeGreaterThan(0);
    expect(readJsonl(review)).toEqual(unsettled);
    expect((JSON.parse(result.stdout) as ComparisonJson).strategies[0]!.unsettled).toBe(unsettled.length);

    const compared = await runCli([...args, '--compare', '--review-out', join(directory, 'cmp.jsonl')]);
    expect(compared.code).toBe(exitCodes.input);
    expect(compared.stderr).toContain('--review-out');
    expect(existsSync(join(directory, 'cmp.jsonl'))).toBe(false);
  });

  it('--max-cost stops before the call that would cross the budget, exit 6, and keeps the results so far', async () => {
    const file = data(48);
    const out = join(directory, 'out.jsonl');
    // The simulated model bills nothing: a budget for it needs a price given with --prices.
    const planningPrices = join(directory, 'planning-prices.json');
    writeFileSync(planningPrices, JSON.stringify({ 'sim:gpt-4': { input: 30, output: 60 } }));
    const capped = await runCli([
      'eval',
      '--task',
      'boolq',
      '--data',
      file,
      '--model',
      'sim',
      '--strategy',
      'bpe',
      '--batch-size',
      '8',
      // Windows of 16 items: those answered before the budget is reached are written.
      '--window-size',
      '16',
      '--concurrency',
      '1',
      '--quiet',
      '--max-cost',
      '0.6',
      '--prices',
      planningPrices,
      '--out',
      out,
    ]);
    expect(capped.code).toBe(exitCodes.budget);
    const stop = /over --max-cost \$0\.6; (\d+) call\(s\) made for \$([\d.]+)/.exec(capped.stderr);
    expect(stop).not.toBeNull();
    expect(Number(stop![1])).toBeGreaterThan(0);
    expect(Number(stop![2])).toBeLessThanOrEqual(0.6);
    expect(capped.stderr).toContain(`partial results in ${out}.partial`);
    const kept = readFileSync(`${out}.partial`, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    expect(kept.length % 16).toBe(0);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(48);
    expect(capped.stdout).toBe('');
    expect(existsSync(out)).toBe(false);

    // Without a price of its own the simulated model cannot be held to a budget: refused before any call.
    const unpriced = await runCli([
      ...'eval --task boolq --model sim --max-cost 0.6 --data'.split(' '),
      file,
    ]);
    expect(unpriced.code).toBe(exitCodes.input);
    expect(unpriced.stderr).toContain(
      '--max-cost needs a price for `sim:gpt-4` (the simulated model bills nothing)',
    );

    // The budget is priced from --prices too.
    const prices = join(directory, 'prices.json');
    writeFileSync(prices, JSON.stringify({ 'sim:gpt-4': { input: 0.001, output: 0.001 } }));
    const cheap = await runCli([
      'eval',
      '--task',
      'boolq',
      '--data',
      file,
      '--model',
      'sim',
      '--quiet',
      '--max-cost',
      '0.6',
      '--prices',
      prices,
      '--json',
    ]);
    expect(cheap.code).toBe(exitCodes.ok);
    expect((JSON.parse(cheap.stdout) as ComparisonJson).strategies[0]!.answered).toBe(48);
  });
});
