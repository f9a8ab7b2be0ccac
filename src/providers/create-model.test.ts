import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage, ChatModel } from '../spec/chat-model.js';
import { type ApiCallError, BatchPromptError, InputError } from '../spec/errors.js';
import {
  chatCompletion,
  type LoopbackHandler,
  type LoopbackServer,
  sendJson,
  startLoopbackServer,
} from '../test/loopback-server.js';
import { createModel } from './create-model.js';

const messages: ChatMessage[] = [
  { role: 'system', content: 'Answer yes or no.' },
  { role: 'user', content: 'Q[0]: Is water wet?' },
];
const answerSchema = {
  type: 'object',
  properties: { answers: { type: 'array', items: { type: 'string' } } },
  required: ['answers'],
  additionalProperties: false,
};
const jsonFormat = { type: 'json', schema: answerSchema, name: 'batch_answers' } as const;

let server: LoopbackServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: LoopbackHandler): Promise<LoopbackServer> {
  server = await startLoopbackServer(handler);
  return server;
}

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (caught) {
    return caught;
  }
  throw new Error('expected the action to throw');
}

function anthropicMessage(content: unknown[], stopReason = 'end_turn') {
  return {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    content,
    model: 'claude-sonnet-4-5',
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: 31, output_tokens: 5 },
  };
}

describe('createModel: configuration errors', () => {
  it('names the environment variable to set when a key is missing', () => {
    const cases = [
      ['openai:gpt-4o-mini', 'OPENAI_API_KEY'],
      ['anthropic:claude-sonnet-4-5', 'ANTHROPIC_API_KEY'],
      ['google:gemini-2.5-flash', 'GOOGLE_GENERATIVE_AI_API_KEY'],
    ] as const;
    for (const [uri, variable] of cases) {
      const error = thrownBy(() => createModel(uri, { env: {} }));
      expect(InputError.isInstance(error)).toBe(true);
      expect((error as InputError).message).toContain(variable);
    }
  });

  it('treats an empty variable as missing', () => {
    expect(() => createModel('openai:gpt-4o-mini', { env: { OPENAI_API_KEY: '  ' } })).toThrow(
      'OPENAI_API_KEY',
    );
  });

  it('requires a base URL for openai-compatible', () => {
    expect(() => createModel('openai-compatible:qwen', { env: {} })).toThrow('needs a base URL');
  });

  it('fails at once, naming the path, for a local GGUF file that does not exist', () => {
    const error = thrownBy(() => createModel('local:/nonexistent/model.gguf', { env: {} }));
    expect(InputError.isInstance(error)).toBe(true);
    expect((error as InputError).message).toContain('No GGUF model file at `/nonexistent/model.gguf`');
  });

  it('builds a local model for local:hf: URIs without touching the network', () => {
    const model = createModel('local:hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/model.gguf', { env: {} });
    expect(model).toMatchObject({
      id: 'local:hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/model.gguf',
      simulated: false,
      supportsJsonSchema: true,
    });
  });

  it('hands sim URIs to the factory, and fails clearly without one', () => {
    const profiles: (string | undefined)[] = [];
    const simulated: ChatModel = {
      id: 'sim',
      simulated: true,
      supportsJsonSchema: true,
      generate: async () => ({ text: '', usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'stop' }),
    };
    const simFactory = (profile: string | undefined) => {
      profiles.push(profile);
      return simulated;
    };
    expect(createModel('sim', { simFactory })).toBe(simulated);
    expect(createModel('sim:gpt-4', { simFactory })).toBe(simulated);
    expect(profiles).toEqual([undefined, 'gpt-4']);
    const error = thrownBy(() => createModel('sim:gpt-4'));
    expect(BatchPromptError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('simFactory');
  });

  it('says which models support JSON schemas and that none is simulated', () => {
    const env = {
      OPENAI_API_KEY: 'k1-xxxxxx',
      ANTHROPIC_API_KEY: 'k2-xxxxxx',
      GOOGLE_GENERATIVE_AI_API_KEY: 'k3-xxxxxx',
    };
    for (const uri of ['openai:a', 'anthropic:b', 'google:c', 'ollama:d']) {
      const model = createModel(uri, { env });
      expect(model).toMatchObject({ id: uri, simulated: false, supportsJsonSchema: true });
    }
  });
});

describe('createModel: providers over HTTP on 127.0.0.1', () => {
  it('openai: follows OPENAI_BASE_URL, sends the key and a strict JSON schema', async () => {
    const loopback = await serve((_request, response) =>
      sendJson(response, 200, chatCompletion('{"answers":["yes"]}')),
    );
    const model = createModel('openai:gpt-4o-mini', {
      env: { OPENAI_API_KEY: 'sk-test-openai-key', OPENAI_BASE_URL: `${loopback.origin}/v1` },
    });
    const result = await model.generate({ messages, responseFormat: jsonFormat, maxOutputTokens: 50 });
    expect(result).toMatchObject({ text: '{"answers":["yes"]}', finishReason: 'stop' });
    expect(result.usage).toEqual({ inputTokens: 42, outputTokens: 7, cachedInputTokens: 0 });
    const request = loopback.requests[0];
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test-openai-key');
    expect(request?.body).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'batch_answers', strict: true, schema: answerSchema },
      },
    });
  });

  it('openai-compatible: sends BATCHPROMPT_API_KEY, never OPENAI_API_KEY; none sends no authorization', async () => {
    const loopback = await serve((_request, response) => sendJson(response, 200, chatCompletion('ok')));
    const baseUrl = `${loopback.origin}/v1`;
    await createModel('openai-compatible:qwen', {
      baseUrl,
      env: { BATCHPROMPT_API_KEY: 'bp-key-123456', OPENAI_API_KEY: 'sk-openai-123456' },
    }).generate({ messages });
    await createModel('openai-compatible:qwen', {
      baseUrl,
      env: { OPENAI_API_KEY: 'sk-openai-123456' },
    }).generate({
      messages,
    });
    expect(loopback.requests[0]?.headers.authorization).toBe('Bearer bp-key-123456');
    expect(loopback.requests[1]?.headers.authorization).toBeUndefined();
    expect(loopback.requests[1]?.body).toMatchObject({ model: 'qwen' });
  });

  it('ollama: defaults to http://127.0.0.1:11434/v1 and needs no key', async () => {
    const requestedUrls: string[] = [];
    const recordingFetch: typeof fetch = async (input) => {
      requestedUrls.push(input instanceof Request ? input.url : String(input));
      return new Response(JSON.stringify(chatCompletion('yes')), {
        headers: { 'content-type': 'application/json' },
      });
    };
    const model = createModel('ollama:llama3.1:8b', { env: {}, fetch: recordingFetch });
    expect((await model.generate({ messages })).text).toBe('yes');
    expect(requestedUrls).toEqual(['http://127.0.0.1:11434/v1/chat/completions']);
  });

  it('anthropic: speaks the Messages API with x-api-key and anthropic-version', async () => {
    const loopback = await serve((_request, response) =>
      sendJson(response, 200, anthropicMessage([{ type: 'text', text: 'A[0]: yes' }])),
    );
    const model = createModel('anthropic:claude-sonnet-4-5', {
      baseUrl: `${loopback.origin}/v1`,
      env: { ANTHROPIC_API_KEY: 'sk-ant-test-key-0001' },
    });
    const result = await model.generate({ messages, maxOutputTokens: 100, seed: 3 });
    expect(result).toMatchObject({
      text: 'A[0]: yes',
      finishReason: 'stop',
      usage: { inputTokens: 31, outputTokens: 5, cachedInputTokens: 0 },
    });
    const request = loopback.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers['x-api-key']).toBe('sk-ant-test-key-0001');
    expect(request?.headers['anthropic-version']).toBe('2023-06-01');
    expect(request?.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      temperature: 0,
      system: [{ type: 'text', text: 'Answer yes or no.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Q[0]: Is water wet?' }] }],
    });
    // Anthropic has no seed; sending none keeps the SDK from warning on every call.
    expect(request?.body).not.toHaveProperty('seed');
  });

  it("anthropic: maps stop_reason 'max_tokens' to 'length'", async () => {
    const loopback = await serve((_request, response) =>
      sendJson(response, 200, anthropicMessage([{ type: 'text', text: 'A[0]: y' }], 'max_tokens')),
    );
    const model = createModel('anthropic:claude-sonnet-4-5', {
      baseUrl: `${loopback.origin}/v1`,
      env: { ANTHROPIC_API_KEY: 'sk-ant-test-key-0001' },
    });
    expect((await model.generate({ messages })).finishReason).toBe('length');
  });

  it('anthropic: a JSON schema goes out as output_config.format on current models', async () => {
    const loopback = await serve((_request, response) =>
      sendJson(response, 200, anthropicMessage([{ type: 'text', text: '{"answers":["yes"]}' }])),
    );
    const model = createModel('anthropic:claude-sonnet-4-5', {
      baseUrl: `${loopback.origin}/v1`,
      env: { ANTHROPIC_API_KEY: 'sk-ant-test-key-0001' },
    });
    expect((await model.generate({ messages, responseFormat: jsonFormat })).text).toBe('{"answers":["yes"]}');
    expect(loopback.requests[0]?.body).toMatchObject({
      output_config: { format: { type: 'json_schema', schema: { type: 'object', required: ['answers'] } } },
    });
  });

  it('anthropic: on older models the schema becomes a forced json tool, and its input the text', async () => {
    const loopback = await serve((_request, response) =>
      sendJson(
        response,
        200,
        anthropicMessage(
          [{ type: 'tool_use', id: 'toolu_1', name: 'json', input: { answers: ['no'] } }],
          'tool_use',
        ),
      ),
    );
    const model = createModel('anthropic:claude-3-haiku-20240307', {
      baseUrl: `${loopback.origin}/v1`,
      env: { ANTHROPIC_API_KEY: 'sk-ant-test-key-0001' },
    });
    const result = await model.generate({ messages, responseFormat: jsonFormat });
    expect(result).toMatchObject({ text: '{"answers":["no"]}', finishReason: 'stop' });
    expect(loopback.requests[0]?.body).toMatchObject({
      tools: [{ name: 'json', input_schema: { type: 'object' } }],
      // 'any' with the json tool as the only tool forces it.
      tool_choice: { type: 'any' },
    });
  });

  it('google: calls generateContent with x-goog-api-key and a response schema', async () => {
    const loopback = await serve((_request, response) =>
      sendJson(response, 200, {
        candidates: [
          { content: { role: 'model', parts: [{ text: '{"answers":["yes"]}' }] }, finishReason: 'STOP' },
        ],
        usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 6, totalTokenCount: 26 },
      }),
    );
    const model = createModel('google:gemini-2.5-flash', {
      baseUrl: `${loopback.origin}/v1beta`,
      env: { GOOGLE_GENERATIVE_AI_API_KEY: 'AIza-test-google-key' },
    });
    const result = await model.generate({ messages, responseFormat: jsonFormat });
    expect(result).toMatchObject({ text: '{"answers":["yes"]}', finishReason: 'stop' });
    expect(result.usage).toMatchObject({ inputTokens: 20, outputTokens: 6 });
    const request = loopback.requests[0];
    expect(request?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(request?.headers['x-goog-api-key']).toBe('AIza-test-google-key');
    expect(request?.body).toMatchObject({
      generationConfig: { responseMimeType: 'application/json', temperature: 0 },
    });
  });
});

describe('createModel: API keys never reach an error', () => {
  const plantedKey = 'sk-test-PLANTED-123';

  /** A server that echoes whatever credential it received, in the body and in a header. */
  function echoingServer(status: number): LoopbackHandler {
    return (request, response) => {
      const received = String(
        request.headers.authorization ??
          request.headers['x-api-key'] ??
          request.headers['x-goog-api-key'] ??
          '',
      );
      const message = `Incorrect API key provided: ${received} (request to ${request.path}?key=${plantedKey})`;
      sendJson(
        response,
        status,
        { error: { message, type: 'authentication_error', code: status }, type: 'error' },
        { 'x-echo-credential': received, 'www-authenticate': `Bearer realm="${plantedKey}"` },
      );
    };
  }

  const providers = [
    ['openai:gpt-4o-mini', '/v1'],
    ['anthropic:claude-sonnet-4-5', '/v1'],
    ['google:gemini-2.5-flash', '/v1beta'],
    ['openai-compatible:qwen', '/v1'],
  ] as const;

  for (const status of [401, 500]) {
    for (const [uri, basePath] of providers) {
      it(`${uri} answered ${status}`, async () => {
        const loopback = await serve(echoingServer(status));
        const model = createModel(uri, {
          baseUrl: `${loopback.origin}${basePath}`,
          apiKey: plantedKey,
          env: {},
        });
        const error = await model.generate({ messages }).catch((caught: unknown) => caught);
        expect(loopback.requests).toHaveLength(1);
        const received = loopback.requests[0]?.headers;
        // The key did go out, so the server could echo it: the test is not vacuous.
        expect(JSON.stringify(received)).toContain(plantedKey);
        expect(error).toBeInstanceOf(Error);
        const everything = [
          String(error),
          (error as Error).stack ?? '',
          JSON.stringify(error),
          JSON.stringify(Object.entries(error as object)),
          inspect(error, { depth: 20, showHidden: true }),
        ].join('\n');
        expect(everything).not.toContain(plantedKey);
        expect(everything).not.toContain('PLANTED');
        expect((error as ApiCallError).status).toBe(status);
        expect((error as ApiCallError).isRetryable).toBe(status === 500);
      });
    }
  }
});
