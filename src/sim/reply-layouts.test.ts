import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { batchPrompt } from '../engine/batch-prompt.js';
import { renderBatch } from '../prompt/render-batch.js';
import { createModel } from '../providers/create-model.js';
import { loadItems } from '../source/load-items.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createSimModel } from './create-sim-model.js';
import { startSimServer } from './serve.js';
import { simReplyLayouts } from './sim-reply-layouts.js';

/*
 * The simulated model laid out in each reply layout real models write: every layout names each
 * index and the batch code, so a run reads it as it reads our own format, with no re-ask, and
 * every answer lands on its own item.
 */

const demoFile = fileURLToPath(new URL('../../examples/demo/yes-no.jsonl', import.meta.url));

/** What a reply in each layout must look like, so a layout that silently fell back to ours shows. */
const signatures: Record<(typeof simReplyLayouts)[number], RegExp> = {
  ours: /^0 \(\w+\): (?:yes|no) (?:sure|unsure)$/m,
  'one-based': /^1 \(\w+\): (?:yes|no) (?:sure|unsure)$/m,
  'numbered-list': /^1\. 0 \(\w+\): /m,
  'upper-code': /^0 \([A-Z0-9]+\): /m,
  'code-column': /^\| Input \| Code \| Answer \| Confidence \|$\n^\| --- /m,
  'answer-next-line': /^Input 0 \(\w+\)\nAnswer: (?:yes|no) /m,
  'json-keyed': /^\{"answers":\{"0 \(\w+\)":"(?:yes|no) (?:sure|unsure)"/,
};

describe('simulated reply layouts', () => {
  it('writes each layout as it says', async () => {
    const items = (await loadItems(demoFile, boolqTask)).slice(0, 4);
    const { messages } = renderBatch(boolqTask, items, { format: 'lines', tag: 'k9q2' });
    for (const layout of simReplyLayouts) {
      const model = createSimModel({ task: boolqTask, items, layout });
      const { text } = await model.generate({ messages });
      expect({ layout, matches: signatures[layout].test(text) }).toEqual({ layout, matches: true });
    }
  });

  it('refuses a layout it does not know', () => {
    expect(() => createSimModel({ task: boolqTask, layout: 'sideways' as 'ours' })).toThrow(/layout/);
  });

  for (const format of ['lines', 'json'] as const) {
    it(`gives the answers and calls of our own layout in every layout (${format})`, async () => {
      const items = await loadItems(demoFile, boolqTask);
      const options = { task: boolqTask, items, batchSize: 16, rounds: 2, strategy: 'bpe' as const, format };
      // A layout reads as ours only where the model made no formatting fault: a reply numbered
      // from 1 that skips an index is rightly read as nothing. The seed is one whose run has none.
      const seed = 2;
      const ours = await batchPrompt({
        ...options,
        model: createSimModel({ task: boolqTask, items, seed }),
      });
      expect(ours.results.every((result) => result.status === 'answered')).toBe(true);
      expect(ours.summary.reasks).toBe(0);
      for (const layout of simReplyLayouts) {
        const model = createSimModel({ task: boolqTask, items, seed, layout });
        const laidOut = await batchPrompt({ ...options, model });
        expect({ layout, votes: laidOut.results.map((result) => result.votes) }).toEqual({
          layout,
          votes: ours.results.map((result) => result.votes),
        });
        expect({ layout, calls: laidOut.summary.calls, reasks: laidOut.summary.reasks }).toEqual({
          layout,
          calls: ours.summary.calls,
          reasks: ours.summary.reasks,
        });
      }
    });
  }

  it('lays out replies over HTTP too', async () => {
    const items = await loadItems(demoFile, boolqTask);
    const server = await startSimServer({
      task: boolqTask,
      items,
      seed: 2,
      layout: 'code-column',
      quiet: true,
    });
    try {
      const model = createModel('openai-compatible:sim', { baseUrl: server.url, env: {} });
      const { messages } = renderBatch(boolqTask, items.slice(0, 3), { format: 'lines', tag: 'k9q2' });
      const { text } = await model.generate({ messages });
      expect(text).toMatch(signatures['code-column']);
      const run = await batchPrompt({
        task: boolqTask,
        items,
        model,
        batchSize: 16,
        rounds: 1,
        format: 'lines',
      });
      expect(run.results.every((result) => result.status === 'answered')).toBe(true);
      expect(run.summary.reasks).toBe(0);
    } finally {
      await server.close();
    }
  });
});
