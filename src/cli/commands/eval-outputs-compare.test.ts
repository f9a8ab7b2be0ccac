import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, runCli } from '../../../test/harness/run-cli.js';
import { renderReport } from '../../report/render-report.js';
import { parseReportInput } from '../../report/report-input.js';
import type { OutputsComparisonRow } from './eval-outputs-compare.js';

/*
 * `eval --compare` on a task with outputs: the one pass and one run per output, side by side, on
 * the first 60 tickets of examples/tickets with the `topic` gold column renamed (`team`), so the
 * per-output run of topic must find its gold through `--label-field topic=team` as the one pass
 * does.
 */

const examples = new URL('../../../examples/tickets/', import.meta.url).pathname;
let directory: string;
let data: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'batchprompt-outputs-compare-'));
  data = join(directory, 'tickets.jsonl');
  const rows = readFileSync(join(examples, 'tickets.jsonl'), 'utf8').trim().split('\n').slice(0, 60);
  writeFileSync(
    data,
    `${rows
      .map((line) => {
        const { topic, ...rest } = JSON.parse(line) as Record<string, unknown>;
        return JSON.stringify({ ...rest, team: topic });
      })
      .join('\n')}\n`,
  );
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

const compare = (...extra: string[]) =>
  runCli([
    'eval',
    '--task',
    join(examples, 'task.yaml'),
    '--data',
    data,
    '--label-field',
    'topic=team',
    '--model',
    'sim:frontier',
    '--compare',
    '--quiet',
    ...extra,
  ]);

describe('eval --compare on a task with outputs', () => {
  it('runs every output in one pass, then one run per output scored on its own gold column, and prints them side by side', async () => {
    const { code, stdout, stderr } = await compare('--json');
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      simulated: boolean;
      items: number;
      strategies: OutputsComparisonRow[];
    };
    expect(report.simulated).toBe(true);
    expect(report.items).toBe(60);
    const accuracyOf = (row: OutputsComparisonRow) =>
      Object.fromEntries(row.outputs.map((score) => [score.output, score.accuracy]));
    const [onePass, ...separate] = report.strategies;
    expect(onePass!.name).toBe('one pass');
    expect(Object.keys(accuracyOf(onePass!))).toEqual(['topic', 'urgency', 'tone', 'mentions']);
    expect(separate.map((row) => [row.name, Object.keys(accuracyOf(row))])).toEqual([
      ['topic alone', ['topic']],
      ['urgency alone', ['urgency']],
      ['tone alone', ['tone']],
      ['mentions alone', ['mentions']],
    ]);
    for (const row of report.strategies) {
      expect(row.answered).toBe(60);
      for (const accuracy of Object.values(accuracyOf(row))) expect(accuracy).toBeGreaterThan(0.3);
    }
    // Each item's text is sent once for four questions, instead of four times.
    const tokens = (row: OutputsComparisonRow) => row.inputTokens + row.outputTokens;
    const separateTokens = separate.reduce((sum, row) => sum + tokens(row), 0);
    expect(tokens(onePass!)).toBeLessThan(0.6 * separateTokens);
    // The report makes a page of it: each run in the summary, each output's section.
    const html = renderReport(parseReportInput(stdout, 'compare.json'));
    for (const name of ['one pass', 'topic alone', 'mentions alone'])
      expect(html).toContain(`<td>${name}</td>`);
    for (const name of ['topic', 'urgency', 'tone', 'mentions'])
      expect(html).toContain(`id="output-${name}"`);
  });

  it('prints a table with a column per output and the one pass’s share of the separate runs’ tokens, labelled simulated', async () => {
    const { code, stdout } = await compare();
    expect(code).toBe(0);
    expect(stdout).toContain('simulated model (sim:frontier) — not a real LLM');
    expect(stdout).toMatch(/one pass .*\d+\.\d%/);
    for (const name of ['topic', 'urgency', 'tone', 'mentions']) expect(stdout).toContain(`${name} alone`);
    expect(stdout).toContain('separate runs, total');
  });

  it('writes one JSON line per run to --out', async () => {
    const out = join(directory, 'passes.jsonl');
    expect((await compare('--out', out)).code).toBe(0);
    expect(readJsonl(out).map((line) => line.name)).toEqual([
      'one pass',
      'topic alone',
      'urgency alone',
      'tone alone',
      'mentions alone',
    ]);
  });

  it('refuses --max-cost, which cannot hold across runs of their own, before any call', async () => {
    const { code, stderr } = await compare('--max-cost', '1');
    expect(code).toBe(3);
    expect(stderr).toMatch(/--max-cost with --compare on a task with outputs/);
  });

  it('is what demo --outputs shows on the shipped tickets', async () => {
    const { code, stdout } = await runCli(['demo', '--outputs']);
    expect(code).toBe(0);
    expect(stdout).toContain('batchprompt demo --outputs: four questions about each of 240 support tickets');
    expect(stdout).toContain('simulated model (sim:frontier) — not a real LLM; task tickets, 240 items');
    for (const name of ['one pass', 'topic alone', 'mentions alone', 'separate runs, total'])
      expect(stdout).toContain(name);
  });
});
