import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchPrompt } from '../src/engine/batch-prompt.js';
import type { Item, ItemResult } from '../src/engine/types.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import { type SimServer, startSimServer } from '../src/sim/serve.js';
import { loadItems } from '../src/source/load-items.js';
import { createModelStack } from '../src/stack/create-model-stack.js';
import { rteTask } from '../src/task/builtin-tasks.js';

/*
 * Every RTE row through the real AI SDK openai-compatible adapter and the scheduler, against the
 * simulator's HTTP server injecting faults, compared with the same run in process.
 */

const dataFile = join(process.env.BATCHPROMPT_DATA_DIR ?? resolve('../shared/data'), 'rte.dev.jsonl');
const hasData = existsSync(dataFile);
const strategy = { strategy: 'bpe+seas', batchSize: 32, rounds: 5, seed: 3 } as const;

let items: Item[];
let reference: ItemResult[];
let referenceAccuracy: number | undefined;
const servers: SimServer[] = [];

async function runOverHttp(faultRates: Parameters<typeof startSimServer>[0]['faultRates']) {
  const server = await startSimServer({ task: rteTask, items, seed: strategy.seed, faultRates, quiet: true });
  servers.push(server);
  const stack = await createModelStack({
    uri: 'openai-compatible:sim-gpt-4',
    baseUrl: server.url,
    task: rteTask,
    concurrency: 8,
    // Held connections (the timeout fault) are given up on quickly, then retried.
    timeoutMs: 1500,
    maxRetries: 10,
  });
  const run = await batchPrompt({ task: rteTask, items, model: stack.model, ...strategy });
  return { ...run, server, scheduler: stack.scheduler.stats() };
}

describe.skipIf(!hasData)('RTE through the openai-compatible adapter against a faulty server', () => {
  beforeAll(async () => {
    items = await loadItems(dataFile, rteTask);
    const model = createSimModel({ task: rteTask, items, seed: strategy.seed });
    const run = await batchPrompt({ task: rteTask, items, model, ...strategy });
    reference = run.results;
    referenceAccuracy = run.summary.accuracy;
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('rides out 429s, 500s, timeouts and malformed bodies with the in-process answers, item for item', async () => {
    // Rates high enough that each fault shows up in a run of about 25 requests whatever the prompt
    // wording (the server draws faults from a hash of the request body).
    const run = await runOverHttp({ rateLimit: 0.2, serverError: 0.1, timeout: 0.1, malformed: 0.1 });
    const faults = run.server.stats().faults;
    expect(faults['rate-limit']).toBeGreaterThan(0);
    expect(faults['server-error']).toBeGreaterThan(0);
    expect(faults.timeout).toBeGreaterThan(0);
    expect(faults.malformed).toBeGreaterThan(0);
    expect(run.scheduler.retries).toBeGreaterThan(0);
    expect(run.results.every((result) => result.status === 'answered')).toBe(true);
    expect(run.results.map((result) => [result.id, result.answer])).toEqual(
      reference.map((result) => [result.id, result.answer]),
    );
    expect(run.summary.accuracy).toBe(referenceAccuracy);
  }, 90_000);

  it('with truncated replies too, answers every item; the cut batches are re-asked in smaller ones', async () => {
    const run = await runOverHttp({
      rateLimit: 0.2,
      serverError: 0.1,
      timeout: 0.05,
      truncate: 0.1,
      malformed: 0.05,
    });
    expect(run.server.stats().faults.truncate).toBeGreaterThan(0);
    expect(run.summary.reasks).toBeGreaterThan(0);
    expect(run.results.every((result) => result.status === 'answered')).toBe(true);
    expect(run.results.map((result) => result.id)).toEqual(reference.map((result) => result.id));
    // Items answered in a re-asked smaller batch saw another prompt, so a few answers may differ.
    const same = run.results.filter((result, index) => result.answer === reference[index]?.answer).length;
    expect(same / items.length).toBeGreaterThan(0.95);
    expect(Math.abs((run.summary.accuracy ?? 0) - (referenceAccuracy ?? 0))).toBeLessThan(0.03);
  }, 90_000);
});
