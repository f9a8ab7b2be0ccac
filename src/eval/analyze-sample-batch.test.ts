import { expect, it } from 'vitest';
import type { ChatMessage } from '../spec/chat-model.js';
import { createScriptedModel } from '../test/scripted-model.js';
import { recordFirstCall } from './analyze-sample-batch.js';

it('keeps the first call as sent and its reply, and passes every call through', async () => {
  const inner = createScriptedModel({ reply: (_request, callNumber) => `reply ${callNumber}` });
  const recorder = recordFirstCall(inner);
  expect(recorder.sample()).toBeNull();
  const messages: ChatMessage[] = [
    { role: 'system', content: 'instruction' },
    { role: 'user', content: 'first batch' },
  ];
  const first = await recorder.model.generate({ messages });
  // The caller reusing its message objects must not change what was recorded.
  messages[1]!.content = 'changed afterwards';
  const second = await recorder.model.generate({ messages: [{ role: 'user', content: 'second batch' }] });
  expect([first.text, second.text]).toEqual(['reply 0', 'reply 1']);
  expect(inner.requests).toHaveLength(2);
  expect(recorder.sample()).toEqual({
    messages: [
      { role: 'system', content: 'instruction' },
      { role: 'user', content: 'first batch' },
    ],
    reply: 'reply 0',
    finishReason: 'stop',
  });
  expect(recorder.model).toMatchObject({ id: 'scripted', simulated: true, supportsJsonSchema: false });
});

it('records a failed first call with its error and still throws it', async () => {
  const inner = createScriptedModel({ reply: () => new Error('endpoint down') });
  const recorder = recordFirstCall(inner);
  await expect(recorder.model.generate({ messages: [{ role: 'user', content: 'q' }] })).rejects.toThrow(
    'endpoint down',
  );
  expect(recorder.sample()).toMatchObject({ reply: null, error: 'endpoint down' });
});
