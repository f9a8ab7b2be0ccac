import { writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor, queueNameFor, queuePrefix } from '../src/queue/call-job.js';
import { parseRedisUrl } from '../src/queue/open-redis.js';
import { createQueuedModel, type QueuedChatModel } from '../src/queue/queued-model.js';
import type { SimServer } from '../src/sim/serve.js';
import { countMessageTokens, countTokens } from '../src/spec/count-tokens.js';
import { ApiCallError } from '../src/spec/errors.js';
import { requestCacheKey } from '../src/store/cached-model.js';
import { rteTask } from '../src/task/builtin-tasks.js';
import {
  chatCompletion,
  type LoopbackServer,
  type RecordedRequest,
  sendJson,
  startLoopbackServer,
} from '../src/test/loopback-server.js';
import { useTempDir } from '../src/test/temp-dir.js';
import { cliFlags } from './harness/cli-flags.js';
import { sharedDataFile } from './harness/repo-paths.js';
import { runCli } from './harness/run-cli.js';
import { type CliProcess, killProcess, spawnCli } from './harness/spawn-cli.js';
import { startSimOn } from './harness/start-sim-on.js';
import { waitFor } from './harness/wait-for.js';
import { callJobs, eventsOf, startWorker, votes } from './queue-processes.js';
import { redisUnavailableReason, startTestRedis, type TestRedis } from './redis-server.js';

/*
 * The job queue's faults, each with real processes and a real redis-server: the coordinator killed
 * and resumed, Redis restarted and Redis gone for good, a key the endpoint refuses, a 429 that
 * holds back every worker, the shared tokens-per-minute budget, and SIGTERM draining a worker.
 */

const rte = sharedDataFile('rte.dev.jsonl');
const dataFile = rte.file;
const skipReason = rte.present ? redisUnavailableReason() : 'no rte.dev.jsonl beside the repository';
const temp = useTempDir();
const simModel = 'openai-compatible:sim-gpt-4';

describe.skipIf(skipReason !== undefined)('the job queue under faults', () => {
  let redis: TestRedis;
  let server: SimServer;
  let directory: string;
  let direct: unknown[];
  const processes: CliProcess[] = [];
  const closers: (() => Promise<void>)[] = [];

  const runArgs = (store: string, out: string, model = simModel) => [
    'run',
    ...cliFlags({
      task: 'rte',
      data: dataFile,
      model,
      limit: 48,
      'batch-size': 8,
      format: 'lines',
      'store-dir': join(directory, store),
      out: join(directory, out),
      json: true,
    }),
  ];
  const simWorker = () => {
    const worker = startWorker(redis.url, simModel, server.url);
    processes.push(worker);
    return worker;
  };

  beforeAll(async () => {
    directory = temp.folder('runs');
    redis = await startTestRedis();
    server = await startSimOn(dataFile, rteTask, { profile: 'gpt-4', latencyMs: 150 });
    const reference = await runCli([...runArgs('direct-store', 'direct.jsonl'), '--base-url', server.url]);
    expect(reference.code, reference.stderr).toBe(0);
    direct = votes(join(directory, 'direct.jsonl'));
  }, 120_000);

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((process) => killProcess(process)));
    for (const close of closers.splice(0).reverse()) await close();
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
  });

  afterAll(async () => {
    await server?.close();
    await redis?.dispose();
  });

  it('resumes a coordinator killed with SIGKILL by re-attaching to its jobs: no call is paid twice', async () => {
    const workers = [simWorker(), simWorker()];
    const before = server.stats().requests;
    const first = spawnCli([...runArgs('killed-store', 'killed.jsonl'), '--queue', redis.url]);
    processes.push(first);
    // Killed once some replies reached it and others are still being answered.
    await waitFor(
      () => workers.flatMap((worker) => eventsOf(worker, 'finished')).length >= 4,
      'four jobs finished',
    );
    first.child.kill('SIGKILL');
    await first.done;
    const resumed = await runCli([...runArgs('killed-store', 'killed.jsonl'), '--queue', redis.url]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(votes(join(directory, 'killed.jsonl'))).toEqual(direct);
    const jobs = await callJobs(redis.url);
    // Every call the two coordinators asked is one job, answered once by one worker.
    expect(jobs.length).toBeGreaterThan(5);
    expect(jobs.every((job) => job.attempts === 1)).toBe(true);
    expect(server.stats().requests - before).toBe(jobs.length);
  }, 180_000);

  it('waits out a Redis restart in the middle of a run and gives the uninterrupted results', async () => {
    const workers = [simWorker(), simWorker()];
    await waitFor(
      () => workers.every((worker) => eventsOf(worker, 'ready').length === 1),
      'every worker is ready',
    );
    const running = runCli([...runArgs('restart-store', 'restart.jsonl'), '--queue', redis.url]);
    await waitFor(
      () => workers.flatMap((worker) => eventsOf(worker, 'started')).length >= 4,
      'four jobs started',
    );
    await redis.stop();
    await waitFor(
      () => workers.every((worker) => eventsOf(worker, 'disconnected').length > 0),
      'every worker lost Redis',
    );
    await redis.start();
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/queue: lost Redis at redis:\/\/127\.0\.0\.1:\d+/);
    expect(result.stderr).toMatch(/queue: Redis is back/);
    expect(votes(join(directory, 'restart.jsonl'))).toEqual(direct);
  }, 180_000);

  it('stops with exit code 4 naming the queue when Redis stays out of reach past --queue-wait-ms', async () => {
    await redis.stop();
    try {
      const result = await runCli([
        ...runArgs('gone-store', 'gone.jsonl'),
        '--queue',
        redis.url,
        '--queue-wait-ms',
        '1500',
      ]);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(
        `the job queue's Redis at redis://127.0.0.1:${redis.port} was out of reach`,
      );
    } finally {
      await redis.start();
    }
  }, 120_000);

  it('stops the run with exit code 4 when the workers’ endpoint refuses the key (401), and the worker with it', async () => {
    const refusing = await startLoopbackServer((_request, response) =>
      sendJson(response, 401, {
        error: { message: 'Incorrect API key provided', type: 'invalid_request_error' },
      }),
    );
    closers.push(() => refusing.close());
    const model = 'openai-compatible:refusing-model';
    const worker = startWorker(redis.url, model, `${refusing.origin}/v1`);
    processes.push(worker);
    const result = await runCli([...runArgs('refused-store', 'refused.jsonl', model), '--queue', redis.url]);
    expect(result.code, result.stderr).toBe(4);
    expect(result.stderr).toMatch(/401/);
    expect((await worker.done).code).toBe(4);
    expect(eventsOf(worker, 'failed').some((event) => event.status === 401 && event.fatal === true)).toBe(
      true,
    );
  }, 120_000);

  describe('workers against an endpoint of the test’s own', () => {
    let endpoint: LoopbackServer | undefined;
    let coordinator: QueuedChatModel | undefined;
    const model = 'openai-compatible:endpoint-model';
    afterEach(async () => {
      await coordinator?.close();
      coordinator = undefined;
      await endpoint?.close();
      endpoint = undefined;
    });

    async function queued(): Promise<QueuedChatModel> {
      coordinator = await createQueuedModel({
        redis: parseRedisUrl(redis.url),
        id: model,
        simulated: false,
        supportsJsonSchema: false,
      });
      return coordinator;
    }
    /** The chat requests the endpoint received (the workers' model listing is not one). */
    const chats = () => endpoint?.requests.filter((request) => request.method === 'POST') ?? [];
    /** Answers a worker's model listing as a provider does that is not the simulator. */
    const notTheSimulator = (request: RecordedRequest, response: ServerResponse) => {
      if (request.method !== 'GET') return false;
      sendJson(response, 404, { error: { message: 'no such path' } });
      return true;
    };
    const ask = (text: string, maxOutputTokens?: number) => ({
      messages: [{ role: 'user' as const, content: text }],
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    });

    it('holds back every worker of the queue while one of them waits out a 429', async () => {
      let first = true;
      endpoint = await startLoopbackServer(async (request, response) => {
        if (notTheSimulator(request, response)) return;
        if (first) {
          first = false;
          sendJson(response, 429, { error: { message: 'Rate limit reached' } }, { 'retry-after-ms': '2000' });
          return;
        }
        await new Promise((resolveWait) => setTimeout(resolveWait, 50));
        sendJson(response, 200, chatCompletion('yes'));
      });
      const workers = [
        startWorker(redis.url, model, `${endpoint.origin}/v1`),
        startWorker(redis.url, model, `${endpoint.origin}/v1`),
      ];
      processes.push(...workers);
      await waitFor(
        () => workers.every((worker) => eventsOf(worker, 'ready').length === 1),
        'every worker is ready',
      );
      const coordinator = await queued();
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, index) => coordinator.generate(ask(`question ${index}`))),
      );
      expect(replies.every((reply) => reply.text === 'yes')).toBe(true);
      const paused = workers.flatMap((worker) => eventsOf(worker, 'paused'));
      expect(paused).toHaveLength(1);
      const { at, until } = paused[0] as { at: number; until: number };
      expect(until - at).toBeGreaterThan(0);
      // No worker took a job between the moment the pause was in Redis and its end; both took jobs
      // after it (the pause held back the calls that were waiting).
      const jobs = await callJobs(redis.url);
      expect(jobs).toHaveLength(12);
      expect(jobs.filter((job) => job.processedOn! >= at && job.processedOn! < until)).toEqual([]);
      const after = jobs.filter((job) => job.processedOn! >= until);
      expect(after.length).toBeGreaterThan(0);
      expect(new Set(jobs.map((job) => job.processedBy)).size).toBe(2);
    }, 120_000);

    it('shares one tokens-per-minute budget between the workers, kept in Redis', async () => {
      const replyText = 'yes '.repeat(40).trim();
      const outputTokens = countTokens(replyText);
      endpoint = await startLoopbackServer((request, response) => {
        if (notTheSimulator(request, response)) return;
        const body = request.body as { messages: { role: 'user'; content: string }[] };
        // Usage as the worker estimates it (prompt counted, output at its cap), so that no
        // correction frees budget: three calls spend it.
        const prompt = countMessageTokens(body.messages);
        sendJson(
          response,
          200,
          chatCompletion(replyText, {
            usage: {
              prompt_tokens: prompt,
              completion_tokens: outputTokens,
              total_tokens: prompt + outputTokens,
            },
          }),
        );
      });
      const questions = Array.from({ length: 8 }, (_, index) => `question number ${index}`);
      const cost = countMessageTokens(ask(questions[0]!).messages) + outputTokens;
      const tokensPerMinute = 3 * cost + 1;
      const workers = [0, 1].map(() =>
        startWorker(redis.url, model, `${endpoint!.origin}/v1`, ['--tpm', String(tokensPerMinute)]),
      );
      processes.push(...workers);
      await waitFor(
        () => workers.every((worker) => eventsOf(worker, 'ready').length === 1),
        'every worker is ready',
      );
      const coordinator = await queued();
      for (const question of questions)
        void coordinator.generate(ask(question, outputTokens)).catch(() => {});
      // Each worker alone would take two calls at once; together they stop at the budget's three
      // until the window slides (20 s at the least), and both wait for it.
      await waitFor(
        () => workers.every((worker) => eventsOf(worker, 'waiting-for-tokens').length > 0),
        'every worker waits for tokens',
      );
      expect(chats()).toHaveLength(3);
    }, 120_000);

    it('leaves the retry of a billed but unusable reply to the run, whose --max-cost then holds', async () => {
      // A success status with a body cut short is billed (see ApiCallError.billedUsage).
      const cutBody = '{"id": "chatcmpl-cut", "object": "chat.completion", "choi';
      endpoint = await startLoopbackServer(async (request, response) => {
        if (notTheSimulator(request, response)) return;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(cutBody);
      });
      const worker = startWorker(redis.url, model, `${endpoint.origin}/v1`);
      processes.push(worker);
      await waitFor(() => eventsOf(worker, 'ready').length === 1, 'the worker is ready');

      // The worker sends the call once and fails its job with what the attempt cost, retryable.
      const coordinator = await queued();
      const question = ask('billed once');
      const failure = await coordinator.generate(question).catch((error: unknown) => error);
      expect(chats()).toHaveLength(1);
      expect(ApiCallError.isInstance(failure) && failure.isRetryable).toBe(true);
      expect((failure as ApiCallError).billedUsage).toEqual({
        inputTokens: countMessageTokens(question.messages),
        outputTokens: countTokens(cutBody),
        estimated: true,
      });

      // A run asks again above its spending cap: what the endpoint billed stays within --max-cost
      // (the worker's own retries went past it: 10 requests, about twice this budget).
      const prices = join(directory, 'billed-prices.json');
      writeFileSync(prices, JSON.stringify({ [model]: { input: 10, output: 10 } }));
      const maxCost = 0.05;
      const before = chats().length;
      const run = await runCli([
        ...runArgs('billed-store', 'billed.jsonl', model),
        ...cliFlags({ queue: redis.url, prices, 'max-cost': maxCost }),
      ]);
      expect(run.code, run.stderr).not.toBe(0);
      const sent = chats().slice(before);
      expect(sent.length).toBeGreaterThan(0);
      const billed = sent.reduce((sum, request) => {
        const { messages } = request.body as { messages: { role: 'user'; content: string }[] };
        return sum + (countMessageTokens(messages) + countTokens(cutBody)) * 10e-6;
      }, 0);
      expect(billed).toBeLessThanOrEqual(maxCost);
    }, 120_000);

    it('drains a worker on SIGTERM: the calls in flight finish, no new job is taken, nothing is lost', async () => {
      const held: (() => void)[] = [];
      let holding = true;
      endpoint = await startLoopbackServer(async (request, response) => {
        if (notTheSimulator(request, response)) return;
        if (holding) await new Promise<void>((release) => held.push(release));
        sendJson(response, 200, chatCompletion('yes'));
      });
      const worker = startWorker(redis.url, model, `${endpoint.origin}/v1`);
      processes.push(worker);
      await waitFor(() => eventsOf(worker, 'ready').length === 1, 'the worker is ready');
      const coordinator = await queued();
      const questions = Array.from({ length: 5 }, (_, index) => `drained ${index}`);
      let answered = 0;
      const replies = questions.map((question) =>
        coordinator.generate(ask(question)).then((reply) => {
          answered += 1;
          return reply;
        }),
      );
      for (const reply of replies) reply.catch(() => {});
      await waitFor(() => held.length === 2, 'two requests are held');
      worker.child.kill('SIGTERM');
      await waitFor(() => eventsOf(worker, 'draining').length === 1, 'the worker drains');
      expect(eventsOf(worker, 'draining')[0]!.inFlight).toBe(2);
      for (const release of held) release();
      expect((await worker.done).code).toBe(0);
      expect(eventsOf(worker, 'started')).toHaveLength(2);
      expect(eventsOf(worker, 'closed')[0]).toMatchObject({ finished: 2, failed: 0 });
      expect(chats()).toHaveLength(2);
      // The two calls in flight were answered; the other three wait in Redis for another worker.
      await waitFor(() => answered === 2, 'both held requests were answered');
      const client = new Redis(redis.url);
      const waiting = await client.llen(`${queuePrefix}:${queueNameFor(model)}:wait`);
      const unfinished = await Promise.all(
        questions.map((question) =>
          client.hget(
            `${queuePrefix}:${queueNameFor(model)}:${jobIdFor(requestCacheKey(model, ask(question)))}`,
            'finishedOn',
          ),
        ),
      );
      client.disconnect();
      expect(waiting).toBe(3);
      expect(unfinished.filter((finishedOn) => finishedOn === null)).toHaveLength(3);
      holding = false;
      const next = startWorker(redis.url, model, `${endpoint.origin}/v1`);
      processes.push(next);
      expect((await Promise.all(replies)).map((reply) => reply.text)).toEqual(questions.map(() => 'yes'));
    }, 120_000);
  });
});
