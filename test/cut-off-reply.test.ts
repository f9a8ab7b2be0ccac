import { describe, expect, it } from 'vitest';
import { batchPrompt } from '../src/engine/batch-prompt.js';
import { readRenderedBatch } from '../src/prompt/read-rendered-batch.js';
import { renderAnswerLine } from '../src/prompt/render-batch.js';
import { defineTask } from '../src/task/define-task.js';
import { createScriptedModel } from '../src/test/scripted-model.js';

/*
 * A reply cut off at the output limit (`finish_reason: length`) may end inside its last answer:
 * `1 (k9q2): 12` of `123`. That answer is never recorded; its item is asked again.
 */

const sums = defineTask({
  name: 'sums',
  instruction: 'Add the numbers.',
  fields: ['question'],
  answer: { type: 'number', integer: true },
});

const items = [7, 123, 40].map((total, index) => ({
  id: `s${index}`,
  fields: { question: `what is ${total - 1} + 1` },
  gold: total,
}));

describe('a reply cut off at the output limit', () => {
  it('records no answer from its cut-off end and asks that item again', async () => {
    const model = createScriptedModel({
      reply: (request, callNumber) => {
        const batch = readRenderedBatch(request.messages.at(-1)?.content ?? '');
        const answerOf = (question: string) => Number(/what is (\d+)/.exec(question)?.[1]) + 1;
        const lines = batch.map((entry) =>
          renderAnswerLine(entry.index, entry.tag, answerOf(entry.fields.question ?? ''), true),
        );
        if (callNumber > 0) return lines.join('\n');
        // The first reply stops two digits into its second answer.
        return { text: `${lines[0]}\n${lines[1]!.replace(/3 sure$/, '')}`, finishReason: 'length' };
      },
    });
    const { results, summary } = await batchPrompt({
      task: sums,
      items,
      model,
      strategy: 'batch',
      batchSize: 3,
      format: 'lines',
    });
    expect(model.results[0]?.text).toMatch(/^1 \(\w+\): 12$/m);
    expect(results.map((result) => result.answer)).toEqual([7, 123, 40]);
    expect(summary.reasks).toBeGreaterThan(0);
    // The re-ask holds the item whose answer was cut, never the one answered before the cut.
    const reasked = readRenderedBatch(model.requests[1]?.messages.at(-1)?.content ?? '');
    expect(reasked.map((entry) => entry.fields.question)).toContain('what is 122 + 1');
    expect(reasked.map((entry) => entry.fields.question)).not.toContain('what is 6 + 1');
  });
});
