import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../engine/types.js';
import { renderBatch } from '../prompt/render-batch.js';
import { createBatchProvider } from '../providers/create-batch-provider.js';
import { type SimServer, startSimServer } from '../sim/serve.js';
import { countMessageTokens, countTokens } from '../spec/count-tokens.js';
import { rteTask } from '../task/builtin-tasks.js';
import { type LoopbackServer, startLoopbackServer } from '../test/loopback-server.js';
import type { ProviderOutcome } from './batch-provider.js';
import { batchReplyUsage, sumOfCounts } from './batch-reply-usage.js';

/*
 * Results collected from the batch APIs get the online check of their usage: the simulator's
 * OpenAI Batch and Anthropic Message Batches endpoints behind a proxy on 127.0.0.1 that rewrites
 * the usage of each result the way a misbehaving endpoint or proxy does.
 */

const request = {
  messages: [{ role: 'user' as const, content: 'Input 0 (abcd): is it so?' }],
  maxOutputTokens: 50,
};
const prompt = countMessageTokens(request.messages);

describe('batchReplyUsage', () => {
  it('believes counts a request could produce, cache figures included', () => {
    expect(
      batchReplyUsage(
        { inputTokens: 30, outputTokens: 4, cachedInputTokens: 10, cacheWriteTokens: 5 },
        request,
        'yes',
      ),
    ).toEqual({ inputTokens: 30, outputTokens: 4, cachedInputTokens: 10, cacheWriteTokens: 5 });
    // Cache figures that are no part of the input are left out, the rest believed.
    expect(
      batchReplyUsage({ inputTokens: 30, outputTokens: 4, cachedInputTokens: 31 }, request, 'yes'),
    ).toEqual({
      inputTokens: 30,
      outputTokens: 4,
    });
  });

  it.each([
    ['missing', { inputTokens: undefined, outputTokens: 4 }],
    ['null', { inputTokens: null, outputTokens: 4 }],
    ['text', { inputTokens: '30', outputTokens: 4 }],
    ['negative', { inputTokens: 30, outputTokens: -4 }],
    ['a fraction', { inputTokens: 30.5, outputTokens: 4 }],
    ['zero for a prompt that has tokens', { inputTokens: 0, outputTokens: 4 }],
    ['zero for a reply that has tokens', { inputTokens: 30, outputTokens: 0 }],
    ['two billion', { inputTokens: 2_000_000_000, outputTokens: 4 }],
    ['beyond the output cap', { inputTokens: 30, outputTokens: 4 * 50 + 1025 }],
  ])('counts the prompt and the reply locally when the usage is %s, marked estimated', (_, reported) => {
    expect(batchReplyUsage(reported, request, 'yes sure')).toEqual({
      inputTokens: prompt,
      outputTokens: countTokens('yes sure'),
      estimated: true,
    });
  });

  it('bounds nothing by a prompt it does not have, and still refuses what is no count', () => {
    expect(batchReplyUsage({ inputTokens: 90_000, outputTokens: 4 }, undefined, 'yes')).toEqual({
      inputTokens: 90_000,
      outputTokens: 4,
    });
    expect(batchReplyUsage({ inputTokens: '90000', outputTokens: 4 }, undefined, 'yes')).toMatchObject({
      estimated: true,
    });
  });

  it('adds counts reported apart only when every one is a number', () => {
    expect(sumOfCounts(10, 2, 0)).toBe(12);
    expect(sumOfCounts(10, '2', 0)).toBe('2');
    expect(sumOfCounts(10, null)).toBeNull();
  });
});

const items: Item[] = Array.from({ length: 48 }, (_, index) => ({
  id: `pair-${index}`,
  fields: { premise: `Town ${index} built a bridge in spring.`, hypothesis: `Town ${index} has a bridge.` },
  gold: 'entailment',
}));
const entries = [0, 8, 16, 24, 32, 40, 44].map((start, index) => ({
  customId: `c${index}`,
  request: {
    messages: renderBatch(rteTask, items.slice(start, start + 4), { format: 'lines', tag: `cd${start}` })
      .messages,
    maxOutputTokens: 400,
  },
}));

/** What the proxy does to the usage of the result with each custom id; `c6` is left as it is. */
const rewrites: Record<string, (usage: Record<string, unknown>, input: string, output: string) => unknown> = {
  c0: () => undefined,
  c1: (usage, input) => ({ ...usage, [input]: 0 }),
  c2: (usage, input) => ({ ...usage, [input]: String(usage[input]) }),
  c3: (usage, _, output) => ({ ...usage, [output]: -4 }),
  c4: (usage, input) => ({ ...usage, [input]: 2_000_000_000 }),
  c5: () => null,
};

/** A results line with its usage rewritten as `rewrites` says: OpenAI's output file or Anthropic's results. */
function rewriteLine(line: string): string {
  if (line.trim() === '') return line;
  const parsed = JSON.parse(line) as {
    custom_id: string;
    response?: { body: { usage?: unknown } };
    result?: { message: { usage?: unknown } };
  };
  const rewrite = rewrites[parsed.custom_id];
  if (rewrite === undefined) return line;
  const holder = parsed.response?.body ?? parsed.result?.message;
  if (holder === undefined) return line;
  const openAi = parsed.response !== undefined;
  const usage = rewrite(
    holder.usage as Record<string, unknown>,
    openAi ? 'prompt_tokens' : 'input_tokens',
    openAi ? 'completion_tokens' : 'output_tokens',
  );
  if (usage === undefined) delete holder.usage;
  else holder.usage = usage;
  return JSON.stringify(parsed);
}

let sim: SimServer;
let proxy: LoopbackServer;

beforeAll(async () => {
  sim = await startSimServer({ task: rteTask, items, quiet: true, batch: { completionDelayMs: 0 } });
  const upstream = new URL(sim.url).origin;
  proxy = await startLoopbackServer(async (request, response) => {
    const { host: _host, connection: _connection, 'content-length': _length, ...headers } = request.headers;
    const reply = await fetch(`${upstream}${request.path}`, {
      method: request.method,
      headers: headers as Record<string, string>,
      ...(request.method === 'GET'
        ? {}
        : { body: typeof request.body === 'string' ? request.body : JSON.stringify(request.body) }),
    });
    // Anthropic's batch names the address of its results: the proxy's, so they come through it.
    let body = (await reply.text()).replaceAll(upstream, proxy.origin);
    if (/\/files\/[^/]+\/content$|\/batches\/[^/]+\/results$/.test(request.path))
      body = body.split('\n').map(rewriteLine).join('\n');
    response.writeHead(reply.status, {
      'content-type': reply.headers.get('content-type') ?? 'application/json',
    });
    response.end(body);
  });
});

afterAll(async () => {
  await proxy.close();
  await sim.close();
});

/** Submits every entry as one job at `baseUrl`, waits for it and collects its outcomes by custom id. */
async function collect(modelUri: string, baseUrl: string): Promise<Map<string, ProviderOutcome>> {
  const { provider } = createBatchProvider(modelUri, {
    baseUrl,
    env: { OPENAI_API_KEY: 'sk-test-batch-usage-0001', ANTHROPIC_API_KEY: 'sk-ant-test-batch-usage-0001' },
  });
  let state = await provider.submit(entries, { jobId: `job-${modelUri}` });
  while (!state.ended) state = await provider.retrieve(state.providerJobId);
  const outcomes = await provider.results(state.providerJobId);
  return new Map(outcomes.map((outcome) => [outcome.customId, outcome]));
}

describe.each(['openai:gpt-4.1-mini', 'anthropic:claude-sonnet-4-5'])(
  'results of %s batch jobs',
  (modelUri) => {
    it('with usage missing, zero, text, negative, two billion or null are counted locally and marked; honest usage is kept', async () => {
      const honest = await collect(modelUri, sim.url);
      const rewritten = await collect(modelUri, `${proxy.origin}/v1`);
      for (const { customId, request: sent } of entries) {
        const reply = rewritten.get(customId)?.reply;
        expect(reply, customId).toBeDefined();
        if (customId === 'c6') {
          expect(reply!.usage).toEqual(honest.get(customId)?.reply?.usage);
          expect(reply!.usage.estimated).toBeUndefined();
          continue;
        }
        expect(reply!.usage, customId).toEqual({
          inputTokens: countMessageTokens(sent.messages),
          outputTokens: countTokens(reply!.text),
          estimated: true,
        });
      }
      // Without the rewriting, every result is believed as reported.
      for (const outcome of honest.values()) expect(outcome.reply?.usage.estimated).toBeUndefined();
    });
  },
);
