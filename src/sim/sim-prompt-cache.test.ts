import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../spec/chat-model.js';
import { createSimPromptCache } from './sim-prompt-cache.js';

/** A message of about `words` tokens (one o200k token per repeated word and its space). */
const text = (word: string, words: number) => Array.from({ length: words }, () => word).join(' ');

describe('the simulated OpenAI prompt cache', () => {
  it('reads a prefix seen before, from 1,024 tokens on, in 128-token steps, once the first call replied', () => {
    let clock = 0;
    const cache = createSimPromptCache({ now: () => clock });
    const prefix: ChatMessage = { role: 'system', content: text('guideline', 1500) };
    const call = (tail: string) =>
      cache.use('gpt-4.1-mini', [prefix, { role: 'user', content: tail }], { kind: 'automatic' });
    const first = call('first batch');
    // A call in flight with the first reads nothing: its entries are not written yet.
    expect(call('second batch').readTokens).toBe(0);
    first.commit();
    const second = call('third batch');
    expect(second.readTokens).toBeGreaterThanOrEqual(1024);
    expect(second.readTokens % 128).toBe(0);
    expect(second.readTokens).toBeLessThanOrEqual(1503);
    expect(second.readTokens).toBeGreaterThan(1503 - 128);
    expect(second.writeTokens).toBe(0);
    // Another model has a cache of its own; an entry idle for 5 minutes is gone.
    expect(cache.use('gpt-4o', [prefix], { kind: 'automatic' }).readTokens).toBe(0);
    clock += 5 * 60 * 1000 + 1;
    expect(call('fourth batch').readTokens).toBe(0);
  });

  it('caches nothing below 1,024 tokens', () => {
    const cache = createSimPromptCache();
    const short: ChatMessage[] = [
      { role: 'system', content: text('guideline', 900) },
      { role: 'user', content: 'batch' },
    ];
    cache.use('m', short, { kind: 'automatic' }).commit();
    expect(cache.use('m', short, { kind: 'automatic' }).readTokens).toBe(0);
  });
});

describe('the simulated Anthropic prompt cache', () => {
  const system: ChatMessage = { role: 'system', content: text('guideline', 1100) };
  const examples: ChatMessage[] = [
    { role: 'user', content: text('example', 300) },
    { role: 'assistant', content: text('answer', 100) },
  ];
  const batch: ChatMessage = { role: 'user', content: 'the batch' };
  const minutes5 = 5 * 60 * 1000;

  it('writes the marked prefix once and reads it after, each mark an entry of its own', () => {
    let clock = 0;
    const cache = createSimPromptCache({ now: () => clock });
    const marks = [
      { message: 0, ttlMs: minutes5 },
      { message: 2, ttlMs: minutes5 },
    ];
    const first = cache.use('claude', [system, ...examples, batch], { kind: 'marked', breakpoints: marks });
    expect(first.readTokens).toBe(0);
    const full = first.writeTokens;
    expect(full).toBeGreaterThan(1500);
    first.commit();
    const again = cache.use('claude', [system, ...examples, batch], { kind: 'marked', breakpoints: marks });
    expect(again).toMatchObject({ readTokens: full, writeTokens: 0 });
    // A later round without the examples reads the system message's own entry.
    const later = cache.use('claude', [system, batch], {
      kind: 'marked',
      breakpoints: [{ message: 0, ttlMs: minutes5 }],
    });
    expect(later.readTokens).toBeGreaterThan(1100);
    expect(later.readTokens).toBeLessThan(full);
    expect(later.writeTokens).toBe(0);
    // Unmarked, nothing is read or written; past its TTL, the entry is written again.
    expect(cache.use('claude', [system, batch], { kind: 'marked', breakpoints: [] })).toMatchObject({
      readTokens: 0,
      writeTokens: 0,
    });
    clock += minutes5 + 1;
    expect(
      cache.use('claude', [system, ...examples, batch], { kind: 'marked', breakpoints: marks }),
    ).toMatchObject({ readTokens: 0, writeTokens: full });
  });

  it('writes nothing for a marked prefix under the minimum', () => {
    const cache = createSimPromptCache();
    const short: ChatMessage[] = [{ role: 'system', content: text('guideline', 500) }, batch];
    const use = cache.use('claude', short, {
      kind: 'marked',
      breakpoints: [{ message: 0, ttlMs: minutes5 }],
    });
    expect(use).toMatchObject({ readTokens: 0, writeTokens: 0 });
  });
});
