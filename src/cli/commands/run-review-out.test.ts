import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonl, runCli } from '../../../test/harness/run-cli.js';
import { exitCodes } from '../exit-codes.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'batchprompt-review-out-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('run --review-out', () => {
  it('writes exactly the rows whose votes never settled, and the summary lists them', async () => {
    const data = join(directory, 'questions.jsonl');
    const rows = Array.from({ length: 150 }, (_, index) =>
      JSON.stringify({
        id: `q${index}`,
        question: `is note ${index} about the harbour`,
        passage: `Harbour note ${index}: the harbour ${index % 3 === 0 ? 'is' : 'is not'} mentioned.`,
        label: index % 3 === 0,
      }),
    );
    writeFileSync(data, `${rows.join('\n')}\n`);
    const out = join(directory, 'out.jsonl');
    const review = join(directory, 'review.jsonl');
    const result = await runCli([
      'run',
      '--task',
      'boolq',
      '--data',
      data,
      '--label-field',
      'label',
      '--model',
      'sim:gpt-3.5',
      '--strategy',
      'adaptive',
      '--store-dir',
      join(directory, 'store'),
      '--out',
      out,
      '--review-out',
      review,
      '--json',
      '--quiet',
    ]);
    expect(result.code).toBe(exitCodes.ok);
    const all = readJsonl(out);
    const flagged = readJsonl(review);
    expect(all).toHaveLength(150);
    const unsettled = all.filter((row) => row.settled === false);
    // The weaker profile leaves some items unsettled, so the check below has rows to compare.
    expect(unsettled.length).toBeGreaterThan(0);
    expect(flagged).toEqual(unsettled);
    expect(flagged.every((row) => typeof row.margin === 'number')).toBe(true);
    const summary = JSON.parse(result.stdout) as {
      unsettled: number;
      review: { id: string }[];
      reviewOut: string;
      adaptive: { pilotItems: number; strata: unknown[] };
    };
    expect(summary.unsettled).toBe(unsettled.length);
    expect(summary.review.map((item) => item.id)).toEqual(unsettled.map((row) => row.id));
    expect(summary.reviewOut).toBe(review);
    // The pilot asks at least 16 answers again: those of its call of 100 (150 items hold one
    // call of 32 and one of 100), and after it whole round-2 calls while the test is undecided.
    expect(summary.adaptive.pilotItems).toBeGreaterThanOrEqual(16);
    expect(summary.adaptive.strata).toHaveLength(2);
  });
});
