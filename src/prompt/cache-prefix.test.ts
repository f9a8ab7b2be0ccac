import { describe, expect, it } from 'vitest';
import { batchPrompt } from '../engine/batch-prompt.js';
import type { Item } from '../engine/types.js';
import type { GenerateRequest } from '../spec/chat-model.js';
import { boolqTask, rteTask } from '../task/builtin-tasks.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { readRenderedBatch } from './read-rendered-batch.js';
import { renderBatch } from './render-batch.js';

/*
 * A provider's prompt cache reuses the longest prefix two calls share. Every call of a run must
 * therefore start with the same bytes (system message, then the worked examples where the call
 * shows them), whatever its size, round or attempt, and differ only in its last message.
 */

function makeItems(count: number): Item[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `item-${index}`,
    fields: { question: `question ${index}`, passage: `passage for question ${index}` },
    gold: index % 2 === 0,
  }));
}

/** Answers every input, except that every third call leaves out input 2, so re-asks happen. */
function answerMostInputs(request: GenerateRequest, callNumber: number): string {
  const batch = readRenderedBatch(request.messages.at(-1)?.content ?? '');
  return batch
    .filter((entry) => !(callNumber % 3 === 0 && entry.index === 2))
    .map((entry) => `${entry.index} (${entry.tag}): ${entry.index % 2 === 0 ? 'yes' : 'no'} sure`)
    .join('\n');
}

const serialized = (request: GenerateRequest) => request.messages.map((message) => JSON.stringify(message));

describe('the prefix every call of a run shares', () => {
  it('is byte-identical across round 1, later rounds, re-asks and batches of every size', async () => {
    const model = createScriptedModel({ reply: answerMostInputs });
    const { summary } = await batchPrompt({
      task: boolqTask,
      items: makeItems(21),
      model,
      strategy: 'bpe',
      rounds: 3,
      batchSize: 8,
      format: 'lines',
      examples: 'first-round',
    });
    const requests = model.requests;
    const withExamples = requests.filter((request) => request.messages.length === 4);
    const withoutExamples = requests.filter((request) => request.messages.length === 2);
    expect(withExamples.length + withoutExamples.length).toBe(requests.length);
    // The run covers what could break the prefix: batch sizes 8 and 5 (and smaller re-asks), rounds
    // with and without examples, and re-asks in both.
    const sizes = new Set(
      requests.map((request) => readRenderedBatch(request.messages.at(-1)!.content).length),
    );
    expect(sizes.size).toBeGreaterThanOrEqual(3);
    expect(summary.reasks).toBeGreaterThan(0);
    const isReask = (request: GenerateRequest) =>
      request.messages.at(-1)!.content.includes('Your last reply');
    expect(withExamples.some(isReask)).toBe(true);
    expect(withoutExamples.some(isReask)).toBe(true);

    const [first] = withExamples;
    for (const request of withExamples)
      expect(serialized(request).slice(0, 3)).toEqual(serialized(first!).slice(0, 3));
    for (const request of requests) expect(request.messages[0]).toEqual(first!.messages[0]);
    // What varies starts in the last message, with the count of its inputs.
    for (const request of requests) {
      const count = readRenderedBatch(request.messages.at(-1)!.content).length;
      expect(request.messages.at(-1)!.content.split('\n')[0]).toBe(
        `${count} input${count === 1 ? '' : 's'}, numbered 0 to ${count - 1}: write exactly ${count} line${count === 1 ? '' : 's'}.`,
      );
    }
  });

  it('says nothing of the batch in the system message, in either format', () => {
    for (const format of ['lines', 'json'] as const) {
      const one = renderBatch(rteTask, makeItems(1), { format, tag: 'aa11' });
      const many = renderBatch(rteTask, makeItems(30), { format, tag: 'bb22' });
      expect(one.messages.slice(0, -1)).toEqual(many.messages.slice(0, -1));
      expect(one.messages.at(-1)!.content).not.toEqual(many.messages.at(-1)!.content);
    }
  });
});
