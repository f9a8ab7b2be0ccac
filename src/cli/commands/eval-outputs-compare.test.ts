import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, runCli } from '../../../test/run-cli.js';
import type { OutputsComparisonJson } from './eval-outputs-compare.js';

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
    const report = JSON.parse(stdout) as OutputsComparisonJson;
    expect(report.simulated).toBe(true);
    expect(report.items).toBe(60);
    const [onePass, ...separate] = report.passes;
    expect(onePass!.way).toBe('one pass');
    expect(Object.keys(onePass!.accuracy)).toEqual(['topic', 'urgency', 'tone', 'mentions']);
    expect(separate.map((pass) => [pass.way, Object.keys(pass.accuracy)])).toEqual([
      ['one output', ['topic']],
      ['one output', ['urgency']],
      ['one output', ['tone']],
      ['one output', ['mentions']],
    ]);
    for (const pass of report.passes) {
      expect(pass.answered).toBe(60);
      for (const accuracy of Object.values(pass.accuracy)) expect(accuracy).toBeGreaterThan(0.3);
    }
    // Each item's text is sent once for four questions, instead of four times.
    const tokens = (pass: (typeof report.passes)[number]) => pass.inputTokens + pass.outputTokens;
    const separateTokens = separate.reduce((sum, pass) => sum + tokens(pass), 0);
    expect(tokens(onePass!)).toBeLessThan(0.6 * separateTokens);
  });

  it('prints a table with a column per output and the one pass’s share of the separate runs’ tokens, labelled simulated', async () => {
    const { code, stdout } = await compare();
    expect(code).toBe(0);
    expect(stdout).toContain('simulated model (sim:frontier) — not a real LLM');
    expect(stdout).toMatch(/one pass \(4 outputs\).*\d+\.\d%/);
    for (const name of ['topic', 'urgency', 'tone', 'mentions']) expect(stdout).toContain(`${name} alone`);
    expect(stdout).toContain('separate runs, total');
  });

  it('writes one JSON line per pass to --out', async () => {
    const out = join(directory, 'passes.jsonl');
    expect((await compare('--out', out)).code).toBe(0);
    expect(readJsonl(out).map((line) => line.way)).toEqual([
      'one pass',
      'one output',
      'one output',
      'one output',
      'one output',
    ]);
  });

  it('refuses --max-cost, which cannot hold across runs of their own, before any call', async () => {
    const { code, stderr } = await compare('--max-cost', '1');
    expect(code).toBe(3);
    expect(stderr).toMatch(/--max-cost with --compare on a task with outputs/);
  });
});
