import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchProvider } from '../jobs/batch-provider.js';
import type { ChatModel, GenerateRequest } from '../spec/chat-model.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import { openStore, type Store } from '../store/open-store.js';
import { boolqTask } from '../task/builtin-tasks.js';
import {
  chatCompletion,
  type LoopbackHandler,
  type LoopbackServer,
  sendJson,
  startLoopbackServer,
} from '../test/loopback-server.js';
import { rejectionOf } from '../test/rejection-of.js';
import { useTempDir } from '../test/temp-dir.js';
import { createModelStack, type ModelStackEvent, type ModelStackOptions } from './create-model-stack.js';

/*
 * The stack's order is what makes three promises true; each is checked here on a real HTTP path
 * (the openai-compatible adapter against a loopback server): a cache hit never waits for a rate
 * limit, a retried call is stored once, and the spending cap sees every attempt sent and nothing
 * the cache answered.
 */

const temp = useTempDir();
let server: LoopbackServer | undefined;
let store: Store | undefined;
let stores = 0;

afterEach(async () => {
  store?.close();
  store = undefined;
  await server?.close();
  server = undefined;
});

function request(question: string): GenerateRequest {
  return { messages: [{ role: 'user', content: `Answer yes or no: ${question}` }], maxOutputTokens: 20 };
}

/** The stack over a loopback server answering with `handler`, with a fresh store. */
async function stackOver(handler: LoopbackHandler, options: Partial<ModelStackOptions> = {}) {
  server = await startLoopbackServer(handler);
  stores += 1;
  store = openStore(temp(`store-${stores}`));
  const events: ModelStackEvent[] = [];
  const waiters: { type: ModelStackEvent['type']; resolve: () => void }[] = [];
  /** Resolves at the first event of this type, at once if there was one. */
  const seen = (type: ModelStackEvent['type']) =>
    new Promise<void>((resolve) => {
      if (events.some((event) => event.type === type)) resolve();
      else waiters.push({ type, resolve });
    });
  const stack = await createModelStack({
    uri: 'openai-compatible:test-model',
    baseUrl: `${server.origin}/v1`,
    task: boolqTask,
    store,
    simulatedEndpoint: false,
    onEvent: (event) => {
      events.push(event);
      for (const waiter of waiters) if (waiter.type === event.type) waiter.resolve();
    },
    ...options,
  });
  const calls = () => server!.requests.filter((recorded) => recorded.method === 'POST').length;
  return { stack, events, calls, seen };
}

const answer: LoopbackHandler = (_request, response) => sendJson(response, 200, chatCompletion('yes'));

/** Fails the first attempt with a 500 that asks for no wait, answers the rest. */
function failingOnce(): LoopbackHandler {
  let attempts = 0;
  return (_request, response) => {
    attempts += 1;
    if (attempts === 1)
      sendJson(response, 500, { error: { message: 'overloaded' } }, { 'retry-after-ms': '0' });
    else sendJson(response, 200, chatCompletion('yes'));
  };
}

/** A spending cap's place in the stack, counting what passes through it. */
function countingCap(): { wrap: (model: ChatModel) => ChatModel; seen: () => number } {
  let seen = 0;
  return {
    wrap: (model) =>
      wrapChatModel(model, {
        generate: (call, next) => {
          seen += 1;
          return next(call);
        },
      }),
    seen: () => seen,
  };
}

describe('createModelStack', () => {
  it('stacks cache, scheduler, spending cap, store gate and request ledger in that order, and the batch API without a scheduler', async () => {
    const cap = countingCap();
    const online = await stackOver(answer, { wrapPaidCalls: cap.wrap });
    expect(online.stack.layers).toEqual([
      'cache',
      'scheduler',
      'spending-cap',
      'store-gate',
      'request-ledger',
    ]);
    const withoutStore = await createModelStack({ uri: 'sim', task: boolqTask });
    expect(withoutStore.layers).toEqual(['scheduler', 'request-ledger']);
    const provider = { provider: 'openai-compatible' } as BatchProvider;
    const batch = await createModelStack({
      uri: 'openai-compatible:test-model',
      baseUrl: 'http://127.0.0.1:9/v1',
      task: boolqTask,
      store: store!,
      simulatedEndpoint: false,
      batchApi: { provider },
      wrapPaidCalls: cap.wrap,
    });
    expect(batch.layers).toEqual(['cache', 'spending-cap', 'store-gate', 'request-ledger']);
    batch.close();
  });

  it('answers a cache hit without waiting for the rate limit that holds a new call', async () => {
    const { stack, events, calls, seen } = await stackOver(answer, { requestsPerMinute: 1 });
    await stack.model.generate(request('is water wet?'));
    const hit = await stack.model.generate(request('is water wet?'));
    expect(hit.cached).toBe(true);
    expect(calls()).toBe(1);
    expect(events.filter((event) => event.type === 'wait')).toEqual([]);
    // The limit is real: a new call is held back (and given up on here).
    const controller = new AbortController();
    const held = stack.model.generate({ ...request('is ice cold?'), signal: controller.signal });
    await seen('wait');
    controller.abort();
    await rejectionOf(held);
    expect(calls()).toBe(1);
  });

  it('stores a retried call once, and the spending cap sees each attempt but not the cache hit', async () => {
    const cap = countingCap();
    const { stack, events, calls } = await stackOver(failingOnce(), {
      maxRetries: 2,
      wrapPaidCalls: cap.wrap,
    });
    const first = await stack.model.generate(request('is water wet?'));
    expect(first.text).toBe('yes');
    expect(calls()).toBe(2);
    expect(events.filter((event) => event.type === 'retry')).toHaveLength(1);
    expect(cap.seen()).toBe(2);
    const again = await stack.model.generate(request('is water wet?'));
    expect(again.cached).toBe(true);
    expect(calls()).toBe(2);
    expect(cap.seen()).toBe(2);
    const replies = events.flatMap((event) => (event.type === 'reply' ? [event.cached] : []));
    expect(replies).toEqual([false, true]);
    expect(stack.cacheStats()).toEqual({ hits: 1, misses: 1, damaged: 0 });
  });

  it("keeps the simulator server's replies apart from a real endpoint's of the same model name", async () => {
    // One server, told apart as the simulator or not: the cache must not care where it listens.
    const { calls } = await stackOver(answer, { simulatedEndpoint: true });
    const stackAs = (simulatedEndpoint: boolean) =>
      createModelStack({
        uri: 'openai-compatible:test-model',
        baseUrl: `${server!.origin}/v1`,
        task: boolqTask,
        store: store!,
        simulatedEndpoint,
      });
    const simulator = await stackAs(true);
    expect((await simulator.model.generate(request('is water wet?'))).cached).not.toBe(true);
    expect((await simulator.model.generate(request('is water wet?'))).cached).toBe(true);
    expect(calls()).toBe(1);
    // The same model name and prompt at a real server: asked, not answered from the simulator.
    const real = await stackAs(false);
    expect(real.model.simulated).toBe(false);
    expect((await real.model.generate(request('is water wet?'))).cached).not.toBe(true);
    expect(calls()).toBe(2);
    expect((await real.model.generate(request('is water wet?'))).cached).toBe(true);
    expect((await (await stackAs(true)).model.generate(request('is water wet?'))).cached).toBe(true);
    expect(calls()).toBe(2);
  });

  it('sends the key given as `apiKey` where the environment holds none, and never puts it in an error', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    try {
      const key = 'sk-given-by-the-program-1234';
      const { stack } = await stackOver(
        (recorded, response) =>
          recorded.method === 'POST'
            ? sendJson(response, 401, { error: { message: `bad key ${recorded.headers.authorization}` } })
            : sendJson(response, 404, { error: { message: 'no such path' } }),
        { uri: 'openai:gpt-4o-mini', apiKey: key, simulatedEndpoint: undefined },
      );
      const error = await rejectionOf(stack.model.generate(request('is water wet?')));
      const posted = server!.requests.filter((recorded) => recorded.method === 'POST');
      expect(posted.map((recorded) => recorded.headers.authorization)).toEqual([`Bearer ${key}`]);
      expect(error.message).toContain('status 401');
      expect(error.message).not.toContain(key);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
