import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../spec/chat-model.js';
import { cacheKey } from './cache-key.js';

const messages: ChatMessage[] = [
  { role: 'system', content: 'Answer yes or no.' },
  { role: 'user', content: 'Is the sky blue?' },
];

describe('cacheKey', () => {
  it('is a sha256 hex digest', () => {
    expect(cacheKey({ modelId: 'openai:gpt-4o', settings: {}, messages })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the key order of settings or messages', () => {
    const first = cacheKey({ modelId: 'openai:gpt-4o', settings: { temperature: 0, seed: 7 }, messages });
    const reordered = cacheKey({
      messages: messages.map((message) => ({ content: message.content, role: message.role })),
      settings: { seed: 7, temperature: 0 },
      modelId: 'openai:gpt-4o',
    });
    expect(reordered).toBe(first);
  });

  it('changes with the temperature, the model, and the message order', () => {
    const base = cacheKey({ modelId: 'openai:gpt-4o', settings: { temperature: 0 }, messages });
    expect(cacheKey({ modelId: 'openai:gpt-4o', settings: { temperature: 0.7 }, messages })).not.toBe(base);
    expect(cacheKey({ modelId: 'openai:gpt-4o-mini', settings: { temperature: 0 }, messages })).not.toBe(
      base,
    );
    expect(
      cacheKey({ modelId: 'openai:gpt-4o', settings: { temperature: 0 }, messages: [...messages].reverse() }),
    ).not.toBe(base);
  });

  it('ignores properties hung on a message besides role and content', () => {
    const base = cacheKey({ modelId: 'sim', settings: {}, messages });
    const decorated = messages.map((message) => ({ ...message, debugNote: 'not sent' }));
    expect(cacheKey({ modelId: 'sim', settings: {}, messages: decorated })).toBe(base);
  });
});
