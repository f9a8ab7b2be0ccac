import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../spec/chat-model.js';
import { ApiCallError } from '../spec/errors.js';
import { type LoopbackServer, sendJson, startLoopbackServer } from '../test/loopback-server.js';
import { createModel } from './create-model.js';
import { tierWord } from './service-tier-adapters.js';

const messages: ChatMessage[] = [{ role: 'user', content: 'Q[0]: Is water wet?' }];
let server: LoopbackServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('tierWord', () => {
  it("names OpenAI's default tier standard, drops Gemini's enum prefix, keeps other words", () => {
    expect(tierWord('default')).toBe('standard');
    expect(tierWord('flex')).toBe('flex');
    expect(tierWord('SERVICE_TIER_FLEX')).toBe('flex');
    expect(tierWord('SERVICE_TIER_STANDARD')).toBe('standard');
    expect(tierWord('priority')).toBe('priority');
    expect(tierWord('')).toBeUndefined();
    expect(tierWord(3)).toBeUndefined();
  });
});

describe('Gemini flex through @ai-sdk/google', () => {
  it('sends serviceTier in the body and reads the tier of usageMetadata', async () => {
    server = await startLoopbackServer((_request, response) =>
      sendJson(response, 200, {
        candidates: [{ content: { role: 'model', parts: [{ text: 'yes' }] }, finishReason: 'STOP' }],
        usageMetadata: {
          promptTokenCount: 20,
          candidatesTokenCount: 6,
          totalTokenCount: 26,
          serviceTier: 'SERVICE_TIER_FLEX',
        },
      }),
    );
    const model = createModel('google:gemini-2.5-flash', {
      baseUrl: `${server.origin}/v1beta`,
      env: { GOOGLE_GENERATIVE_AI_API_KEY: 'AIza-test-google-key' },
    });
    const result = await model.generate({ messages, serviceTier: 'flex' });
    expect(server.requests[0]?.body).toMatchObject({ serviceTier: 'flex' });
    expect(result.serviceTier).toBe('flex');
    // No tier asked: none sent, none reported.
    const plain = await model.generate({ messages });
    expect(server.requests[1]?.body).not.toHaveProperty('serviceTier');
    expect(plain.serviceTier).toBeUndefined();
  });

  it('passes a 429 to a flex call on as a refusal the scheduler does not retry', async () => {
    server = await startLoopbackServer((_request, response) =>
      sendJson(response, 429, {
        error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' },
      }),
    );
    const model = createModel('google:gemini-2.5-flash', {
      baseUrl: `${server.origin}/v1beta`,
      env: { GOOGLE_GENERATIVE_AI_API_KEY: 'AIza-test-google-key' },
    });
    const flex = await model.generate({ messages, serviceTier: 'flex' }).catch((error: unknown) => error);
    expect(ApiCallError.isInstance(flex) && flex.status === 429 && !flex.isRetryable).toBe(true);
    expect((flex as Error).message).toContain('refused in the flex tier');
    // The same 429 in standard is a rate limit, retried as ever.
    const standard = await model
      .generate({ messages, serviceTier: 'standard' })
      .catch((error: unknown) => error);
    expect(ApiCallError.isInstance(standard) && standard.isRetryable).toBe(true);
  });
});
