import { getEventListeners } from 'node:events';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../spec/chat-model.js';
import { countMessageTokens, countTokens } from '../spec/count-tokens.js';
import { AbortError, ApiCallError, InputError } from '../spec/errors.js';
import {
  chatCompletion,
  type LoopbackHandler,
  type LoopbackServer,
  sendJson,
  startLoopbackServer,
} from '../test/loopback-server.js';
import { fromLanguageModel } from './ai-sdk-model.js';

const messages: ChatMessage[] = [
  { role: 'system', content: 'Answer yes or no for each question.' },
  { role: 'user', content: 'Q[0]: Is the sky blue?\nQ[1]: Is fire cold?' },
];

const answerSchema = {
  type: 'object',
  properties: { answers: { type: 'array', items: { type: 'string' } } },
  required: ['answers'],
  additionalProperties: false,
};

let server: LoopbackServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function modelAgainst(handler: LoopbackHandler, supportsJsonSchema = true) {
  server = await startLoopbackServer(handler);
  const languageModel = createOpenAICompatible({
    name: 'test',
    baseURL: `${server.origin}/v1`,
    apiKey: 'sk-test-adapter-key',
    supportsStructuredOutputs: true,
  }).chatModel('test-model');
  return {
    model: fromLanguageModel(languageModel, { id: 'openai-compatible:test-model', supportsJsonSchema }),
    server,
  };
}

describe('fromLanguageModel over an OpenAI-compatible server', () => {
  it('sends the messages, temperature 0 by default, max tokens and seed', async () => {
    const { model, server } = await modelAgainst((_request, response) =>
      sendJson(response, 200, chatCompletion('A[0]: yes\nA[1]: no')),
    );
    const result = await model.generate({ messages, maxOutputTokens: 64, seed: 7 });
    expect(result.text).toBe('A[0]: yes\nA[1]: no');
    const request = server.requests[0];
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test-adapter-key');
    expect(request?.body).toMatchObject({
      model: 'test-model',
      messages: [
        { role: 'system', content: messages[0]?.content },
        { role: 'user', content: messages[1]?.content },
      ],
      temperature: 0,
      max_tokens: 64,
      seed: 7,
    });
    expect(request?.body).not.toHaveProperty('response_format');
  });

  it('passes a temperature other than the default', async () => {
    const { model, server } = await modelAgainst((_request, response) =>
      sendJson(response, 200, chatCompletion('ok')),
    );
    await model.generate({ messages, temperature: 0.7 });
    expect(server.requests[0]?.body).toMatchObject({ temperature: 0.7 });
  });

  it('maps the reported usage, cached tokens and response headers', async () => {
    const { model } = await modelAgainst((_request, response) =>
      sendJson(
        response,
        200,
        chatCompletion('yes', {
          usage: { prompt_tokens: 120, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 64 } },
        }),
        { 'X-RateLimit-Remaining-Tokens': '9000', 'Set-Cookie': 'session=secret' },
      ),
    );
    const result = await model.generate({ messages });
    expect(result.usage).toEqual({ inputTokens: 120, outputTokens: 3, cachedInputTokens: 64 });
    expect(result.finishReason).toBe('stop');
    expect(result.headers?.['x-ratelimit-remaining-tokens']).toBe('9000');
    expect(result.headers).not.toHaveProperty('set-cookie');
  });

  it('estimates usage with the o200k tokenizer when the server reports none', async () => {
    const { model } = await modelAgainst((_request, response) =>
      sendJson(response, 200, chatCompletion('A[0]: yes', { usage: null })),
    );
    const result = await model.generate({ messages });
    expect(result.usage).toEqual({
      inputTokens: countMessageTokens(messages),
      outputTokens: countTokens('A[0]: yes'),
      estimated: true,
    });
  });

  it('asks for the JSON schema and returns the raw text, even when it is cut short', async () => {
    const truncated = '{"answers": ["yes", "n';
    const { model, server } = await modelAgainst((_request, response) =>
      sendJson(response, 200, chatCompletion(truncated, { finishReason: 'length' })),
    );
    const result = await model.generate({
      messages,
      responseFormat: { type: 'json', schema: answerSchema, name: 'batch_answers' },
    });
    expect(result.text).toBe(truncated);
    expect(result.finishReason).toBe('length');
    expect(server.requests[0]?.body).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'batch_answers', schema: answerSchema } },
    });
  });

  it('sends no response_format when the model does not support JSON schemas', async () => {
    const { model, server } = await modelAgainst(
      (_request, response) => sendJson(response, 200, chatCompletion('{"answers": []}')),
      false,
    );
    await model.generate({
      messages,
      responseFormat: { type: 'json', schema: answerSchema, name: 'batch_answers' },
    });
    expect(server.requests[0]?.body).not.toHaveProperty('response_format');
  });

  it("maps finish_reason 'content_filter' to 'content-filter'", async () => {
    const { model } = await modelAgainst((_request, response) =>
      sendJson(response, 200, chatCompletion('', { finishReason: 'content_filter' })),
    );
    expect((await model.generate({ messages })).finishReason).toBe('content-filter');
  });

  it('turns a 429 into a retryable ApiCallError with its retry-after header, and does not retry', async () => {
    const { model, server } = await modelAgainst((_request, response) =>
      sendJson(
        response,
        429,
        { error: { message: 'Rate limit reached', type: 'rate_limit' } },
        { 'Retry-After': '2' },
      ),
    );
    const error = await model.generate({ messages }).catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error)).toBe(true);
    const apiError = error as ApiCallError;
    expect(apiError.status).toBe(429);
    expect(apiError.isRetryable).toBe(true);
    expect(apiError.headers['retry-after']).toBe('2');
    expect(apiError.message).toContain('Rate limit reached');
    expect(server.requests).toHaveLength(1);
  });

  it('turns a 400 into an ApiCallError that is not retryable', async () => {
    const { model } = await modelAgainst((_request, response) =>
      sendJson(response, 400, { error: { message: 'Invalid schema', type: 'invalid_request_error' } }),
    );
    const error = await model.generate({ messages }).catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).status).toBe(400);
    expect((error as ApiCallError).isRetryable).toBe(false);
  });

  it('turns a 503 into a retryable ApiCallError after one request', async () => {
    const { model, server } = await modelAgainst((_request, response) =>
      sendJson(response, 503, { error: { message: 'Overloaded' } }),
    );
    const error = await model.generate({ messages }).catch((caught: unknown) => caught);
    expect((error as ApiCallError).status).toBe(503);
    expect((error as ApiCallError).isRetryable).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('turns a refused connection into a fatal ApiCallError without a status: the run stops rather than retry', async () => {
    const { model, server } = await modelAgainst((_request, response) =>
      sendJson(response, 200, chatCompletion('')),
    );
    await server.close();
    const error = await model.generate({ messages }).catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).status).toBeUndefined();
    expect((error as ApiCallError).isFatal).toBe(true);
    expect((error as ApiCallError).isRetryable).toBe(false);
    expect((error as ApiCallError).message).toContain('connection refused, ECONNREFUSED');
  });

  it('rejects with an AbortError soon after the signal fires mid-request', async () => {
    const { model, server } = await modelAgainst(() => {
      // Never answers: only the abort can end the call.
    });
    const controller = new AbortController();
    const pending = model
      .generate({ messages, signal: controller.signal })
      .catch((caught: unknown) => caught);
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const aborted = performance.now();
    controller.abort();
    const error = await pending;
    expect(AbortError.isInstance(error)).toBe(true);
    // The server never answers, so without the abort the call would wait for its timeout; the
    // bound is generous for a loaded machine and counts from the abort, not the request's start.
    expect(performance.now() - aborted).toBeLessThan(10_000);
  });

  it('leaves no abort listener on the caller signal after a call, answered or failed', async () => {
    let calls = 0;
    const { model } = await modelAgainst((_request, response) => {
      calls += 1;
      if (calls === 1) sendJson(response, 200, chatCompletion('ok'));
      else sendJson(response, 500, { error: { message: 'boom' } });
    });
    const controller = new AbortController();
    await model.generate({ messages, signal: controller.signal });
    await model.generate({ messages, signal: controller.signal }).catch(() => undefined);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with an AbortError without sending anything when the signal has already fired', async () => {
    const { model, server } = await modelAgainst((_request, response) =>
      sendJson(response, 200, chatCompletion('')),
    );
    const error = await model
      .generate({ messages, signal: AbortSignal.abort() })
      .catch((caught: unknown) => caught);
    expect(AbortError.isInstance(error)).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('rejects an empty message list and a bad maxOutputTokens before calling', async () => {
    const { model, server } = await modelAgainst((_request, response) =>
      sendJson(response, 200, chatCompletion('')),
    );
    await expect(model.generate({ messages: [] })).rejects.toSatisfy(InputError.isInstance);
    await expect(model.generate({ messages, maxOutputTokens: 0 })).rejects.toThrow(
      'Expected `maxOutputTokens` to be an integer >= 1, got `0`',
    );
    expect(server.requests).toHaveLength(0);
  });
});
