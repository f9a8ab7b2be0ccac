import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonl, runCli } from '../../../test/harness/run-cli.js';
import { exitCodes } from '../exit-codes.js';

let directory: string;
let data: string;
const rows = Array.from({ length: 6 }, (_, index) =>
  JSON.stringify({
    id: `q${index}`,
    question: `is ${index} even`,
    passage: `${index} is a number.`,
    label: index % 2 === 0,
  }),
).join('\n');

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'batchprompt-output-paths-'));
  data = join(directory, 'questions.jsonl');
  writeFileSync(data, rows);
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

const store = () => join(directory, 'store');

function command(name: 'run' | 'eval', ...extra: string[]): string[] {
  return [
    name,
    '--task',
    'boolq',
    '--data',
    data,
    '--model',
    'sim',
    '--store-dir',
    store(),
    '--quiet',
    ...extra,
  ];
}

/** Refused with exit 3 before anything was read or sent: the data as it was, no store, no results. */
async function expectRefused(args: string[], says: RegExp): Promise<void> {
  const result = await runCli(args);
  expect(result.code).toBe(exitCodes.input);
  expect(result.stderr).toMatch(says);
  expect(readFileSync(data, 'utf8')).toBe(rows);
  expect(existsSync(store())).toBe(false);
}

describe('an output path that is an input or another output', () => {
  it('is refused with exit 3 when --out is the data file, however it is spelled', async () => {
    await expectRefused(command('run', '--out', data), /--out .* would write over --data/);
    await expectRefused(command('run', '--out', relative(process.cwd(), data)), /would write over --data/);
    await expectRefused(
      command('run', '--out', join(directory, '.', 'sub', '..', 'questions.jsonl')),
      /would write over/,
    );
    const link = join(directory, 'link.jsonl');
    symlinkSync(data, link);
    await expectRefused(command('run', '--out', link), /would write over --data/);
    const hardLink = join(directory, 'hard.jsonl');
    linkSync(data, hardLink);
    await expectRefused(command('run', '--out', hardLink), /would write over --data/);
    await expectRefused(command('eval', '--out', data), /--out .* would write over --data/);
  });

  it('is refused when --review-out is the data, a task file or --out, or the results file is its partial', async () => {
    await expectRefused(
      command('run', '--out', join(directory, 'a.jsonl'), '--review-out', data),
      /--review-out .* would write over --data/,
    );
    const same = join(directory, 'same.jsonl');
    await expectRefused(
      command('run', '--out', same, '--review-out', same),
      /--out .* and --review-out .* would write the same file/,
    );
    await expectRefused(command('eval', '--out', same, '--review-out', same), /would write the same file/);
    // The results' .partial would be the data file.
    const partialData = join(directory, 'r.jsonl.partial');
    writeFileSync(partialData, rows);
    const partialRun = [
      'run',
      '--task',
      'boolq',
      '--data',
      partialData,
      '--model',
      'sim',
      '--store-dir',
      store(),
      '--quiet',
    ];
    const refused = await runCli([...partialRun, '--out', join(directory, 'r.jsonl')]);
    expect(refused.code).toBe(exitCodes.input);
    expect(readFileSync(partialData, 'utf8')).toBe(rows);
    // A task file is an input too.
    mkdirSync(join(directory, 'tasks'));
    const taskFile = join(directory, 'tasks', 'task.jsonl');
    writeFileSync(taskFile, '{}');
    const task = await runCli([
      'run',
      '--task',
      taskFile,
      '--data',
      data,
      '--model',
      'sim',
      '--store-dir',
      store(),
      '--out',
      taskFile,
    ]);
    expect(task.code).toBe(exitCodes.input);
    expect(task.stderr).toMatch(/would write over --task/);
    expect(readFileSync(taskFile, 'utf8')).toBe('{}');
  });

  it('is refused when --out or --review-out is the store directory', async () => {
    for (const flag of ['--out', '--review-out']) {
      const storeNamedLikeResults = join(directory, `${flag.slice(2)}.jsonl`);
      const args = command('run', '--out', join(directory, 'results.jsonl'), flag, storeNamedLikeResults);
      args[args.indexOf(store())] = storeNamedLikeResults;
      const refused = await runCli(args);
      expect(refused.code, refused.stderr).toBe(exitCodes.input);
      expect(refused.stderr).toMatch(new RegExp(`${flag} .* would write over --store-dir`));
      expect(existsSync(storeNamedLikeResults)).toBe(false);
    }
  });

  it("is refused for the report's -o on its input", async () => {
    const input = join(directory, 'eval.json');
    writeFileSync(input, '{}');
    const result = await runCli(['report', input, '-o', input]);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toMatch(/-o .* would write over the report input/);
    expect(readFileSync(input, 'utf8')).toBe('{}');
  });

  it("is refused for the report's -o on the data, the results or the store, and allowed over an earlier report", async () => {
    const out = join(directory, 'results.jsonl');
    const run = await runCli(command('run', '--out', out, '--json'));
    expect(run.code).toBe(exitCodes.ok);
    const summary = join(directory, 'summary.json');
    writeFileSync(summary, run.stdout);
    const storeFile = join(store(), 'store.sqlite');
    const before = [data, out, storeFile].map((file) => readFileSync(file));
    for (const target of [data, out, storeFile]) {
      const refused = await runCli(['report', summary, '-o', target]);
      expect(refused.code, target).toBe(exitCodes.input);
      expect(refused.stderr).toMatch(/-o .* exists and is not an HTML page; nothing was written/);
    }
    expect([data, out, storeFile].map((file) => readFileSync(file))).toEqual(before);
    // The store still opens and holds the run: the same command answers from it without a call.
    const again = await runCli(command('run', '--out', join(directory, 'again.jsonl'), '--json'));
    expect(JSON.parse(again.stdout)).toMatchObject({ calls: 0, answered: 6 });
    const page = join(directory, 'report.html');
    expect((await runCli(['report', summary, '-o', page])).code).toBe(exitCodes.ok);
    expect((await runCli(['report', summary, '-o', page])).code).toBe(exitCodes.ok);
  });
});

describe('run without --out', () => {
  it('writes its results beside the data under a new name, never over a file, and names it in the summary', async () => {
    const first = await runCli(command('run', '--json'));
    expect(first.code).toBe(exitCodes.ok);
    const firstFile = join(directory, 'questions.results.jsonl');
    expect(JSON.parse(first.stdout).out).toBe(firstFile);
    expect(readJsonl(firstFile).map((row) => row.id)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4', 'q5']);
    const before = readFileSync(firstFile, 'utf8');

    // The second run's replies all come from the store, and its results go to a file of their own.
    const second = await runCli(command('run'));
    expect(second.code).toBe(exitCodes.ok);
    const secondFile = join(directory, 'questions.results-2.jsonl');
    expect(second.stdout).toContain(secondFile);
    expect(readFileSync(firstFile, 'utf8')).toBe(before);
    expect(readJsonl(secondFile)).toHaveLength(6);
    expect(readFileSync(data, 'utf8')).toBe(rows);
  });
});
