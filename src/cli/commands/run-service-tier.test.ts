import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../test/harness/run-cli.js';
import { startSimServer } from '../../sim/serve.js';
import { loadItems } from '../../source/load-items.js';
import { boolqTask } from '../../task/builtin-tasks.js';

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'batchprompt-service-tier-'));
  vi.stubEnv('OPENAI_API_KEY', 'sk-test-service-tier-cli');
  (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
});

afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(directory, { recursive: true, force: true });
});

// Rows with gold answers, which the simulator needs.
const dataFile = fileURLToPath(new URL('../../../examples/demo/yes-no.jsonl', import.meta.url));

async function runWithTier(tier: string, flexRefusalRate: number) {
  const file = dataFile;
  const prices = join(directory, 'prices.json');
  writeFileSync(
    prices,
    JSON.stringify({ 'openai:gpt-5-mini': { input: 0.25, output: 2, flex: { input: 0.125, output: 1 } } }),
  );
  const server = await startSimServer({
    task: boolqTask,
    items: (await loadItems(file, boolqTask)).slice(0, 24),
    flexRefusalRate,
    quiet: true,
  });
  try {
    const outcome = await runCli([
      'run',
      '--task',
      'boolq',
      '--data',
      file,
      '--limit',
      '24',
      '--model',
      'openai:gpt-5-mini',
      '--base-url',
      server.url,
      '--service-tier',
      tier,
      '--prices',
      prices,
      // One round of three calls: under auto each waits out two backoffs (1 s, 2 s) before standard.
      '--strategy',
      'bpe',
      '--rounds',
      '1',
      '--batch-size',
      '8',
      '--store-dir',
      join(directory, `store-${tier}-${flexRefusalRate}`),
      '--out',
      join(directory, `results-${tier}-${flexRefusalRate}.jsonl`),
      '--json',
      '--quiet',
    ]);
    const json = (outcome.code === 0 ? JSON.parse(outcome.stdout) : {}) as Record<string, unknown> & {
      calls: number;
    };
    return { ...outcome, json };
  } finally {
    await server.close();
  }
}

describe('batchprompt run --service-tier', () => {
  it('flex: every call in flex, the summary counts them and prices them at the flex rate of the price file', async () => {
    const { code, json } = await runWithTier('flex', 0);
    expect(code).toBe(0);
    const tokens = json as unknown as { inputTokens: number; outputTokens: number; estimatedCostUsd: number };
    expect(json.serviceTiers).toMatchObject({ byTier: { flex: { calls: json.calls } }, refusals: 0 });
    expect(tokens.estimatedCostUsd).toBeCloseTo(
      (tokens.inputTokens * 0.125 + tokens.outputTokens * 1) / 1e6,
      12,
    );
  });

  it('auto under a storm of flex refusals: each call runs in standard, says so, and every item is answered', async () => {
    const { code, json, stderr } = await runWithTier('auto', 1);
    expect(code).toBe(0);
    expect(json).toMatchObject({ answered: 24, failed: 0, unanswered: 0 });
    expect(json.serviceTiers).toMatchObject({
      byTier: { standard: { calls: json.calls } },
      refusals: 3 * json.calls,
      fallbacks: json.calls,
    });
    expect(stderr).toContain(
      'flex refused the call (429, 3 in a row); running it in standard (--service-tier auto)',
    );
    const tokens = json as unknown as { inputTokens: number; outputTokens: number; estimatedCostUsd: number };
    expect(tokens.estimatedCostUsd).toBeCloseTo(
      (tokens.inputTokens * 0.25 + tokens.outputTokens * 2) / 1e6,
      12,
    );
  });

  it('refuses a tier the option does not know, naming the choices', async () => {
    const { code, stderr } = await runWithTier('cheap', 0);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/service-tier/);
    expect(stderr).toMatch(/flex/);
  });
});
