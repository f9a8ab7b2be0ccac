import { describe, expect, it } from 'vitest';
import { batchPrompt } from '../engine/batch-prompt.js';
import { resolveStrategy } from '../engine/resolve-strategy.js';
import type { Item } from '../engine/types.js';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import { renderBatch } from '../prompt/render-batch.js';
import { countMessageTokens } from '../spec/count-tokens.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { countPlan } from './count-plan.js';

const items: Item[] = Array.from({ length: 70 }, (_, index) => ({
  id: String(index),
  fields: {
    question: `is question number ${index} answered by the passage`,
    passage: `Passage ${index} -- ${'Some words about a topic that goes on. '.repeat((index % 7) + 1)}`,
  },
}));

describe('countPlan', () => {
  it('counts SinglePrompt within 0.5% of rendering and tokenizing every prompt', async () => {
    const plan = await countPlan(boolqTask, items, resolveStrategy({ strategy: 'single', format: 'lines' }));
    const exact = items.reduce(
      (sum, item) =>
        sum + countMessageTokens(renderBatch(boolqTask, [item], { format: 'lines', tag: 'abcd' }).messages),
      0,
    );
    expect(plan.single.calls).toBe(70);
    expect(Math.abs(plan.single.inputTokens - exact) / exact).toBeLessThan(0.005);
  });

  it('counts every round of every batch at worst, within 0.5% of the rendered prompts', async () => {
    const strategy = resolveStrategy({ strategy: 'bpe', batchSize: 32, rounds: 3, format: 'lines' });
    const plan = await countPlan(boolqTask, items, strategy);
    expect(plan.worstCase.calls).toBe(3 * 3);
    const batches = [items.slice(0, 32), items.slice(32, 64), items.slice(64)];
    const exactRound = batches.reduce(
      (sum, batch) =>
        sum + countMessageTokens(renderBatch(boolqTask, batch, { format: 'lines', tag: 'abcd' }).messages),
      0,
    );
    expect(Math.abs(plan.worstCase.inputTokens - 3 * exactRound) / (3 * exactRound)).toBeLessThan(0.005);
    expect(plan.largestItem.index % 7).toBe(6);
  });

  it('leaves the examples out of later rounds when asked to', async () => {
    const every = await countPlan(boolqTask, items, resolveStrategy({ rounds: 3, format: 'lines' }));
    const first = await countPlan(
      boolqTask,
      items,
      resolveStrategy({ rounds: 3, format: 'lines', examples: 'first-round' }),
    );
    expect(first.worstCase.inputTokens).toBeLessThan(every.worstCase.inputTokens);
    expect(first.worstCase.calls).toBe(every.worstCase.calls);
  });

  it('cuts windows and batches as a run does, with the smaller first window of the adaptive rule', async () => {
    // 1,040 items at 30 a call: the engine's first adaptive window of 1,024 makes 35 calls and
    // the 16 after it one more; one window of 1,040 would make 35.
    const many: Item[] = Array.from({ length: 1040 }, (_, index) => ({
      id: String(index),
      fields: { question: `question ${index}`, passage: `passage ${index}` },
    }));
    const options = { strategy: 'adaptive', batchSize: 30, rounds: 1, format: 'lines' } as const;
    const plan = await countPlan(boolqTask, many, resolveStrategy(options));
    const model = createScriptedModel({
      reply: (request) =>
        readRenderedBatch(request.messages.at(-1)?.content ?? '')
          .map((entry) => `Input ${entry.index} (${entry.tag}): yes (sure)`)
          .join('\n'),
    });
    const { summary } = await batchPrompt({ ...options, task: boolqTask, items: many, model });
    expect(plan.worstCase.calls).toBe(36);
    expect(summary.calls).toBe(36);
  });
});

describe('countPlan, output tokens by reply format', () => {
  it('counts the same calls answered in lines and in JSON, the chosen format as the plan does', async () => {
    const strategy = resolveStrategy({ strategy: 'bpe', batchSize: 32, rounds: 3, format: 'json' });
    const plan = await countPlan(boolqTask, items, strategy);
    const { lines, json } = plan.outputTokensByFormat;
    expect(json.worstCase).toBe(plan.worstCase.outputTokens);
    expect(json.single).toBe(plan.single.outputTokens);
    const linesPlan = await countPlan(boolqTask, items, { ...strategy, format: 'lines' });
    expect(lines.worstCase).toBe(linesPlan.worstCase.outputTokens);
    // 70 items, 3 rounds: JSON entries as the prompt shows them, `{"id":"3 abcd","answer":"yes sure"}`,
    // about 12 tokens each; answer lines `3 (abcd): yes sure` about 7.
    const answers = 70 * 3;
    expect(json.worstCase / answers).toBeGreaterThan(11);
    expect(json.worstCase / answers).toBeLessThan(13);
    expect(lines.worstCase / answers).toBeGreaterThan(6);
    expect(lines.worstCase / answers).toBeLessThan(8);
  });
});
