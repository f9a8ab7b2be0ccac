import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { batchPrompt } from '../engine/batch-prompt.js';
import { resolveStrategy } from '../engine/resolve-strategy.js';
import type { Item } from '../engine/types.js';
import { createSimModel } from '../sim/create-sim-model.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { useTempDir } from '../test/temp-dir.js';
import { sampleWhileReading, simulateExpected } from './simulate-expected.js';

const items: Item[] = Array.from({ length: 40 }, (_, index) => ({
  id: `q${index}`,
  fields: { question: `is ${index} even`, passage: `The number ${index}.` },
  gold: index % 2 === 0,
}));
const strategy = resolveStrategy({ strategy: 'bpe+seas', batchSize: 8, rounds: 3, format: 'lines' });

describe('simulateExpected', () => {
  it('gives the calls and tokens of the strategy run on the simulator, with nothing scaled when every item is run', async () => {
    const expected = await simulateExpected(boolqTask, items, items.length, strategy, 'gpt-4');
    const model = createSimModel({ profile: 'gpt-4', task: boolqTask, items, seed: strategy.seed });
    const { summary } = await batchPrompt({ ...strategy, task: boolqTask, items, model });
    expect(expected.figures).toEqual({
      calls: summary.calls,
      inputTokens: summary.inputTokens,
      outputTokens: summary.outputTokens,
    });
    expect(expected.basis).toBe('simulated (sim:gpt-4) on 40 of 40 items');
    expect(expected.finalBatchSize).toBe(8);
    expect(expected.decision).toBe('');
  });

  it('scales a sample to the whole file, and runs an item without gold as if its gold were the first label', async () => {
    const withoutGold = items.slice(0, 20).map(({ gold: _gold, ...item }) => item);
    const firstLabel = withoutGold.map((item) => ({ ...item, gold: 'yes' }));
    const unscaled = await simulateExpected(boolqTask, firstLabel, 20, strategy, 'gpt-4');
    const scaled = await simulateExpected(boolqTask, withoutGold, 100, strategy, 'gpt-4');
    expect(scaled.basis).toBe('simulated (sim:gpt-4) on 20 of 100 items, scaled');
    expect(scaled.figures).toEqual({
      calls: unscaled.figures.calls * 5,
      inputTokens: unscaled.figures.inputTokens * 5,
      outputTokens: unscaled.figures.outputTokens * 5,
    });
  });
});

describe('sampleWhileReading', () => {
  const temp = useTempDir();

  it('yields every valid item, counts the invalid rows, and keeps a seeded sample of the valid ones', async () => {
    const file = temp('data.jsonl');
    const rows = items.map((item) => JSON.stringify({ id: item.id, ...item.fields }));
    rows.splice(5, 0, '{"id": "bad", "question": oops}');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const read = (seed: number) =>
      sampleWhileReading({ file, task: boolqTask, maxItemTokens: strategy.maxBatchTokens }, 10, seed);
    const first = read(0);
    const ids: string[] = [];
    for await (const item of first.items) ids.push(item.id);
    expect(ids).toEqual(items.map((item) => item.id));
    expect(first.invalid()).toBe(1);
    expect(first.sample).toHaveLength(10);
    expect(new Set(first.sample.map((item) => item.id)).size).toBe(10);
    const again = read(0);
    for await (const _item of again.items);
    expect(again.sample.map((item) => item.id)).toEqual(first.sample.map((item) => item.id));
  });
});
