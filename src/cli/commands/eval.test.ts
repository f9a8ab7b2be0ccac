import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';
import { exitCodes } from '../exit-codes.js';
import type { ComparisonJson } from './eval.js';

const demoFile = fileURLToPath(new URL('../../../examples/demo/yes-no.jsonl', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'batchprompt-eval-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('batchprompt demo', () => {
  it('compares the five strategies on the shipped data and says the model is simulated', async () => {
    const table = await runCli(['demo']);
    expect(table.code).toBe(exitCodes.ok);
    expect(table.stdout).toContain('simulated model (sim:gpt-4) — not a real LLM');
    expect(table.stdout).toMatch(/bpe\+seas/);

    const json = await runCli(['demo', '--json']);
    const report = JSON.parse(json.stdout) as ComparisonJson;
    expect(report).toMatchObject({ model: 'sim:gpt-4', simulated: true, task: 'boolq', items: 64 });
    expect(report.strategies.map((row) => row.name)).toEqual([
      'single',
      'batch',
      'bpe',
      'bpe+seas',
      'adaptive',
    ]);
    for (const row of report.strategies) {
      expect(row.accuracy).toBeGreaterThan(0);
      expect(row.accuracy).toBeLessThanOrEqual(1);
    }
  });
});

describe('batchprompt eval', () => {
  it('scores one strategy on a sample and writes per-item results', async () => {
    const out = join(directory, 'results.jsonl');
    const run = await runCli([
      'eval',
      '--task',
      'boolq',
      '--data',
      demoFile,
      '--sample',
      '20',
      '--seed',
      '3',
      '--batch-size',
      '8',
      '--json',
      '--out',
      out,
    ]);
    expect(run.code).toBe(exitCodes.ok);
    const summary = JSON.parse(run.stdout) as {
      model: string;
      simulated: boolean;
      items: number;
      accuracy: number;
    };
    expect(summary).toMatchObject({ model: 'sim:gpt-4', simulated: true, items: 20 });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(20);
  });

  it('runs --compare with the gpt-3.5 profile', async () => {
    const run = await runCli([
      'eval',
      '--task',
      'boolq',
      '--data',
      demoFile,
      '--model',
      'sim:gpt-3.5',
      '--compare',
      '--json',
    ]);
    const report = JSON.parse(run.stdout) as ComparisonJson;
    expect(report.model).toBe('sim:gpt-3.5');
    expect(report.strategies).toHaveLength(5);
  });

  it('asks for the key of a real provider, and refuses unknown profiles, as input errors', async () => {
    const real = await runCli([
      'eval',
      '--task',
      'boolq',
      '--data',
      demoFile,
      '--model',
      'openai:gpt-4o-mini',
      '--no-cache',
    ]);
    expect(real.code).toBe(exitCodes.input);
    expect(real.stderr).toMatch(/OPENAI_API_KEY/);
    const unknown = await runCli(['eval', '--task', 'boolq', '--data', demoFile, '--model', 'sim:gpt-9']);
    expect(unknown.code).toBe(exitCodes.input);
    expect(unknown.stderr).toMatch(/gpt-4, gpt-3\.5/);
  });

  it('reads any data format, with the same answers as the same rows in JSON Lines', async () => {
    const rows = readFileSync(demoFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; question: string; passage: string; label: boolean });
    const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
    const csvFile = join(directory, 'demo.csv');
    writeFileSync(
      csvFile,
      `id,question,text,gold\n${rows.map((row) => [row.id, quote(row.question), quote(row.passage), row.label].join(',')).join('\n')}\n`,
    );
    const fromJsonl = JSON.parse(
      (await runCli(['eval', '--task', 'boolq', '--data', demoFile, '--json'])).stdout,
    );
    const fromCsv = await runCli([
      'eval',
      '--task',
      'boolq',
      '--data',
      csvFile,
      '--map',
      'passage=text',
      '--label-field',
      'gold',
      '--json',
    ]);
    expect(fromCsv.code).toBe(exitCodes.ok);
    const parsed = JSON.parse(fromCsv.stdout);
    expect(parsed.strategies[0].accuracy).toBe(fromJsonl.strategies[0].accuracy);
    expect(parsed.strategies[0].calls).toBe(fromJsonl.strategies[0].calls);
    const missing = await runCli(['eval', '--task', 'boolq', '--data', csvFile, '--json']);
    expect(missing.code).toBe(exitCodes.input);
    expect(missing.stderr).toContain('passage');
  });
});

describe('batchprompt eval --out', () => {
  it('refuses a .csv for --compare before running, since a comparison is written as JSON lines', async () => {
    const out = join(directory, 'cmp.csv');
    const result = await runCli(['eval', '--task', 'boolq', '--data', demoFile, '--compare', '--out', out]);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain('takes a .jsonl or .ndjson file, got');
    expect(result.stdout).toBe('');
    expect(() => readFileSync(out)).toThrow();
  });
});
