import type { LanguageModelV3 } from '@ai-sdk/provider';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromLanguageModel } from './ai-sdk-model.js';

/** A reasoning model as the AI SDK sees it: it answers, and warns that `temperature` was ignored. */
function reasoningModel(): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: 'test.chat',
    modelId: 'reasoner',
    supportedUrls: {},
    doGenerate: async () => ({
      content: [{ type: 'text', text: '0 (abcd): yes sure' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: 30, noCache: 30, cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: 5, text: 5, reasoning: 0 },
      },
      warnings: [{ type: 'unsupported', feature: 'temperature', details: 'not for reasoning models' }],
    }),
    doStream: async () => {
      throw new Error('not streamed');
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
  delete (globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS;
});

const request = { messages: [{ role: 'user' as const, content: 'Answer yes or no: is water wet?' }] };

describe('the warnings of the AI SDK', () => {
  it('reach process warnings once per kind, and nothing reaches the console, where no logger is set', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const model = fromLanguageModel(reasoningModel(), { id: 'test:reasoner', supportsJsonSchema: false });
    for (let call = 0; call < 3; call += 1) expect((await model.generate(request)).text).toContain('yes');
    expect(info).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
    expect(emitted.mock.calls).toEqual([
      [
        'test.chat / reasoner: `temperature` is not supported (not for reasoning models)',
        'BatchPromptWarning',
      ],
    ]);
  });

  it("are left to the SDK's logger where the process set one, as the command line does", async () => {
    const logged: unknown[] = [];
    (globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS = (options: {
      warnings: unknown[];
    }) => logged.push(...options.warnings);
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const model = fromLanguageModel(reasoningModel(), { id: 'test:reasoner', supportsJsonSchema: false });
    await model.generate(request);
    expect(logged).toEqual([
      { type: 'unsupported', feature: 'temperature', details: 'not for reasoning models' },
    ]);
    expect(emitted).not.toHaveBeenCalled();
  });
});
