import { describe, expect, it } from 'vitest';
import { InputError } from '../spec/errors.js';
import { assertNoSecrets } from './assert-no-secrets.js';

describe('assertNoSecrets', () => {
  it('accepts ordinary settings, including token limits', () => {
    expect(() =>
      assertNoSecrets(
        { model: 'openai:gpt-4o', maxOutputTokens: 256, tpm: 30_000, apiKey: undefined },
        'config',
      ),
    ).not.toThrow();
  });

  it('refuses a credential-like property and names where it is, without echoing it', () => {
    let caught: unknown;
    try {
      assertNoSecrets({ provider: { apiKey: 'hunter2' } }, 'config');
    } catch (error) {
      caught = error;
    }
    expect(InputError.isInstance(caught)).toBe(true);
    expect((caught as InputError).field).toBe('config.provider.apiKey');
    expect((caught as InputError).message).not.toContain('hunter2');
  });

  it('refuses a string shaped like a provider key anywhere in the value', () => {
    expect(() => assertNoSecrets(['fine', { note: 'sk-proj-abcdefghijklmnopqrstuvwx' }], 'config')).toThrow(
      /API key/,
    );
  });
});
