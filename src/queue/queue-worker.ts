import { hostname } from 'node:os';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChatModel } from '../spec/chat-model.js';
import {
  type CallJobData,
  type CallJobFailure,
  type CallJobResult,
  encodeFailure,
  queueNameFor,
  queuePrefix,
  toJobResult,
} from './call-job.js';
import type { RedisTarget } from './open-redis.js';
import { defaultStallMs } from './queue-defaults.js';
import { simulatedWorkerPrefix } from './queued-model.js';

/** What a worker reports as it goes: one plain log line or one JSON line each. */
export type WorkerEvent =
  | { type: 'ready'; queue: string; redis: string; model: string; concurrency: number; simulated: boolean }
  | { type: 'started'; job: string; attempt: number }
  | { type: 'finished'; job: string; ms: number; inputTokens: number; outputTokens: number }
  | { type: 'failed'; job: string; ms: number; error: string; status?: number; fatal: boolean }
  /** Every worker of the queue holds back until `until` (epoch ms) at the latest. */
  | { type: 'paused'; ms: number; until: number; reason: string }
  /** The queue's shared tokens-per-minute budget is spent: a call waits this long. */
  | { type: 'waiting-for-tokens'; ms: number }
  | { type: 'disconnected'; error?: string }
  | { type: 'reconnected' }
  | { type: 'draining'; inFlight: number }
  | { type: 'closed'; finished: number; failed: number };

export interface QueueWorkerOptions {
  redis: RedisTarget;
  /** A client from `openRedis`; the worker's own connections are copies of it. */
  client: Redis;
  /** The model stack that answers each job, built as a local run builds it (scheduler, retries). */
  model: ChatModel;
  /** Jobs in flight at once on this worker. */
  concurrency: number;
  /**
   * Requests per minute for the whole queue, shared by every worker through BullMQ's limiter
   * (give every worker the same figure). Unset: no limit, but a 429 still pauses every worker.
   */
  requestsPerMinute?: number;
  /**
   * How long a job's lock lasts without renewal, and how often the worker looks for jobs whose
   * worker died: such a job is taken again within about twice this. @default defaultStallMs (30 s)
   */
  stallIntervalMs?: number;
  onEvent?: (event: WorkerEvent) => void;
}

export interface QueueWorker {
  /** Holds back every worker of the queue from taking a job for `ms` (after a 429). */
  pauseAll(ms: number, reason: string): Promise<void>;
  /** Finishes the jobs in flight, takes no new one, and closes the connections. */
  close(): Promise<void>;
}

/**
 * How often a job may be found stalled (its worker died or froze) and put back before it is failed.
 * Above BullMQ's 1, so that a job survives a worker killed twice while holding it.
 */
const maxStalledCount = 5;

/**
 * Takes the jobs of `model`'s queue and answers each with `model`. A failed call fails its job
 * with the error as JSON (status, fatal, retryable), for the coordinator to rebuild; BullMQ does
 * not retry it (the model stack already did). The key the model uses never enters a job.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const { model, client, onEvent } = options;
  const name = queueNameFor(model.id);
  const stallMs = options.stallIntervalMs ?? defaultStallMs;
  const counts = { finished: 0, failed: 0 };
  let inFlight = 0;
  let closing = false;
  const queue = new Queue<CallJobData, CallJobResult>(name, { connection: client, prefix: queuePrefix });
  queue.on('error', () => {});

  const processor = async (job: { id?: string; data: CallJobData; attemptsStarted: number }) => {
    const started = Date.now();
    const id = job.id ?? '';
    onEvent?.({ type: 'started', job: id, attempt: job.attemptsStarted });
    inFlight += 1;
    try {
      const result = await model.generate({ ...job.data.request });
      counts.finished += 1;
      onEvent?.({
        type: 'finished',
        job: id,
        ms: Date.now() - started,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
      });
      return toJobResult(result, model.simulated);
    } catch (error) {
      counts.failed += 1;
      const reason = encodeFailure(error);
      const failure = JSON.parse(reason) as CallJobFailure;
      onEvent?.({
        type: 'failed',
        job: id,
        ms: Date.now() - started,
        error: failure.message,
        ...(failure.status === undefined ? {} : { status: failure.status }),
        fatal: failure.isFatal,
      });
      throw new UnrecoverableError(reason);
    } finally {
      inFlight -= 1;
    }
  };

  const worker = new Worker<CallJobData, CallJobResult>(name, processor, {
    connection: client,
    prefix: queuePrefix,
    name: `${model.simulated ? simulatedWorkerPrefix : ''}${hostname()}-${process.pid}`,
    concurrency: options.concurrency,
    // A limiter must be set for a manual pause (after a 429) to hold any worker back.
    limiter: { max: options.requestsPerMinute ?? Number.MAX_SAFE_INTEGER - 1, duration: 60_000 },
    lockDuration: stallMs,
    stalledInterval: stallMs,
    maxStalledCount,
    autorun: false,
  });
  let connected = true;
  worker.on('error', () => {});
  client.on('close', () => {
    if (!connected || closing) return;
    connected = false;
    onEvent?.({ type: 'disconnected' });
  });
  client.on('ready', () => {
    if (connected) return;
    connected = true;
    onEvent?.({ type: 'reconnected' });
  });
  await worker.waitUntilReady();
  void worker.run();
  onEvent?.({
    type: 'ready',
    queue: name,
    redis: options.redis.display,
    model: model.id,
    concurrency: options.concurrency,
    simulated: model.simulated,
  });

  return {
    pauseAll: async (ms, reason) => {
      // Told once the pause is in Redis, where every worker reads it before taking a job.
      const until = Date.now() + ms;
      await queue.rateLimit(ms);
      onEvent?.({ type: 'paused', ms, until, reason });
    },
    close: async () => {
      closing = true;
      onEvent?.({ type: 'draining', inFlight });
      await worker.close();
      await queue.close();
      client.disconnect();
      onEvent?.({ type: 'closed', ...counts });
    },
  };
}
