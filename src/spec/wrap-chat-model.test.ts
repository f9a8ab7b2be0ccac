import { describe, expect, it } from 'vitest';
import type { ChatModel, GenerateRequest } from './chat-model.js';
import { wrapChatModel } from './wrap-chat-model.js';

function fakeModel(overrides: Partial<ChatModel> = {}): ChatModel & { requests: GenerateRequest[] } {
  const requests: GenerateRequest[] = [];
  return {
    id: 'fake:model',
    simulated: false,
    supportsJsonSchema: true,
    requests,
    async generate(request) {
      requests.push(request);
      return {
        text: `reply ${requests.length}`,
        usage: { inputTokens: 1, outputTokens: 2 },
        finishReason: 'stop',
      };
    },
    ...overrides,
  };
}

const request: GenerateRequest = { messages: [{ role: 'user', content: 'hello' }] };

describe('wrapChatModel', () => {
  it('keeps the id, the simulated label and JSON-schema support of the wrapped model', () => {
    const wrapped = wrapChatModel(fakeModel({ simulated: true, supportsJsonSchema: false }), {});
    expect(wrapped).toMatchObject({ id: 'fake:model', simulated: true, supportsJsonSchema: false });
  });

  it('passes calls through when no generate is given', async () => {
    const model = fakeModel();
    const result = await wrapChatModel(model, {}).generate(request);
    expect(result.text).toBe('reply 1');
    expect(model.requests).toEqual([request]);
  });

  it('lets generate change the request and the reply around the wrapped call', async () => {
    const model = fakeModel();
    const wrapped = wrapChatModel(model, {
      generate: async (call, next) => {
        const result = await next({ ...call, temperature: 1 });
        return { ...result, text: result.text.toUpperCase() };
      },
    });
    expect((await wrapped.generate(request)).text).toBe('REPLY 1');
    expect(model.requests[0]?.temperature).toBe(1);
  });

  it('lets generate answer without calling the wrapped model', async () => {
    const model = fakeModel();
    const wrapped = wrapChatModel(model, {
      generate: async () => ({
        text: 'kept',
        usage: { inputTokens: 0, outputTokens: 0 },
        finishReason: 'stop',
      }),
    });
    expect((await wrapped.generate(request)).text).toBe('kept');
    expect(model.requests).toHaveLength(0);
  });

  it('marks a model simulated, and a wrapper of a simulated model cannot unmark it', () => {
    const marked = wrapChatModel(fakeModel(), { simulated: true });
    expect(marked.simulated).toBe(true);
    expect(wrapChatModel(marked, {}).simulated).toBe(true);
  });
});
