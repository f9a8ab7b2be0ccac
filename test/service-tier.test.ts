import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { batchPrompt } from '../src/engine/batch-prompt.js';
import type { Item } from '../src/engine/types.js';
import { costUsd, flexPriceOf, type ModelPrice } from '../src/plan/price-table.js';
import { serviceTierCostUsd } from '../src/plan/service-tier-cost.js';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { loadItems } from '../src/source/load-items.js';
import {
  createModelStack,
  type ModelStackEvent,
  type ModelStackOptions,
} from '../src/stack/create-model-stack.js';
import { boolqTask } from '../src/task/builtin-tasks.js';

/*
 * --service-tier on the real path: @ai-sdk/openai's chat model and the whole stack against the
 * simulator's HTTP server, which answers `service_tier` as OpenAI does and refuses flex with 429s
 * at a chosen rate. A refusal storm must end in standard (auto) or in waits (flex), never in a
 * lost item.
 */

const demoFile = fileURLToPath(new URL('../examples/demo/yes-no.jsonl', import.meta.url));
const strategy = { strategy: 'bpe', batchSize: 16, rounds: 2, seed: 1 } as const;
// A model @ai-sdk/openai sends flex for (o3, o4-mini and gpt-5 models).
const uri = 'openai:gpt-5-mini';
const price: ModelPrice = {
  input: 0.25,
  output: 2,
  cachedInput: 0.025,
  flex: { input: 0.125, output: 1, cachedInput: 0.0125 },
};
// Milliseconds, so a storm of refusals takes no time; the steps are the production ones.
const quickPolicy = { backoffMs: 1, maxBackoffMs: 4, waitMs: 5 };

let items: Item[];
const servers: SimServer[] = [];

beforeAll(async () => {
  items = await loadItems(demoFile, boolqTask);
  vi.stubEnv('OPENAI_API_KEY', 'sk-test-service-tier');
  // The SDK warns at every call that gpt-5 models take no temperature; not what is tested here.
  (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.map((server) => server.close()));
});

async function runAt(flexRefusalRate: number, stackOptions: Partial<ModelStackOptions>) {
  const server = await startSimServer({ task: boolqTask, items, seed: 1, flexRefusalRate, quiet: true });
  servers.push(server);
  const events: ModelStackEvent[] = [];
  const stack = await createModelStack({
    uri,
    baseUrl: server.url,
    task: boolqTask,
    concurrency: 4,
    serviceTierPolicy: quickPolicy,
    onEvent: (event) => events.push(event),
    ...stackOptions,
  });
  const run = await batchPrompt({ task: boolqTask, items, model: stack.model, ...strategy });
  const tiers = stack.serviceTiers?.();
  if (tiers === undefined) throw new Error('the stack has no service-tier layer');
  return {
    ...run,
    tiers,
    sim: server.stats(),
    refusedEvents: events.filter((event) => event.type === 'tier-refused'),
  };
}

describe('--service-tier through @ai-sdk/openai against the simulator', () => {
  let flexRun: Awaited<ReturnType<typeof runAt>>;

  beforeAll(async () => {
    flexRun = await runAt(0, { serviceTier: 'flex' });
  });

  it('sends every call in flex and prices it at the flex rate, here half the list price', () => {
    const { summary, tiers, sim } = flexRun;
    expect(flexRun.results.every((result) => result.status === 'answered')).toBe(true);
    expect(sim.serviceTiers).toEqual({ flex: summary.calls, default: 0, flexRefused: 0 });
    expect(tiers.byTier).toEqual({
      flex: {
        calls: summary.calls,
        inputTokens: summary.inputTokens,
        cachedInputTokens: 0,
        outputTokens: summary.outputTokens,
      },
    });
    const listCost = costUsd(price, summary.inputTokens, summary.outputTokens) ?? Number.NaN;
    expect(serviceTierCostUsd(price, uri, tiers.byTier)).toBeCloseTo(listCost / 2, 12);
    expect(flexPriceOf(price, uri)).toMatchObject({ input: 0.125, output: 1, cachedInput: 0.0125 });
    // The flex rates are the table's, not a share of the list price; without them, no dollars.
    const table: ModelPrice = { ...price, flex: { input: 0.1, output: 0.9 } };
    const tableCost = (0.1 * summary.inputTokens + 0.9 * summary.outputTokens) / 1_000_000;
    expect(serviceTierCostUsd(table, uri, tiers.byTier)).toBeCloseTo(tableCost, 12);
    const { flex: _flex, ...withoutFlex } = price;
    expect(flexPriceOf(withoutFlex, uri)).toBeUndefined();
    expect(serviceTierCostUsd(withoutFlex, uri, tiers.byTier)).toBeUndefined();
  });

  it('auto: a storm of flex refusals ends each call in standard after three, and loses no item', async () => {
    const run = await runAt(1, { serviceTier: 'auto' });
    const { calls } = run.summary;
    expect(run.results.every((result) => result.status === 'answered')).toBe(true);
    expect(run.results.map((result) => [result.id, result.answer])).toEqual(
      flexRun.results.map((result) => [result.id, result.answer]),
    );
    expect(run.sim.serviceTiers).toEqual({ flex: 0, default: calls, flexRefused: 3 * calls });
    expect(run.tiers).toMatchObject({ refusals: 3 * calls, fallbacks: calls, waits: 0 });
    expect(Object.keys(run.tiers.byTier)).toEqual(['standard']);
    expect(run.tiers.byTier.standard?.calls).toBe(calls);
    expect(run.refusedEvents).toHaveLength(3 * calls);
    // Standard calls at the list price.
    expect(serviceTierCostUsd(price, uri, run.tiers.byTier)).toBeCloseTo(
      costUsd(price, run.summary.inputTokens, run.summary.outputTokens) ?? Number.NaN,
      12,
    );
  });

  it('flex: a storm of refusals ends in waits and then flex replies, every call in flex, no item lost', async () => {
    const run = await runAt(0.8, { serviceTier: 'flex' });
    expect(run.results.every((result) => result.status === 'answered')).toBe(true);
    expect(run.results.map((result) => [result.id, result.answer])).toEqual(
      flexRun.results.map((result) => [result.id, result.answer]),
    );
    expect(run.sim.serviceTiers.default).toBe(0);
    expect(run.sim.serviceTiers.flex).toBe(run.summary.calls);
    expect(run.tiers.refusals).toBe(run.sim.serviceTiers.flexRefused);
    // At 80% refusals some call meets three in a row: it waits, and asks flex again.
    expect(run.tiers.waits).toBeGreaterThan(0);
    expect(run.tiers.fallbacks).toBe(0);
    expect(Object.keys(run.tiers.byTier)).toEqual(['flex']);
  });

  it('standard sends no tier and counts the calls as standard', async () => {
    const run = await runAt(1, { serviceTier: 'standard' });
    expect(run.sim.serviceTiers).toEqual({ flex: 0, default: run.summary.calls, flexRefused: 0 });
    expect(run.tiers.byTier.standard?.calls).toBe(run.summary.calls);
  });

  it('refuses flex for a provider without tiers and beside --batch-api, naming the choice', async () => {
    await expect(createModelStack({ uri: 'sim', task: boolqTask, serviceTier: 'flex' })).rejects.toThrow(
      /--service-tier flex needs a provider with a flex tier \(openai:, google:\); `sim` has none/,
    );
    await expect(
      createModelStack({ uri, task: boolqTask, serviceTier: 'auto', batchApi: {}, simulatedEndpoint: true }),
    ).rejects.toThrow(/--batch-api is priced at the batch rate already: choose one/);
  });
});
