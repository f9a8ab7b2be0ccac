import { describe, expect, it } from 'vitest';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import type { GenerateRequest } from '../spec/chat-model.js';
import { defineTask } from '../task/define-task.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { batchPrompt } from './batch-prompt.js';
import { decideLabelSet } from './output-votes.js';
import type { Item } from './types.js';
import type { Vote } from './vote.js';

const task = defineTask({
  name: 'tickets',
  instruction: 'Answer each question about the ticket.',
  fields: ['body'],
  outputs: [
    { name: 'topic', answer: { type: 'labels', labels: ['billing', 'delivery'] } },
    { name: 'urgency', answer: { type: 'labels', labels: ['low', 'high'] } },
    {
      name: 'mentions',
      answer: { type: 'labels', labels: ['refund', 'deadline', 'callback'], multiple: true, min: 0 },
    },
  ],
});

function vote(answer: string, confident: boolean, round: number): Vote {
  return { round, answer, confident, position: 0, batchSize: 8 };
}

describe('decideLabelSet', () => {
  it('keeps each label whose weighted votes pass half of all weight, in the task’s order', () => {
    const votes = [
      vote('deadline,refund', true, 1),
      vote('refund', true, 2),
      vote('refund,callback', false, 3),
    ];
    // Weights 1, 1, 0.2 of 2.2: refund 2.2, deadline 1, callback 0.2; half is 1.1.
    const decided = decideLabelSet(votes, 'weighted', ['refund', 'deadline', 'callback']);
    expect(decided?.answer).toEqual(['refund']);
    expect(decided?.tally).toEqual({ deadline: 1, refund: 2.2, callback: 0.2 });
    expect(decided?.confidence).toBeCloseTo(1 / 2.2);
  });

  it('leaves a label out at exactly half, and decides the empty set when nothing passes', () => {
    const split = decideLabelSet([vote('refund', true, 1), vote('none', true, 2)], 'majority', ['refund']);
    expect(split?.answer).toEqual([]);
    const none = decideLabelSet([vote('none', true, 1), vote('none', false, 2)], 'weighted', ['refund']);
    expect(none).toEqual({ answer: [], confidence: 1, tally: {} });
    expect(decideLabelSet([], 'weighted', ['refund'])).toBeUndefined();
  });
});

const items: Item[] = Array.from({ length: 6 }, (_, index) => ({
  id: `t${index}`,
  fields: { body: `ticket ${index}` },
  gold: { topic: 'billing', urgency: index % 2 === 0 ? 'high' : 'low', mentions: ['refund'] },
}));

/** The asked outputs of a request, and its items by number. */
function asked(request: GenerateRequest) {
  const last = request.messages.at(-1)?.content ?? '';
  const only = /This time answer only the questions? ([^:]+):/.exec(last);
  return {
    outputs: only === null ? ['topic', 'urgency', 'mentions'] : only[1]!.split(', '),
    batch: readRenderedBatch(last).map((entry) => ({
      ...entry,
      item: Number(entry.fields.body!.split(' ')[1]),
    })),
  };
}

describe('batchPrompt with a task with outputs', () => {
  it('stops each output on its own votes: topic never moves and leaves after round 2, urgency flips and votes on', async () => {
    let round = 0;
    const model = createScriptedModel({
      reply: (request) => {
        const { outputs, batch } = asked(request);
        round += 1;
        return batch
          .map((entry) => {
            const parts = outputs.map((name) =>
              name === 'topic'
                ? 'topic=billing sure'
                : name === 'urgency'
                  ? `urgency=${round % 2 === 0 ? 'low' : 'high'} sure`
                  : 'mentions=refund sure',
            );
            return `${entry.index} (${entry.tag}): ${parts.join('; ')}`;
          })
          .join('\n');
      },
    });
    const { results } = await batchPrompt({
      task,
      items,
      model,
      strategy: 'bpe+seas',
      batchSize: 6,
      rounds: 5,
    });
    // Rounds 1 and 2 ask every output; SEAS settles topic and mentions there; urgency alone after.
    expect(model.requests.map((request) => asked(request).outputs)).toEqual([
      ['topic', 'urgency', 'mentions'],
      ['topic', 'urgency', 'mentions'],
      ['urgency'],
      ['urgency'],
      ['urgency'],
    ]);
    const first = results[0]!;
    expect(first.outputs?.topic).toMatchObject({ answer: 'billing', settled: true, correct: true });
    expect(first.outputs?.topic?.votes).toHaveLength(2);
    expect(first.outputs?.urgency?.votes.map((entry) => entry.answer)).toEqual([
      'high',
      'low',
      'high',
      'low',
      'high',
    ]);
    expect(first.outputs?.mentions).toMatchObject({ answer: ['refund'], correct: true });
    expect(first.rounds).toBe(5);
    expect(results.map((result) => result.correct)).toEqual([true, false, true, false, true, false]);
  });

  it('keeps the outputs a line answered and re-asks only the missing one, for that item alone', async () => {
    const model = createScriptedModel({
      reply: (request, callNumber) => {
        const { outputs, batch } = asked(request);
        return batch
          .map((entry) => {
            const parts = outputs
              .filter((name) => !(callNumber === 0 && entry.item === 2 && name === 'urgency'))
              .map((name) =>
                name === 'mentions'
                  ? 'mentions=none sure'
                  : `${name}=${name === 'topic' ? 'delivery' : 'low'} sure`,
              );
            return `${entry.index} (${entry.tag}): ${parts.join('; ')}`;
          })
          .join('\n');
      },
    });
    const { results, summary } = await batchPrompt({ task, items, model, strategy: 'batch', batchSize: 6 });
    expect(model.requests).toHaveLength(2);
    expect(asked(model.requests[1]!)).toMatchObject({ outputs: ['urgency'] });
    expect(asked(model.requests[1]!).batch.map((entry) => entry.item)).toEqual([2]);
    expect(results[2]?.outputs?.urgency?.answer).toBe('low');
    expect(results[2]?.outputs?.topic?.votes).toHaveLength(1);
    expect(results.every((result) => result.status === 'answered')).toBe(true);
    expect(summary.reasks).toBe(1);
  });

  it('records the items of a call that failed as failed, with the reason, and an item whose output was never read as unanswered, with its own', async () => {
    const failing = createScriptedModel({ reply: () => new Error('server exploded') });
    const failed = await batchPrompt({ task, items, model: failing, strategy: 'batch', batchSize: 6 });
    expect(failed.results.map((result) => result.status)).toEqual(Array(6).fill('failed'));
    for (const result of failed.results) expect(result.error).toContain('call failed: server exploded');
    expect(failed.summary.failed).toBe(6);

    // Item 2's urgency is never answered; its other outputs and every other item are.
    const silent = createScriptedModel({
      reply: (request) => {
        const { outputs, batch } = asked(request);
        return batch
          .map((entry) => {
            const parts = outputs
              .filter((name) => !(entry.item === 2 && name === 'urgency'))
              .map((name) =>
                name === 'mentions'
                  ? 'mentions=none sure'
                  : `${name}=${name === 'topic' ? 'billing' : 'low'} sure`,
              );
            return `${entry.index} (${entry.tag}): ${parts.join('; ')}`;
          })
          .join('\n');
      },
    });
    const { results } = await batchPrompt({ task, items, model: silent, strategy: 'batch', batchSize: 6 });
    expect(results.map((result) => result.status)).toEqual([
      'answered',
      'answered',
      'unanswered',
      'answered',
      'answered',
      'answered',
    ]);
    expect(results[2]?.error).toMatch(/urgency/);
    expect(results[2]?.outputs?.topic?.answer).toBe('billing');
  });

  it('attributes nothing to an item whose line names an unknown output, and asks it again whole with those after it', async () => {
    const model = createScriptedModel({
      reply: (request, callNumber) => {
        const { outputs, batch } = asked(request);
        return batch
          .map((entry) => {
            const parts = outputs.map((name) =>
              name === 'mentions'
                ? 'mentions=refund sure'
                : `${name}=${name === 'topic' ? 'billing' : 'high'} sure`,
            );
            if (callNumber === 0 && entry.item === 1) parts.push('colour=red sure');
            return `${entry.index} (${entry.tag}): ${parts.join('; ')}`;
          })
          .join('\n');
      },
    });
    const { results } = await batchPrompt({ task, items, model, strategy: 'batch', batchSize: 6 });
    expect(asked(model.requests[1]!)).toMatchObject({ outputs: ['topic', 'urgency', 'mentions'] });
    // As after an unreadable answer, the numbering of the lines after it is not trusted either.
    expect(asked(model.requests[1]!).batch.map((entry) => entry.item)).toEqual([1, 2, 3, 4, 5]);
    expect(results[0]?.outputs?.topic?.votes).toHaveLength(1);
    expect(results[1]?.outputs?.topic?.votes.map((entry) => entry.batch)).not.toContain(
      results[0]?.outputs?.topic?.votes[0]?.batch,
    );
  });
});
