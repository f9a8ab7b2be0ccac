import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../src/test/temp-dir.js';

/*
 * `--version` and `--help` load no command, `run --help` (eval, plan, worker) only the option
 * schema, and `jobs --help` and `sim serve --help` only their own declarations: the AI SDK, the
 * provider SDKs, SQLite, the o200k tokenizer and the data readers come with the work that uses them.
 * Each case runs the command line from source in a process of its own, with a resolve hook
 * recording every module it loads.
 */

const repoRoot = resolve(import.meta.dirname, '..');
const temp = useTempDir();
/** Packages that only a command's work needs. */
const heavy = [
  /bullmq/,
  /hyparquet/,
  /csv-parse/,
  /ioredis/,
  /\/node_modules\/ai\//,
  /\/node_modules\/@ai-sdk\//,
  /gpt-tokenizer/,
  /\/node_modules\/openai\//,
  /@anthropic-ai/,
  /better-sqlite3/,
];

let runs = 0;
function importsOf(args: string[]): { status: number | null; stdout: string; imports: string[] } {
  runs += 1;
  const record = temp(`imports-${runs}.txt`);
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      './test/fixtures/record-imports.mjs',
      join('scripts', 'dev-cli.ts'),
      ...args,
    ],
    { cwd: repoRoot, env: { ...process.env, BATCHPROMPT_RECORD_IMPORTS: record }, encoding: 'utf8' },
  );
  const imports = readFileSync(record, 'utf8').trim().split('\n');
  return { status: result.status, stdout: result.stdout, imports };
}

const heavyIn = (imports: string[]) => imports.filter((url) => heavy.some((pattern) => pattern.test(url)));

describe('the command line loads a command only when it is named', () => {
  it('--version imports neither the AI SDK nor the tokenizer, nor any command', () => {
    const { status, stdout, imports } = importsOf(['--version']);
    expect(status).toBe(0);
    expect(stdout.trim()).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
    expect(imports.some((url) => url.endsWith('/src/cli/main.ts'))).toBe(true);
    expect(heavyIn(imports)).toEqual([]);
    expect(imports.filter((url) => /\/src\/cli\/commands\/(?!index|command-summaries)/.test(url))).toEqual(
      [],
    );
  });

  it('--help lists every command from their summaries without loading one', () => {
    const { status, stdout, imports } = importsOf(['--help']);
    expect(status).toBe(0);
    for (const name of ['run', 'plan', 'eval', 'demo', 'report', 'task', 'jobs', 'sim', 'worker']) {
      expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
    expect(heavyIn(imports)).toEqual([]);
  });

  // Each lists its required flag first; `--model`'s help lists every URI form from the provider
  // table where the flag takes any model (plan takes none, a worker names the model of its runs).
  it.each([
    ['run', '--task <task>', true],
    ['eval', '--task <task>', true],
    ['plan', '--task <task>', false],
    ['worker', '--model <uri>', false],
  ])(
    '%s --help lists its options from the schema and imports neither the AI SDK nor the tokenizer',
    (name, firstRequired, listsModels) => {
      const { status, stdout, imports } = importsOf([name, '--help']);
      expect(status).toBe(0);
      expect(stdout).toContain(`Essentials:\n  ${firstRequired} `);
      expect(stdout).toContain('(required)');
      expect(stdout.includes('sim:frontier') && stdout.includes('openai-compatible:<m>')).toBe(listsModels);
      expect(imports.some((url) => url.endsWith('/src/cli/commands/option-command.ts'))).toBe(true);
      expect(heavyIn(imports)).toEqual([]);
      expect(imports.filter((url) => /\/src\/cli\/commands\/(run|eval|plan|worker)\.ts$/.test(url))).toEqual(
        [],
      );
    },
  );

  it('demo --help loads neither the AI SDK nor the tokenizer: eval comes when the demo runs', () => {
    const { status, stdout, imports } = importsOf(['demo', '--help']);
    expect(status).toBe(0);
    expect(stdout).toContain('--outputs');
    expect(heavyIn(imports)).toEqual([]);
  });

  // `jobs` needs the store (SQLite) and the providers' batch clients, `sim serve` the data readers,
  // the simulator and its server: each only once it runs.
  it.each([
    [['jobs'], '--no-refresh', /\/src\/cli\/commands\/jobs-actions\.ts$/],
    [['jobs', 'cancel'], "the job's id", /\/src\/cli\/commands\/jobs-actions\.ts$/],
    [
      ['sim', 'serve'],
      '--fault-rate-malformed',
      /\/src\/(cli\/commands\/sim-serve-action|sim\/serve|source\/read-source)\.ts$/,
    ],
  ])('%j --help lists its options and loads none of its work', (command, option, work) => {
    const { status, stdout, imports } = importsOf([...command, '--help']);
    expect(status).toBe(0);
    expect(stdout).toContain(option);
    expect(imports.some((url) => url.endsWith(`/src/cli/commands/${command[0]}.ts`))).toBe(true);
    expect(heavyIn(imports)).toEqual([]);
    expect(imports.filter((url) => work.test(url))).toEqual([]);
  });

  it('run with values loads its work, and the recorder sees what that loads (the AI SDK, the tokenizer)', () => {
    const { status, imports } = importsOf([
      'run',
      '--task',
      'boolq',
      '--data',
      temp('missing.jsonl'),
      '--model',
      'sim',
      '--out',
      temp('out.jsonl'),
    ]);
    // The data file is missing: the run stops at reading it (exit 3), after loading the command.
    expect(status).toBe(3);
    expect(imports.some((url) => url.endsWith('/src/cli/commands/run.ts'))).toBe(true);
    const heavy = heavyIn(imports).join('\n');
    expect(heavy).toMatch(/\/node_modules\/@ai-sdk\//);
    expect(heavy).toMatch(/gpt-tokenizer/);
  });
});
