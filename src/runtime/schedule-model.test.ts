import { describe, expect, it } from 'vitest';
import type { ChatModel } from '../spec/chat-model.js';
import { scheduleModel } from './schedule-model.js';
import { createScheduler } from './scheduler.js';

describe('scheduleModel', () => {
  it('keeps the model identity and sends every call through the scheduler', async () => {
    const model: ChatModel = {
      id: 'sim:gpt-4',
      simulated: true,
      supportsJsonSchema: true,
      generate: async () => ({
        text: 'ok',
        usage: { inputTokens: 5, outputTokens: 2 },
        finishReason: 'stop',
      }),
    };
    const scheduler = createScheduler();
    const scheduled = scheduleModel(model, scheduler);
    expect(scheduled).toMatchObject({ id: 'sim:gpt-4', simulated: true, supportsJsonSchema: true });
    await scheduled.generate({ messages: [{ role: 'user', content: 'hi' }] });
    expect(scheduler.stats()).toMatchObject({ started: 1, succeeded: 1, inputTokens: 5, outputTokens: 2 });
  });
});
