import { describe, expect, it } from 'vitest';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import type { GenerateRequest } from '../spec/chat-model.js';
import { defineTask } from '../task/define-task.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { batchPrompt } from './batch-prompt.js';
import type { ItemState } from './item-state.js';
import { observedVotes } from './output-votes.js';
import type { Item } from './types.js';
import type { Vote } from './vote.js';

/*
 * Beyond its pilot, the adaptive rule observes a task with outputs output by output, as the pilot
 * does: a probe of a larger batch compares each output of each anchor with its round-1 answer, and
 * the pilot's round-2 calls are ordered by unsure answers, each output's counted.
 */

const task = defineTask({
  name: 'pairs',
  instruction: 'Answer both questions about the text.',
  fields: ['text'],
  outputs: [
    { name: 'first', answer: { type: 'labels', labels: ['yes', 'no'] } },
    { name: 'second', answer: { type: 'labels', labels: ['yes', 'no'] } },
  ],
});

const items: Item[] = Array.from({ length: 2000 }, (_, index) => ({
  id: `item-${index}`,
  fields: { text: `text ${index}` },
}));

const requestItems = (request: GenerateRequest) =>
  readRenderedBatch(request.messages.at(-1)?.content ?? '').map((entry) => ({
    ...entry,
    item: Number(entry.fields.text?.replace('text ', '')),
  }));

describe('anchors and unsure answers per output', () => {
  it('counts each output of each anchor as one answer compared, and a moved output as one disagreement', async () => {
    // Sure of both answers, except each tenth item's second; in calls of more than 32 items, the
    // second answer of every eighth item moves (the first never does).
    const model = createScriptedModel({
      reply: (request) => {
        const batch = requestItems(request);
        return batch
          .map((entry) => {
            const moved = batch.length > 32 && entry.item % 8 === 3;
            const secondSure = entry.item % 10 !== 0;
            return `${entry.index} (${entry.tag}): first=yes sure; second=${moved ? 'no' : 'yes'} ${secondSure ? 'sure' : 'unsure'}`;
          })
          .join('\n');
      },
    });
    const { summary } = await batchPrompt({ task, items, model, format: 'lines', batchSize: 32, rounds: 5 });
    const probes = summary.adaptive!.probes;
    expect(probes.length).toBeGreaterThan(0);
    const [first] = probes;
    // A probe at 64 asks 32 anchors again (probeAnchors): both outputs of each are compared.
    expect(first!.batchSize).toBe(64);
    expect(first!.anchors).toBe(64);
    // Only second answers move, about one anchor in eight: each a single disagreement of 64.
    const disagreed = first!.anchors - first!.agreed;
    expect(disagreed).toBeGreaterThan(0);
    expect(disagreed).toBeLessThanOrEqual(8);
  });

  it('observes an item with outputs as one vote per output of a round, and an item without as its own vote', () => {
    const vote = (answer: string, confident: boolean, round: number): Vote => ({
      round,
      answer,
      confident,
      position: 0,
      batchSize: 4,
    });
    const base = { index: 0, item: items[0]!, tokens: 1, problems: [], callFailed: false, rounds: 2 };
    const withOutputs: ItemState = {
      ...base,
      votes: [vote('first=yes;second=no', false, 1)],
      outputs: new Map([
        ['first', { votes: [vote('yes', true, 1), vote('yes', true, 2)], settled: false }],
        ['second', { votes: [vote('no', false, 1)], settled: false }],
      ]),
    };
    const observed = observedVotes(withOutputs, 1);
    expect([...observed].map(([name, entry]) => [name, entry.answer, entry.confident])).toEqual([
      ['first', 'yes', true],
      ['second', 'no', false],
    ]);
    expect([...observedVotes(withOutputs, 2).keys()]).toEqual(['first']);
    const single: ItemState = { ...base, votes: [vote('yes', false, 1)] };
    expect([...observedVotes(single, 1)].map(([name, entry]) => [name, entry.answer])).toEqual([['', 'yes']]);
  });
});
