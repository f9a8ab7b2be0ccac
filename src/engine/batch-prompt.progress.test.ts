import { describe, expect, it } from 'vitest';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { batchPrompt } from './batch-prompt.js';
import type { Item, Progress } from './types.js';

const items: Item[] = Array.from({ length: 8 }, (_, index) => ({
  id: `item-${index}`,
  fields: { question: `question ${index}`, passage: `passage ${index}` },
}));

describe('batchPrompt progress', () => {
  it('counts items with a final answer as rounds end, before the window hands out any result', async () => {
    // Items 0-3 get the same sure answer every round, so SEAS stops them after round 2; the
    // others stay unsure and go on to round 3.
    const model = createScriptedModel({
      reply: (request) =>
        readRenderedBatch(request.messages.at(-1)?.content ?? '')
          .map((entry) => {
            const item = Number(entry.fields.question?.replace('question ', ''));
            return `Input ${entry.index} (${entry.tag}): yes (${item < 4 ? 'sure' : 'unsure'})`;
          })
          .join('\n'),
    });
    const events: Progress[] = [];
    await batchPrompt({
      task: boolqTask,
      items,
      itemsTotal: items.length,
      model,
      strategy: 'bpe+seas',
      batchSize: 4,
      rounds: 3,
      format: 'lines',
      onProgress: (progress) => events.push(progress),
    });
    // After round 2 and before round 3: four items are settled, no result is out yet.
    const afterRound2 = events.find((event) => event.itemsSettled === 4);
    expect(afterRound2).toMatchObject({ itemsDone: 0, round: 2, maxRounds: 3, calls: 4 });
    expect(events.some((event) => event.round === 3 && event.itemsDone === 0)).toBe(true);
    // Two calls a round for rounds 1 and 2, one for the four items left: each is seen, and nothing
    // goes backwards.
    const calls = events.map((event) => event.calls);
    expect(new Set(calls)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    for (let index = 1; index < events.length; index += 1) {
      expect(events[index]!.itemsSettled).toBeGreaterThanOrEqual(events[index - 1]!.itemsSettled);
      expect(events[index]!.round).toBeGreaterThanOrEqual(events[index - 1]!.round);
    }
    expect(events.at(-1)).toMatchObject({ itemsSettled: 8, itemsDone: 8, round: 3, itemsTotal: 8 });
  });
});
