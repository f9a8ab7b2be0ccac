import { describe, expect, it } from 'vitest';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import type { GenerateRequest, GenerateResult } from '../spec/chat-model.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { defineTask } from '../task/define-task.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { batchPrompt } from './batch-prompt.js';

/*
 * Every call tells the model stack what a usable reply is (`GenerateRequest.usable`): one that gives
 * at least one item of the batch an answer. The request ledger's breaker counts the others.
 */

const chatter = 'I am sorry, but I cannot help with that.';

/** A reply with `text`, as the stack would hand it to `usable`. */
function replyOf(text: string): GenerateResult {
  return { text, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
}

/** The first request of a one-call run of `task` whose model answers as `answer` writes. */
async function firstRequest(
  task: Parameters<typeof batchPrompt>[0]['task'],
  fields: Record<string, string>[],
  answer: (entry: { index: number; tag: string }) => string,
): Promise<GenerateRequest> {
  const model = createScriptedModel({
    reply: (request) =>
      readRenderedBatch(request.messages.at(-1)?.content ?? '')
        .map(answer)
        .join('\n'),
  });
  await batchPrompt({
    task,
    items: fields.map((entry, index) => ({ id: `i${index}`, fields: entry })),
    model,
    strategy: 'batch',
    batchSize: fields.length,
    format: 'lines',
  });
  return model.requests[0]!;
}

describe('the usable reply a call asks for', () => {
  it('is one answer to one item of the batch; chatter, or answers under another batch code, are not', async () => {
    const fields = [0, 1, 2].map((index) => ({ question: `q${index}`, passage: `p${index}` }));
    let tag = '';
    const request = await firstRequest(boolqTask, fields, (entry) => {
      tag = entry.tag;
      return `${entry.index} (${entry.tag}): yes sure`;
    });
    expect(request.usable?.(replyOf(`0 (${tag}): no sure`))).toBe(true);
    expect(request.usable?.(replyOf(chatter))).toBe(false);
    expect(request.usable?.(replyOf('0 (zzzz): yes sure\n1 (zzzz): no sure'))).toBe(false);
  });

  it('of a task with outputs is one output of one item answered', async () => {
    const task = defineTask({
      name: 'tickets',
      instruction: 'Answer each question about the ticket.',
      fields: ['body'],
      outputs: [
        { name: 'topic', answer: { type: 'labels', labels: ['billing', 'delivery'] } },
        { name: 'urgency', answer: { type: 'labels', labels: ['low', 'high'] } },
      ],
    });
    let tag = '';
    const request = await firstRequest(task, [{ body: 'a' }, { body: 'b' }], (entry) => {
      tag = entry.tag;
      return `${entry.index} (${entry.tag}): topic=billing sure; urgency=low sure`;
    });
    expect(request.usable?.(replyOf(`0 (${tag}): urgency=high sure`))).toBe(true);
    expect(request.usable?.(replyOf(chatter))).toBe(false);
  });
});
