import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableCells } from '../../scripts/write-option-reference.js';
import { providerReferenceIn } from '../../scripts/write-provider-reference.js';
import { commandFlags, helpText } from '../cli/command-flags.js';
import { InputError } from '../spec/errors.js';
import { rejectionOf } from '../test/rejection-of.js';
import { createBatchProvider } from './create-batch-provider.js';
import { parseModelUri } from './model-uri.js';
import { resolveAccess } from './provider.js';
import { geminiHttpOptions, providerFactories } from './provider-factories.js';
import { baseUrlHelp, batchApiHelp, findProvider, modelUriHelp, providerTable } from './provider-table.js';
import { renderProviderReference } from './render-provider-reference.js';

describe('the provider table', () => {
  it('has one row per prefix, and each row parses its own example', () => {
    const prefixes = providerTable.map((provider) => provider.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    for (const provider of providerTable) {
      expect(parseModelUri(provider.example).provider).toBe(provider.prefix);
      expect(findProvider(provider.prefix)).toBe(provider);
    }
  });

  it('has the factories of every row and no others, a batch client exactly where a row has a batch API', () => {
    expect(Object.keys(providerFactories).sort()).toEqual(
      providerTable.map((provider) => provider.prefix).sort(),
    );
    for (const provider of providerTable) {
      expect([provider.prefix, providerFactories[provider.prefix]?.createBatch !== undefined]).toEqual([
        provider.prefix,
        provider.batch !== undefined,
      ]);
    }
  });

  it('names every URI form and every batch API in the help of --model and --batch-api', () => {
    const option = (flag: string) => commandFlags().find((spec) => spec.flag === flag)!;
    for (const command of ['run', 'eval'] as const) {
      const modelHelp = helpText(option('--model'), command);
      for (const form of providerTable.flatMap((provider) => provider.uriForms)) {
        expect(modelHelp).toContain(form);
      }
      const batchHelp = helpText(option('--batch-api'), command);
      for (const provider of providerTable) {
        if (provider.batch) expect(batchHelp).toContain(provider.batch.help);
      }
      expect(batchHelp).not.toContain('ollama:');
    }
    // Every provider with an endpoint takes --base-url (README's flex example points openai: at
    // sim serve); its help once named only openai-compatible: and ollama:.
    for (const command of ['run', 'eval', 'worker'] as const) {
      const baseUrl = helpText(option('--base-url'), command);
      for (const provider of providerTable) {
        if (provider.endpoint !== undefined) expect(baseUrl).toContain(`${provider.prefix}:`);
      }
      expect(baseUrl).not.toContain('sim:');
    }
    expect(baseUrlHelp()).toBe(
      "the model's endpoint: required for openai-compatible:; for openai:, anthropic:, google:, ollama: in place of the provider's own (a proxy, or batchprompt sim serve)",
    );
    expect(modelUriHelp().split(', ')[0]).toBe('sim');
    expect(batchApiHelp()).toBe('openai:, anthropic:, google:, openai-compatible: servers with /v1/batches');
  });

  it('is the README model table (npx tsx scripts/write-provider-reference.ts rewrites it)', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
    expect(tableCells(providerReferenceIn(readme).table)).toEqual(tableCells(renderProviderReference()));
  });
});

describe('resolveAccess', () => {
  const openai = findProvider('openai')!;
  const target = parseModelUri('openai:gpt-4o-mini');

  it('takes the key and endpoint from the provider variables, and an explicit base URL over them', () => {
    const env = { OPENAI_API_KEY: 'sk-from-env-0001', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };
    expect(resolveAccess(openai, target, { env })).toMatchObject({
      apiKey: 'sk-from-env-0001',
      baseUrl: 'http://127.0.0.1:9/v1',
      ownEndpoint: false,
      secrets: ['sk-from-env-0001'],
    });
    expect(resolveAccess(openai, target, { env, baseUrl: 'http://127.0.0.1:8/v1' }).baseUrl).toBe(
      'http://127.0.0.1:8/v1',
    );
    expect(resolveAccess(openai, target, { env: { OPENAI_API_KEY: 'k' } })).toMatchObject({
      baseUrl: 'https://api.openai.com/v1',
      ownEndpoint: true,
    });
  });

  it('refuses credentials in the URL of a provider whose key comes from the environment, from either source', async () => {
    for (const settings of [
      { env: { OPENAI_API_KEY: 'k' }, baseUrl: 'http://user:secret@127.0.0.1:9/v1' },
      { env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'http://user:secret@127.0.0.1:9/v1' } },
    ]) {
      const error = await rejectionOf((async () => resolveAccess(openai, target, settings))());
      expect(InputError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('user name or password');
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('sends the credentials of an openai-compatible URL as Basic auth, and refuses them beside a key', () => {
    const compatible = findProvider('openai-compatible')!;
    const qwen = parseModelUri('openai-compatible:qwen');
    const access = resolveAccess(compatible, qwen, { env: {}, baseUrl: 'http://me:pw-1234@127.0.0.1:9/v1' });
    expect(access).toMatchObject({ baseUrl: 'http://127.0.0.1:9/v1', apiKey: undefined });
    expect(access.authorization).toBe(`Basic ${Buffer.from('me:pw-1234').toString('base64')}`);
    expect(access.secrets).toContain('pw-1234');
    expect(() =>
      resolveAccess(compatible, qwen, {
        env: { BATCHPROMPT_API_KEY: 'bp-key-0001' },
        baseUrl: 'http://me:pw-1234@127.0.0.1:9/v1',
      }),
    ).toThrow('give one of them');
  });

  it('ignores a base URL for a provider that calls no server', () => {
    const sim = findProvider('sim')!;
    expect(resolveAccess(sim, parseModelUri('sim'), { baseUrl: 'http://u:p@127.0.0.1:9/v1' })).toMatchObject({
      baseUrl: undefined,
      secrets: [],
    });
  });
});

describe('createBatchProvider', () => {
  const env = {
    OPENAI_API_KEY: 'sk-test-0001',
    ANTHROPIC_API_KEY: 'sk-ant-test-0001',
    GOOGLE_GENERATIVE_AI_API_KEY: 'google-test-0001',
  };

  it('builds the batch API of each provider that has one, recording only a base URL of its own choosing', () => {
    expect(createBatchProvider('openai:gpt-4o-mini', { env })).toMatchObject({
      provider: { provider: 'openai' },
      baseUrl: undefined,
    });
    expect(
      createBatchProvider('anthropic:claude-sonnet-4-0', { env, baseUrl: 'http://127.0.0.1:9/v1' }),
    ).toMatchObject({ provider: { provider: 'anthropic' }, baseUrl: 'http://127.0.0.1:9/v1' });
    expect(
      createBatchProvider('openai-compatible:qwen', { env: {}, baseUrl: 'http://127.0.0.1:9/v1' }),
    ).toMatchObject({ provider: { provider: 'openai-compatible' }, baseUrl: 'http://127.0.0.1:9/v1' });
    expect(
      createBatchProvider('google:gemini-2.5-flash', { env, baseUrl: 'http://127.0.0.1:9/v1beta' }),
    ).toMatchObject({ provider: { provider: 'google' }, baseUrl: 'http://127.0.0.1:9/v1beta' });
  });

  it("hands the Gemini SDK the base URL without the version segment the online adapter's URL ends in", () => {
    expect(geminiHttpOptions('https://generativelanguage.googleapis.com/v1beta')).toEqual({
      baseUrl: 'https://generativelanguage.googleapis.com',
      apiVersion: 'v1beta',
    });
    expect(geminiHttpOptions('http://127.0.0.1:9/proxy/v1/')).toEqual({
      baseUrl: 'http://127.0.0.1:9/proxy',
      apiVersion: 'v1',
    });
    expect(geminiHttpOptions('http://127.0.0.1:9/')).toEqual({
      baseUrl: 'http://127.0.0.1:9',
      apiVersion: 'v1beta',
    });
  });

  it('names the variable to set, the base URL to give, and the providers that have a batch API', async () => {
    expect(() => createBatchProvider('anthropic:claude-sonnet-4-0', { env: {} })).toThrow(
      'ANTHROPIC_API_KEY',
    );
    expect(() => createBatchProvider('openai-compatible:qwen', { env: {} })).toThrow('needs a base URL');
    const error = await rejectionOf((async () => createBatchProvider('ollama:llama3.1:8b', { env }))());
    expect(InputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      `--batch-api works with ${batchApiHelp()}, not \`ollama:llama3.1:8b\``,
    );
  });

  it('refuses credentials in the base URL: the URL is recorded with each job', () => {
    expect(() =>
      createBatchProvider('openai-compatible:qwen', { env: {}, baseUrl: 'http://me:pw@127.0.0.1:9/v1' }),
    ).toThrow('from the environment');
  });
});
