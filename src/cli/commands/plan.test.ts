import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';
import { exitCodes } from '../exit-codes.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'batchprompt-plan-'));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function dataFile(count: number): string {
  const file = join(directory, 'data.jsonl');
  writeFileSync(
    file,
    Array.from({ length: count }, (_, index) =>
      JSON.stringify({
        id: `p${index}`,
        premise: `Premise number ${index} holds.`,
        hypothesis: `Claim ${index}.`,
      }),
    ).join('\n'),
  );
  return file;
}

describe('batchprompt plan', () => {
  it('counts SinglePrompt and the worst case exactly, and estimates early stopping by simulation', async () => {
    const data = dataFile(100);
    const planOf = (extra: string[]) =>
      runCli(['plan', '--task', 'rte', '--data', data, '--model', 'openai:gpt-4o-mini', ...extra, '--json']);
    const result = await planOf(['--batch-size', '32', '--rounds', '5']);
    expect(result.code).toBe(exitCodes.ok);
    const plan = JSON.parse(result.stdout);
    expect(plan.items).toBe(100);
    expect(plan.single.calls).toBe(100);
    // 100 items in batches of 32 make 4 calls a round, 5 rounds at worst.
    expect(plan.worstCase.calls).toBe(20);
    expect(plan.worstCase.inputTokens).toBeLessThan(plan.single.inputTokens * 5);
    expect(plan.expected.calls).toBeGreaterThanOrEqual(8);
    expect(plan.expected.calls).toBeLessThan(plan.worstCase.calls);
    expect(plan.expected.basis).toMatch(/simulated/);
    // The default strategy is the adaptive rule: its forecast comes from a simulated pilot. On 100
    // items the pilot's calls take round 2, so it costs more than one round and less than the
    // worst case; BPE+SEAS's forecast stands beside it.
    expect(plan.strategy.strategy).toBe('adaptive');
    expect(plan.expected.decision).toMatch(/sure answers/);
    expect(plan.expected.calls).toBeGreaterThan(4);
    expect(plan.expected.finalBatchSize).toBe(32);
    expect(plan.adaptive).toBeNull();
    expect(plan.bpeSeas.basis).toMatch(/simulated/);
    expect(plan.bpeSeas.calls).toBeGreaterThanOrEqual(8);
    expect(plan.bpeSeas.calls).toBeLessThan(plan.worstCase.calls);
    // With BPE+SEAS chosen, the adaptive forecast stands beside it instead.
    const seasPlan = JSON.parse((await planOf(['--strategy', 'bpe+seas'])).stdout);
    expect(seasPlan.expected.calls).toBe(plan.bpeSeas.calls);
    expect(seasPlan.adaptive.calls).toBe(plan.expected.calls);
    expect(seasPlan.adaptive.decision).toBe(plan.expected.decision);
    expect(seasPlan.bpeSeas).toBeNull();
    // Priced from the built-in table: $0.15 in and $0.60 out per million tokens.
    expect(plan.single.costUsd).toBeCloseTo(
      (plan.single.inputTokens * 0.15 + plan.single.outputTokens * 0.6) / 1_000_000,
      10,
    );
  });

  it('shows output tokens and their dollars in each reply format, the chosen one marked', async () => {
    const data = dataFile(60);
    const planOf = async (extra: string[]) =>
      runCli(['plan', '--task', 'rte', '--data', data, '--model', 'openai:gpt-4.1-mini', ...extra]);
    const plan = JSON.parse((await planOf(['--json'])).stdout);
    const [lines, json] = plan.formats;
    expect([lines.format, json.format]).toEqual(['lines', 'json']);
    // A model billed per output token takes lines under `auto`: its row is the plan's own figures.
    expect([lines.chosen, json.chosen]).toEqual([true, false]);
    expect(plan.formatChoice).toMatch(/^auto: billed per output token/);
    expect(lines.worstCase.outputTokens).toBe(plan.worstCase.outputTokens);
    expect(lines.expected.outputTokens).toBe(plan.expected.outputTokens);
    // Lines cost fewer output tokens for the same calls, counted and simulated.
    expect(lines.worstCase.outputTokens).toBeLessThan(json.worstCase.outputTokens);
    expect(lines.expected.outputTokens).toBeLessThan(json.expected.outputTokens);
    // The output alone, at gpt-4.1-mini's $1.60 per million output tokens.
    expect(lines.expected.outputCostUsd).toBeCloseTo((lines.expected.outputTokens * 1.6) / 1e6, 10);
    // With --format json the other row is the chosen one and holds the plan's figures.
    const jsonPlan = JSON.parse((await planOf(['--format', 'json', '--json'])).stdout);
    expect(jsonPlan.formats[1].chosen).toBe(true);
    expect(jsonPlan.formatChoice).toBe('as given');
    expect(jsonPlan.formats[1].worstCase.outputTokens).toBe(jsonPlan.worstCase.outputTokens);
    expect(jsonPlan.formats[1].expected.outputTokens).toBe(jsonPlan.expected.outputTokens);
    expect(jsonPlan.formats[1].worstCase.outputTokens).toBe(json.worstCase.outputTokens);
    const text = (await planOf([])).stdout;
    expect(text).toMatch(/lines \(chosen\)/);
    expect(text).toContain('output tokens by reply format');
    expect(text).toContain('Replies in lines (auto: billed per output token');
    // A local model takes JSON, which its grammar holds it to.
    const local = await runCli([
      'plan',
      '--task',
      'rte',
      '--data',
      data,
      '--model',
      'local:model.gguf',
      '--json',
    ]);
    const localPlan = JSON.parse(local.stdout);
    expect(localPlan.strategy.format).toBe('json');
    expect(localPlan.formatChoice).toMatch(/^auto: a local model/);
  });

  it('prices with a price file, and says so when no price is known', async () => {
    const prices = join(directory, 'prices.json');
    writeFileSync(prices, JSON.stringify({ 'ollama:llama3.1': { input: 1, output: 2 } }));
    const data = dataFile(10);
    const priced = JSON.parse(
      (
        await runCli([
          'plan',
          '--task',
          'rte',
          '--data',
          data,
          '--model',
          'ollama:llama3.1',
          '--prices',
          prices,
          '--json',
        ])
      ).stdout,
    );
    expect(priced.single.costUsd).toBeCloseTo(
      (priced.single.inputTokens + 2 * priced.single.outputTokens) / 1e6,
      10,
    );
    const unpriced = await runCli(['plan', '--task', 'rte', '--data', data, '--model', 'ollama:other']);
    expect(unpriced.stdout).toContain('no price known for this model');
  });

  it('prices --batch-api at half of every rate, and says so', async () => {
    const data = dataFile(10);
    const plan = async (extra: string[]) =>
      runCli(['plan', '--task', 'rte', '--data', data, '--model', 'openai:gpt-4o-mini', ...extra]);
    const online = JSON.parse((await plan(['--json'])).stdout);
    const batch = JSON.parse((await plan(['--json', '--batch-api'])).stdout);
    expect(batch.batchApi).toBe(true);
    expect(batch.price).toMatchObject({ input: 0.075, output: 0.3 });
    expect(batch.single.inputTokens).toBe(online.single.inputTokens);
    expect(batch.single.costUsd).toBeCloseTo(online.single.costUsd / 2, 12);
    expect(batch.worstCase.costUsd).toBeCloseTo(online.worstCase.costUsd / 2, 12);
    expect((await plan(['--batch-api'])).stdout).toContain('prices (batch API): $0.075/$0.3');
  });

  it('names the file and field of a bad price file', async () => {
    const prices = join(directory, 'prices.json');
    writeFileSync(prices, JSON.stringify({ 'openai:x': { input: 'cheap' } }));
    const result = await runCli(['plan', '--task', 'rte', '--data', dataFile(3), '--prices', prices]);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stderr).toContain('prices.json');
    expect(result.stderr).toContain('openai:x.input');
  });
});
