import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { writeJsonl } from './harness/data-files.js';
import { readJsonl, runCli } from './harness/run-cli.js';

/* A gold label the task cannot answer with is bad input, not a wrong answer scored in silence. */

const temp = useTempDir();

function writeRows(name: string, labels: unknown[]): string {
  return writeJsonl(
    temp(name),
    labels.map((label, index) => ({ id: `r${index}`, question: `q ${index}`, passage: `p ${index}`, label })),
  );
}

const runArgs = (data: string, extra: string[] = []) => [
  'run',
  ...cliFlags({
    task: 'boolq',
    data,
    model: 'sim',
    'label-field': 'label',
    'store-dir': temp('store'),
    json: true,
    quiet: true,
  }),
  ...extra,
];

describe('gold labels outside the label set', () => {
  const data = writeRows('bad-gold.jsonl', [true, 'no', 'maybe', false, 'entailment']);

  it('stop run with exit 3, naming the file, line, column and value, before any call', async () => {
    const result = await runCli(runArgs(data));
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(`${data}, line 3, field \`label\``);
    expect(result.stderr).toContain('the gold answer "maybe" is not one of the task\'s labels (yes, no)');
    expect(result.stderr).toContain('and 1 more bad row');
    expect(result.stdout).toBe('');
  });

  it('with --skip-invalid are kept as invalid rows, and the others are scored', async () => {
    const out = temp('results.jsonl');
    const result = await runCli(runArgs(data, ['--skip-invalid', '--out', out]));
    expect(result.code).toBe(exitCodes.ok);
    expect(JSON.parse(result.stdout)).toMatchObject({ answered: 3, invalid: 2 });
    const rows = readJsonl(out);
    expect(rows.map((row) => [row.id, row.status])).toEqual([
      ['r0', 'answered'],
      ['r1', 'answered'],
      ['r2', 'invalid'],
      ['r3', 'answered'],
      ['r4', 'invalid'],
    ]);
    expect(rows[2]?.error).toContain('"maybe"');
  });

  it('stop eval with exit 3 too, rather than score the row wrong', async () => {
    const result = await runCli(['eval', '--task', 'boolq', '--data', data, '--model', 'sim', '--json']);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(`${data}, line 3, field \`label\`: the gold answer "maybe"`);
  });
});

describe('the simulated model without gold labels', () => {
  const withoutLabelField = (data: string, extra: string[] = []) =>
    runArgs(data, extra).filter((arg) => arg !== '--label-field' && arg !== 'label');

  it('answers from the label column even without --label-field, as it does with it', async () => {
    const data = writeRows('labelled.jsonl', [true, false, false, true, true, false]);
    const outWith = temp('with.jsonl');
    const outWithout = temp('without.jsonl');
    const extra = ['--strategy', 'single', '--no-cache'];
    expect((await runCli(runArgs(data, [...extra, '--out', outWith]))).code).toBe(exitCodes.ok);
    expect((await runCli(withoutLabelField(data, [...extra, '--out', outWithout]))).code).toBe(exitCodes.ok);
    const answers = (file: string) => readJsonl(file).map((row) => row.answer);
    // Before, without --label-field every item got one fixed guess whatever its label.
    expect(answers(outWithout)).toEqual(answers(outWith));
    expect(new Set(answers(outWithout)).size).toBe(2);
  });

  it('stops run with exit 3 when the file has no label column, before any call', async () => {
    const data = temp('no-labels.jsonl');
    writeFileSync(data, `${JSON.stringify({ id: 'a', question: 'q', passage: 'p' })}\n`);
    const out = temp('no-labels-out.jsonl');
    const result = await runCli(withoutLabelField(data, ['--out', out]));
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(
      `${data}, line 1, field \`label\`: the simulated model (sim) answers only items with gold labels, read from column \`label\`; no column \`label\``,
    );
    expect(result.stderr).toContain('--label-field');
    expect(() => readFileSync(out)).toThrow();
  });

  it('stops run with exit 3 naming the line of a row without a label, instead of guessing its answer', async () => {
    const data = writeRows('missing-label.jsonl', [true, null, false]);
    const result = await runCli(withoutLabelField(data, ['--strategy', 'single', '--no-cache']));
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(
      `${data}, line 2, field \`label\`: the simulated model (sim) answers only items with gold labels`,
    );
    expect(result.stderr).toContain('this row has none');
  });

  it('stops eval with exit 3 on a row without a label', async () => {
    const data = writeRows('eval-missing-label.jsonl', [true, false, null]);
    const result = await runCli(['eval', '--task', 'boolq', '--data', data, '--model', 'sim', '--json']);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain('the simulated model (sim) answers only items with gold labels');
    expect(result.stderr).toContain('`r2`');
  });
});
