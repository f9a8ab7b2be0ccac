import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { runCli } from './run-cli.js';

/* A gold label the task cannot answer with is bad input, not a wrong answer scored in silence. */

const temp = useTempDir();

function writeRows(name: string, labels: unknown[]): string {
  const file = temp(name);
  writeFileSync(
    file,
    `${labels
      .map((label, index) =>
        JSON.stringify({ id: `r${index}`, question: `q ${index}`, passage: `p ${index}`, label }),
      )
      .join('\n')}\n`,
  );
  return file;
}

const runArgs = (data: string, extra: string[] = []) => [
  'run',
  '--task',
  'boolq',
  '--data',
  data,
  '--model',
  'sim',
  '--label-field',
  'label',
  '--store-dir',
  temp('store'),
  '--json',
  '--quiet',
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
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; status: string; error?: string });
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
