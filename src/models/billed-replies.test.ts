import { afterEach, describe, expect, it } from 'vitest';
import { createModel } from '../providers/create-model.js';
import { countMessageTokens, countTokens } from '../spec/count-tokens.js';
import { ApiCallError } from '../spec/errors.js';
import {
  chatCompletion,
  type LoopbackServer,
  sendJson,
  startLoopbackServer,
} from '../test/loopback-server.js';
import { rejectionOf } from '../test/rejection-of.js';

/*
 * Usage a server reports that no request could have produced, and replies it sends that cannot be
 * used, through the AI SDK adapter on 127.0.0.1: the tokens are counted locally (o200k over the
 * prompt and the body as received), marked so, and a success body that could not be used is
 * billed on the error it fails with.
 */

let server: LoopbackServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ask = {
  messages: [{ role: 'user' as const, content: 'Input 0 (abcd): is the sky blue on a clear day?' }],
  maxOutputTokens: 64,
};
const answer = 'Input 0 (abcd): yes (sure)';

async function replyWith(body: string | Record<string, unknown>, warnings: string[] = []) {
  server = await startLoopbackServer((_request, response) => {
    if (typeof body !== 'string') return sendJson(response, 200, body);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  });
  return createModel('openai-compatible:test-model', {
    baseUrl: `${server.origin}/v1`,
    onWarning: (message) => warnings.push(message),
  }).generate(ask);
}

const local = {
  inputTokens: countMessageTokens(ask.messages),
  outputTokens: countTokens(answer),
  estimated: true,
};

describe('usage a reply reports', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'zero for a prompt that has tokens',
      { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      /counts no tokens for a prompt/,
    ],
    [
      'zero output for a reply that has text',
      { prompt_tokens: 30, completion_tokens: 0, total_tokens: 30 },
      /counts no tokens for a reply/,
    ],
    [
      'negative',
      { prompt_tokens: -5, completion_tokens: 7, total_tokens: 2 },
      /holds no count in usage.prompt_tokens/,
    ],
    [
      'text',
      { prompt_tokens: '30', completion_tokens: '7', total_tokens: 'x' },
      /holds no count in usage.prompt_tokens, usage.completion_tokens/,
    ],
    [
      'null fields',
      { prompt_tokens: null, completion_tokens: null },
      /holds no count in usage.prompt_tokens/,
    ],
    [
      'beyond the request',
      { prompt_tokens: 30, completion_tokens: 5_000_000 },
      /beyond what this request allows/,
    ],
  ];
  for (const [name, usage, warning] of cases) {
    it(`${name} is counted locally, marked estimated, and the answer kept`, async () => {
      const warnings: string[] = [];
      const reply = await replyWith(chatCompletion(answer, { usage }), warnings);
      expect(reply.text).toBe(answer);
      expect(reply.usage).toEqual(local);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(warning);
    });
  }

  it('missing is counted locally without a warning', async () => {
    const warnings: string[] = [];
    const reply = await replyWith(chatCompletion(answer, { usage: null }), warnings);
    expect(reply.usage).toEqual(local);
    expect(warnings).toEqual([]);
  });

  it('plausible is kept as reported', async () => {
    const reply = await replyWith(
      chatCompletion(answer, { usage: { prompt_tokens: 30, completion_tokens: 7 } }),
    );
    expect(reply.usage).toMatchObject({ inputTokens: 30, outputTokens: 7 });
    expect(reply.usage.estimated).toBeUndefined();
  });
});

describe('a success reply that cannot be used', () => {
  it('cut in half fails the call, billed for the prompt and the half body received', async () => {
    const whole = JSON.stringify(chatCompletion(answer));
    const half = whole.slice(0, Math.floor(whole.length / 2));
    const error = await rejectionOf(replyWith(half));
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect((error as ApiCallError).billedUsage).toEqual({
      inputTokens: local.inputTokens,
      outputTokens: countTokens(half),
      estimated: true,
    });
  });

  it('larger than the limit is billed at no more than the output the request allowed', async () => {
    const error = await rejectionOf(replyWith(chatCompletion('yes '.repeat(200_000))));
    expect((error as ApiCallError).billedUsage).toEqual({
      inputTokens: local.inputTokens,
      outputTokens: ask.maxOutputTokens,
      estimated: true,
    });
  });

  it('an error status is not billed', async () => {
    server = await startLoopbackServer((_request, response) =>
      sendJson(response, 500, { error: { message: 'down' } }),
    );
    const model = createModel('openai-compatible:test-model', { baseUrl: `${server.origin}/v1` });
    const error = await rejectionOf(model.generate(ask));
    expect((error as ApiCallError).billedUsage).toBeUndefined();
  });
});
