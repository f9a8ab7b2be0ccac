import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisUnavailableReason, startTestRedis, type TestRedis } from '../../test/redis-server.js';
import type { ChatModel, GenerateRequest, GenerateResult } from '../spec/chat-model.js';
import { ApiCallError } from '../spec/errors.js';
import { requestCacheKey } from '../store/cached-model.js';
import { echoModel } from '../test/echo-model.js';
import { jobIdFor } from './call-job.js';
import { openRedis, parseRedisUrl } from './open-redis.js';
import { type QueueWorker, startQueueWorker, type WorkerEvent } from './queue-worker.js';
import { createQueuedModel, type QueuedChatModel, type QueuedModelOptions } from './queued-model.js';

const skipReason = redisUnavailableReason();

function request(text: string): GenerateRequest {
  return { messages: [{ role: 'user', content: text }] };
}

describe.skipIf(skipReason !== undefined)('the queued model with a real redis-server', () => {
  let redis: TestRedis;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    if (redis.url) {
      const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await client.connect().catch(() => {});
      if (client.status === 'ready') await client.flushall();
      client.disconnect();
    }
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  async function coordinator(id: string, extra: Partial<QueuedModelOptions> = {}): Promise<QueuedChatModel> {
    const model = await createQueuedModel({
      redis: parseRedisUrl(redis.url),
      id,
      simulated: true,
      supportsJsonSchema: false,
      sweepIntervalMs: 200,
      ...extra,
    });
    closers.push(() => model.close());
    return model;
  }

  async function worker(model: ChatModel, events: WorkerEvent[] = []): Promise<QueueWorker> {
    const target = parseRedisUrl(redis.url);
    const started = await startQueueWorker({
      redis: target,
      client: openRedis(target, 'test-worker', () => {}),
      model,
      concurrency: 2,
      stallIntervalMs: 1_000,
      onEvent: (event) => events.push(event),
    });
    closers.push(() => started.close());
    return started;
  }

  it('answers a call through a worker, under a job named by the call’s cache key', async () => {
    const model = echoModel('fake:echo');
    await worker(model);
    const queued = await coordinator('fake:echo');
    const result = await queued.generate(request('hello'));
    expect(result.text).toBe('echo: hello');
    expect(result.usage).toEqual({ inputTokens: 5, outputTokens: 11 });
    // The headers a model sends stay on the worker.
    expect(result.headers).toBeUndefined();
    expect(model.requests).toHaveLength(1);
    expect(queued.stats()).toEqual({ submitted: 1, reattached: 0, resubmitted: 0 });
    const client = new Redis(redis.url);
    const keys = await client.keys('*');
    client.disconnect();
    const jobId = jobIdFor(requestCacheKey('fake:echo', request('hello')));
    expect(keys.some((key) => key.endsWith(`:${jobId}`))).toBe(true);
  });

  it('re-attaches a second coordinator to a finished job instead of asking the model again', async () => {
    const model = echoModel('fake:echo');
    await worker(model);
    const first = await coordinator('fake:echo');
    await first.generate(request('once'));
    await first.close();
    const second = await coordinator('fake:echo');
    const again = await second.generate(request('once'));
    expect(again.text).toBe('echo: once');
    expect(model.requests).toHaveLength(1);
    expect(second.stats()).toEqual({ submitted: 0, reattached: 1, resubmitted: 0 });
  });

  it('waits for a worker that starts after the call was submitted', async () => {
    const queued = await coordinator('fake:echo');
    const pending = queued.generate(request('early'));
    const model = echoModel('fake:echo');
    await worker(model);
    expect((await pending).text).toBe('echo: early');
  });

  it('fails the call with a fatal error when the worker’s endpoint refuses the key (401)', async () => {
    const refusing: ChatModel = {
      id: 'fake:refusing',
      simulated: false,
      supportsJsonSchema: false,
      generate: async (): Promise<GenerateResult> => {
        throw new ApiCallError('401 Unauthorized: invalid key', { status: 401 });
      },
    };
    await worker(refusing);
    const queued = await coordinator('fake:refusing', { simulated: false });
    const failure = await queued.generate(request('x')).catch((error: unknown) => error);
    expect(ApiCallError.isInstance(failure)).toBe(true);
    expect((failure as ApiCallError).status).toBe(401);
    expect((failure as ApiCallError).isFatal).toBe(true);
  });

  it('asks again a job that failed in an earlier run, rather than handing back the old failure', async () => {
    let fail = true;
    const flaky: ChatModel = {
      id: 'fake:flaky',
      simulated: false,
      supportsJsonSchema: false,
      generate: async (): Promise<GenerateResult> => {
        if (fail) throw new ApiCallError('503 overloaded', { status: 503 });
        return { text: 'fine', usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
      },
    };
    await worker(flaky);
    const first = await coordinator('fake:flaky', { simulated: false });
    await expect(first.generate(request('x'))).rejects.toThrow(/503/);
    await first.close();
    fail = false;
    const second = await coordinator('fake:flaky', { simulated: false });
    expect((await second.generate(request('x'))).text).toBe('fine');
  });

  it('labels the run simulated when a simulated worker listens, whatever the coordinator was told', async () => {
    const model = echoModel('fake:echo');
    await worker(model);
    const labelled = await coordinator('fake:echo', { simulated: false });
    expect(labelled.simulated).toBe(true);
  });

  it('waits out a Redis restart that lost every job, and the call still gets its reply', async () => {
    const model = echoModel('fake:slow');
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: ChatModel = {
      ...model,
      generate: async (call) => {
        await gate;
        return model.generate(call);
      },
    };
    const events: WorkerEvent[] = [];
    await worker(slow, events);
    const queued = await coordinator('fake:slow', { outageTimeoutMs: 30_000 });
    const pending = queued.generate(request('survives'));
    await waitFor(() => events.some((event) => event.type === 'started'));
    await redis.stop();
    await redis.start();
    release?.();
    const result = await pending;
    expect(result.text).toBe('echo: survives');
    expect(queued.stats().resubmitted).toBeGreaterThanOrEqual(1);
  });

  it('fails every waiting call with a fatal error naming the queue once Redis stays away too long', async () => {
    const queued = await coordinator('fake:echo', { outageTimeoutMs: 1_000 });
    await redis.stop();
    try {
      const failure = await queued.generate(request('lost')).catch((error: unknown) => error);
      expect(ApiCallError.isInstance(failure)).toBe(true);
      expect((failure as ApiCallError).isFatal).toBe(true);
      expect((failure as Error).message).toMatch(/out of reach/);
      expect((failure as Error).message).toContain(`127.0.0.1:${redis.port}`);
    } finally {
      await redis.start();
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
