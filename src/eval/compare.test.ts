import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { createSimModel } from '../sim/create-sim-model.js';
import { loadItems } from '../source/load-items.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { compareStrategies } from './compare.js';

const demoFile = fileURLToPath(new URL('../../examples/demo/yes-no.jsonl', import.meta.url));

it('compares the five strategies on the same items: batching saves calls and tokens, SEAS and the adaptive rule save rounds', async () => {
  const items = await loadItems(demoFile, boolqTask);
  const model = createSimModel({ task: boolqTask, items });
  const rows = await compareStrategies({
    task: boolqTask,
    items,
    model,
    batchSize: 32,
    rounds: 5,
    voting: 'weighted',
  });
  expect(rows.map((row) => row.name)).toEqual(['single', 'batch', 'bpe', 'bpe+seas', 'adaptive']);
  const [single, batch, bpe, seas, adaptive] = rows;
  expect(single).toMatchObject({ batchSize: 1, rounds: 1, calls: 64, answered: 64, failed: 0 });
  expect(batch!.calls).toBeLessThan(single!.calls / 10);
  expect(batch!.inputTokens).toBeLessThan(single!.inputTokens / 4);
  expect(bpe!.rounds).toBe(5);
  expect(seas!.inputTokens).toBeLessThan(bpe!.inputTokens);
  expect(adaptive!.inputTokens).toBeLessThanOrEqual(seas!.inputTokens);
  for (const row of rows) {
    expect(row.accuracy).toBeGreaterThan(0.6);
    expect(row.answered + row.failed).toBe(64);
  }
});

it('runs only the strategies asked for', async () => {
  const items = (await loadItems(demoFile, boolqTask)).slice(0, 10);
  const model = createSimModel({ task: boolqTask, items });
  const rows = await compareStrategies({ task: boolqTask, items, model, strategies: ['batch'] });
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ name: 'batch', batchSize: 32, rounds: 1, voting: 'weighted', calls: 1 });
});
