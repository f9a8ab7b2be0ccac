import { describe, expect, it } from 'vitest';
import { InputError } from '../spec/errors.js';
import { parseModelUri } from './model-uri.js';

describe('parseModelUri', () => {
  it('splits provider and model at the first colon only', () => {
    expect(parseModelUri('openai:gpt-4o-mini')).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
      uri: 'openai:gpt-4o-mini',
    });
    expect(parseModelUri('ollama:llama3.1:8b')).toEqual({
      provider: 'ollama',
      model: 'llama3.1:8b',
      uri: 'ollama:llama3.1:8b',
    });
    expect(parseModelUri('local:hf:org/repo/model.gguf')).toMatchObject({
      provider: 'local',
      model: 'hf:org/repo/model.gguf',
    });
  });

  it('reads sim with and without a profile (the model name is the profile)', () => {
    expect(parseModelUri('sim')).toEqual({ provider: 'sim', model: '', uri: 'sim' });
    expect(parseModelUri('sim:')).toEqual({ provider: 'sim', model: '', uri: 'sim' });
    expect(parseModelUri('sim:gpt-4')).toEqual({ provider: 'sim', model: 'gpt-4', uri: 'sim:gpt-4' });
  });

  it('accepts every API provider', () => {
    for (const provider of ['openai', 'anthropic', 'google', 'ollama', 'openai-compatible']) {
      expect(parseModelUri(`${provider}:some-model`)).toMatchObject({ provider, model: 'some-model' });
    }
  });

  it('trims surrounding space', () => {
    expect(parseModelUri('  anthropic:claude-sonnet-4-5 ')).toMatchObject({
      uri: 'anthropic:claude-sonnet-4-5',
    });
  });

  it('rejects an unknown provider, naming the valid ones and the value', () => {
    const error = (() => {
      try {
        parseModelUri('gpt-4o');
      } catch (caught) {
        return caught;
      }
    })();
    expect(InputError.isInstance(error)).toBe(true);
    expect((error as InputError).message).toContain('`openai:`');
    expect((error as InputError).message).toContain('got `gpt-4o`');
    expect((error as InputError).field).toBe('model');
  });

  it('rejects a provider without a model name', () => {
    expect(() => parseModelUri('openai:')).toThrow('Expected a model name after `openai:`');
    expect(() => parseModelUri('')).toThrow(InputError);
  });
});
