import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitCodes } from '../src/cli/exit-codes.js';
import { openStore } from '../src/store/open-store.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { readJsonl, runCli } from './harness/run-cli.js';

/*
 * Input that changes under a run, or that cannot be told apart: a data file cut or edited between
 * the validation pass and the answering pass, a resume by id of another command's run, duplicate
 * ids, and an --out directory that does not exist. Each must stop the run with exit 3 before the
 * run is marked completed.
 */

/** Called once the validation pass has read the file and before the answering pass starts. */
let betweenPasses: (() => void) | undefined;

vi.mock('../src/source/read-source.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/source/read-source.js')>();
  return {
    ...original,
    scanSource: async (...args: Parameters<typeof original.scanSource>) => {
      const scan = await original.scanSource(...args);
      betweenPasses?.();
      return scan;
    },
  };
});

const temp = useTempDir();
let counter = 0;

afterEach(() => {
  betweenPasses = undefined;
});

function rows(count: number, idOf: (index: number) => unknown = (index) => `r${index}`): string {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({
      id: idOf(index),
      question: `is ${index} even`,
      passage: `The number ${index} is ${index % 2 === 0 ? 'even' : 'odd'}.`,
      label: index % 2 === 0,
    }),
  ).join('\n');
}

function setUp(content: string): { data: string; store: string; out: string } {
  counter += 1;
  const data = temp(`data-${counter}.jsonl`);
  writeFileSync(data, `${content}\n`);
  return { data, store: temp(`store-${counter}`), out: temp(`out-${counter}.jsonl`) };
}

function runArgs(paths: { data: string; store: string; out: string }, extra: string[] = []): string[] {
  return [
    'run',
    ...cliFlags({
      task: 'boolq',
      data: paths.data,
      model: 'sim',
      'label-field': 'label',
      'batch-size': 8,
      'store-dir': paths.store,
      out: paths.out,
      json: true,
      quiet: true,
    }),
    ...extra,
  ];
}

function runStatuses(store: string): string[] {
  const opened = openStore(store);
  try {
    return (opened.database.prepare('SELECT status FROM runs').all() as { status: string }[]).map(
      (row) => row.status,
    );
  } finally {
    opened.close();
  }
}

describe('a data file that changes between the validation and the answering pass', () => {
  it('cut short: exit 3 before any call, nothing marked completed', async () => {
    const paths = setUp(rows(200));
    betweenPasses = () => writeFileSync(paths.data, `${rows(90)}\n`);
    const result = await runCli(runArgs(paths));
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(paths.data);
    expect(result.stderr).toMatch(/changed after it was validated/);
    expect(runStatuses(paths.store)).not.toContain('completed');
    expect(existsSync(paths.out)).toBe(false);
  });

  it('edited to the same size and modification time: the digest notices, exit 3, not completed', async () => {
    const paths = setUp(rows(200));
    betweenPasses = () => {
      const before = statSync(paths.data);
      const text = readFileSync(paths.data, 'utf8');
      // Same length, other content: `is 1 even` becomes `is 1 evem` in one row.
      writeFileSync(paths.data, text.replace('is 150 even', 'is 150 evem'));
      // Set to the middle of the same millisecond: a whole-millisecond time in seconds is not
      // exact in floating point and could land just below it.
      const mtime = (Math.floor(before.mtimeMs) + 0.5) / 1000;
      utimesSync(paths.data, mtime, mtime);
    };
    const result = await runCli(runArgs(paths));
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toMatch(
      /changed while the run was reading it: 200 rows when validated, 200 rows with other content/,
    );
    expect(runStatuses(paths.store)).toEqual(['running']);
    expect(existsSync(paths.out)).toBe(false);
  });

  it('unchanged: the same command completes (the checks do not fire on their own)', async () => {
    const paths = setUp(rows(40));
    const result = await runCli(runArgs(paths));
    expect(result.code).toBe(exitCodes.ok);
    expect(runStatuses(paths.store)).toEqual(['completed']);
  });
});

describe('--resume <id>', () => {
  it("refuses another command's run: exit 3, naming the run", async () => {
    const paths = setUp(rows(40));
    const first = await runCli(runArgs(paths));
    expect(first.code).toBe(exitCodes.ok);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    const other = await runCli(runArgs(paths, ['--resume', runId, '--rounds', '2']));
    expect(other.code).toBe(exitCodes.input);
    expect(other.stderr).toContain(`run \`${runId}\` was started with another`);
    const same = await runCli(runArgs(paths, ['--resume', runId]));
    expect(same.code).toBe(exitCodes.ok);
  });
});

describe('duplicate ids', () => {
  it('are an input error naming both lines, `12345` and "12345" alike', async () => {
    const paths = setUp(rows(10, (index) => (index === 7 ? '12345' : index === 3 ? 12345 : `r${index}`)));
    const result = await runCli(runArgs(paths));
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain(
      `${paths.data}, line 8, field \`id\`: duplicate id \`12345\`, first seen at line 4`,
    );
  });

  it('are recorded invalid with --skip-invalid, the first of them answered', async () => {
    const paths = setUp(rows(10, (index) => (index === 5 ? 'r2' : `r${index}`)));
    const result = await runCli(runArgs(paths, ['--skip-invalid']));
    expect(result.code).toBe(exitCodes.ok);
    const written = readJsonl(paths.out);
    expect(written.map((row) => row.status)).toEqual([
      'answered',
      'answered',
      'answered',
      'answered',
      'answered',
      'invalid',
      'answered',
      'answered',
      'answered',
      'answered',
    ]);
  });
});

describe('--out in a directory that does not exist', () => {
  it('is refused before the store is opened or anything is sent', async () => {
    const paths = setUp(rows(10));
    const result = await runCli(runArgs({ ...paths, out: join(paths.out, 'missing', 'results.jsonl') }));
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toMatch(/missing does not exist/);
    expect(existsSync(paths.store)).toBe(false);
  });
});
