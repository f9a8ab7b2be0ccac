import { getEventListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReply } from '../parse/parse-reply.js';
import { type BatchEntry, renderBatch } from '../prompt/render-batch.js';
import type { GenerateRequest } from '../spec/chat-model.js';
import { InputError, isAbortError } from '../spec/errors.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { nodeLlamaCppAvailable } from '../test/node-llama-cpp-available.js';
import { pinAnswerCount } from '../test/pin-answer-count.js';
import { writeTinyGguf } from '../test/write-tiny-gguf.js';
import { createLocalModel, type LocalChatModel } from './local-model.js';
import { batchpromptInstall, nodeLlamaCppInstallAdvice } from './local-model-bindings.js';

function entries(count: number, offset = 0): BatchEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    fields: {
      question: `is statement ${index + offset} true`,
      passage: `Statement ${index + offset} -- a short passage that says statement ${index + offset} holds.`,
    },
  }));
}

/**
 * A structured batch request whose schema fixes the number of answers (see pinAnswerCount); more
 * answers than items make a long generation from a short prompt.
 */
function batchRequest(count: number, offset = 0, answerCount = count): GenerateRequest & { tag: string } {
  const batch = renderBatch(boolqTask, entries(count, offset), { format: 'json', tag: `t${offset}` });
  if (batch.responseFormat.type !== 'json') throw new Error('expected a JSON response format');
  return {
    messages: batch.messages,
    responseFormat: {
      ...batch.responseFormat,
      schema: pinAnswerCount(batch.responseFormat.schema, answerCount, batch.tag),
    },
    tag: batch.tag,
  };
}

describe('createLocalModel without node-llama-cpp', () => {
  it('fails with an InputError that gives the install command', async () => {
    const model = createLocalModel({
      modelPath: '/nonexistent.gguf',
      importer: () =>
        Promise.reject(Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' })),
    });
    const error = await model
      .generate({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught) => caught);
    expect(InputError.isInstance(error)).toBe(true);
    // The command for where batchprompt is: in this checkout, its install script.
    expect((error as Error).message).toContain(nodeLlamaCppInstallAdvice(batchpromptInstall()).command);
  });

  it('rejects bad numeric options at once, naming them', () => {
    expect(() => createLocalModel({ modelPath: 'x.gguf', parallelSequences: 0 })).toThrow(
      '`parallelSequences`',
    );
  });
});

describe.skipIf(!nodeLlamaCppAvailable)('createLocalModel on a tiny random GGUF model', () => {
  let directory: string;
  let model: LocalChatModel;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'batchprompt-local-'));
    const { path } = await writeTinyGguf(join(directory, 'tiny.gguf'));
    // One thread: on a small shared machine more threads than idle cores slow llama.cpp down.
    model = createLocalModel({
      modelPath: path,
      gpu: false,
      threads: 1,
      parallelSequences: 2,
      contextSize: 8192,
    });
    await model.load();
  });

  afterAll(async () => {
    await model?.dispose();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('answers a boolq batch with a grammar-constrained reply that parses into one answer per item', async () => {
    const request = batchRequest(3);
    const result = await model.generate(request);
    const parsed = parseReply(boolqTask, result.text, { format: 'json', expectedCount: 3, tag: request.tag });
    expect(parsed.problems).toEqual([]);
    expect(parsed.answers).toHaveLength(3);
    for (const answer of parsed.answers) expect(['yes', 'no']).toContain(answer?.answer);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBeGreaterThan(10);
    // The prompt holds the rendered messages, so it has at least as many tokens as the byte-level
    // vocabulary needs for the longest merge-free stretch; a loose lower bound on its size:
    const promptCharacters = request.messages.reduce((sum, message) => sum + message.content.length, 0);
    expect(result.usage.inputTokens).toBeGreaterThan(promptCharacters / 2);
    expect(result.usage.inputTokens).toBeLessThan(promptCharacters + 100);
  });

  it('counts tokens with the model tokenizer and takes the shared prompt prefix from the KV cache', async () => {
    const first = batchRequest(2);
    const systemTokens = await model.countTokens(first.messages[0]!.content);
    await model.generate(first);
    // Same system message and worked examples, other items: the pool picks the sequence that
    // served `first`, whose KV cache already holds that prefix.
    const second = await model.generate(batchRequest(2, 100));
    expect(second.usage.cachedInputTokens).toBeGreaterThanOrEqual(systemTokens);
    expect(second.usage.cachedInputTokens).toBeLessThan(second.usage.inputTokens);
  });

  it('stops at maxOutputTokens with finishReason length', async () => {
    const result = await model.generate({ ...batchRequest(2, 0, 20), maxOutputTokens: 8 });
    expect(result.finishReason).toBe('length');
    expect(result.usage.outputTokens).toBeLessThanOrEqual(8);
    expect(result.text.length).toBeGreaterThan(0);
  });

  it('rejects quickly when aborted mid-generation, leaves no listener behind, and serves the next call', async () => {
    const controller = new AbortController();
    const pending = model.generate({ ...batchRequest(1, 0, 300), signal: controller.signal });
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort(new Error('stop'));
    }, 300);
    const error = await pending.catch((caught: unknown) => caught);
    const afterAbort = performance.now() - abortedAt;
    expect(isAbortError(error), `not an abort: ${String(error)}`).toBe(true);
    // 300 answers are thousands of tokens (over ten seconds of generation on an idle machine);
    // the abort ends the call long before that. The bound is measured from the abort itself and
    // leaves room for a loaded machine.
    expect(abortedAt).toBeGreaterThan(0);
    expect(afterAbort).toBeLessThan(5_000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const next = await model.generate(batchRequest(1));
    expect(
      parseReply(boolqTask, next.text, { format: 'json', expectedCount: 1, tag: 't0' }).problems,
    ).toEqual([]);
  });

  it('runs two calls at once on two sequences, and both complete', async () => {
    const first = batchRequest(2, 10, 12);
    const second = batchRequest(2, 30, 12);
    let peakActive = 0;
    const watcher = setInterval(() => {
      peakActive = Math.max(peakActive, model.activeSequences());
    }, 5);
    const results = await Promise.all([model.generate(first), model.generate(second)]).finally(() =>
      clearInterval(watcher),
    );
    expect(peakActive).toBe(2);
    for (const [index, request] of [first, second].entries()) {
      const parsed = parseReply(boolqTask, results[index]!.text, {
        format: 'json',
        expectedCount: 12,
        tag: request.tag,
      });
      expect(parsed.problems).toEqual([]);
    }
  });
});
