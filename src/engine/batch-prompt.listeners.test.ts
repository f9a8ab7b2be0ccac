import { describe, expect, it } from 'vitest';
import { readRenderedBatch } from '../prompt/read-rendered-batch.js';
import { scheduleModel } from '../runtime/schedule-model.js';
import { createScheduler } from '../runtime/scheduler.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { batchPrompt } from './batch-prompt.js';

describe('batchPrompt with a long queue of calls', () => {
  it('raises no MaxListenersExceededWarning while 40 calls wait for one slot', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const scripted = createScriptedModel({
        reply: (request) =>
          readRenderedBatch(request.messages.at(-1)?.content ?? '')
            .map((entry) => `Input ${entry.index} (${entry.tag}): yes (sure)`)
            .join('\n'),
      });
      const model = scheduleModel(scripted, createScheduler({ concurrency: 1 }));
      const { summary } = await batchPrompt({
        task: boolqTask,
        items: Array.from({ length: 40 }, (_, index) => ({
          id: `q${index}`,
          fields: { question: `question ${index}`, passage: `passage ${index}` },
        })),
        model,
        strategy: 'single',
        format: 'lines',
      });
      expect(summary.calls).toBe(40);
      // Node emits the warning on a later turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
