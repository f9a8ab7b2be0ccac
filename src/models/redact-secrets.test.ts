import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  it('removes a known secret of any shape', () => {
    expect(redactSecrets('key was hunter2-plain', ['hunter2-plain'])).toBe('key was [redacted]');
  });

  it('removes bearer tokens, key headers and key query parameters', () => {
    expect(redactSecrets('Authorization: Bearer abc.def-123')).not.toContain('abc.def-123');
    expect(redactSecrets('{"x-api-key":"zzz-unknown-shape"}')).not.toContain('zzz-unknown-shape');
    expect(redactSecrets('https://host/v1/models?key=secretvalue&alt=json')).toBe(
      'https://host/v1/models?key=[redacted]&alt=json',
    );
  });

  it('removes OpenAI, Anthropic and Google key shapes', () => {
    const text = 'sk-proj-abcdefghijklmnop sk-ant-api03-abcdefghij AIzaSyA1234567890abcdefghijklmnop';
    expect(redactSecrets(text)).toBe('[redacted] [redacted] [redacted]');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Rate limit reached for gpt-4o-mini: 30000 tokens per min. Try again in 2s.';
    expect(redactSecrets(text, ['abc'])).toBe(text);
  });
});
