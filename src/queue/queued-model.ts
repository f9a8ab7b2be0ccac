import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChatModel, GenerateRequest, GenerateResult } from '../spec/chat-model.js';
import { AbortError, ApiCallError } from '../spec/errors.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import { requestCacheKey } from '../store/cached-model.js';
import {
  type CallJobData,
  type CallJobResult,
  decodeFailure,
  fromJobResult,
  jobIdFor,
  queueNameFor,
  queuePrefix,
  toJobData,
} from './call-job.js';
import { followJobEnds } from './follow-job-events.js';
import { openRedis, type RedisTarget } from './open-redis.js';
import { defaultKeepResultsSeconds, defaultOutageTimeoutMs } from './queue-defaults.js';

/** What the coordinator's side of the queue reports as it goes. */
export type QueueEvent =
  | { type: 'queue-connected'; queue: string; redis: string; workers: number }
  | { type: 'queue-lost'; redis: string; error?: string }
  | { type: 'queue-back'; redis: string; resubmitted: number }
  | { type: 'queue-unavailable'; redis: string; waitedMs: number };

export interface QueuedModelOptions {
  redis: RedisTarget;
  /** The model URI the workers serve; it names the queue. */
  id: string;
  /** Whether the run is labelled simulated before any worker is asked. */
  simulated: boolean;
  supportsJsonSchema: boolean;
  /**
   * Name each job by its call's response-cache key, so that the same call is one job however often
   * it is asked and a resumed run re-attaches to it. False (`--no-cache`): every call is a new job.
   * @default true
   */
  reuseResults?: boolean;
  /** How long a finished job and its result stay in Redis, in seconds. @default 86_400 (a day) */
  keepResultsSeconds?: number;
  /**
   * How long Redis may be out of reach (at the start or during the run) before every waiting call
   * fails with a fatal error that stops the run. @default 60_000
   */
  outageTimeoutMs?: number;
  /**
   * How often the jobs still awaited are looked up in Redis, for an event that was missed or a
   * job that a restarted Redis lost. @default 5_000
   */
  sweepIntervalMs?: number;
  onEvent?: (event: QueueEvent) => void;
}

export interface QueueStats {
  /** Jobs this process created. */
  submitted: number;
  /** Calls answered by a job that existed before this process asked (finished or in flight). */
  reattached: number;
  /** Jobs created again because Redis had lost them (a restart without persistence). */
  resubmitted: number;
}

export type QueuedChatModel = ChatModel & {
  stats(): QueueStats;
  /** Closes the Redis connections; calls still waiting fail. */
  close(): Promise<void>;
};

interface PendingCall {
  jobId: string;
  data: CallJobData;
  /** The `timestamp` this process gave the job when it added it: tells its own job from an older one. */
  addedAt: number;
  promise: Promise<GenerateResult>;
  resolve: (result: GenerateResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The model as a coordinator sees it with `--queue`: each call is a job on the model's queue in
 * Redis, answered by whichever worker takes it. It sits beneath the response cache and the
 * spending cap, so a cached call never becomes a job and a paid reply is stored once, by the
 * coordinator. Waits out a Redis outage of up to `outageTimeoutMs`, then fails every waiting call
 * with a fatal `ApiCallError` (the run stops with the provider's exit code and resumes later).
 */
export async function createQueuedModel(options: QueuedModelOptions): Promise<QueuedChatModel> {
  const { redis, onEvent } = options;
  const keepSeconds = options.keepResultsSeconds ?? defaultKeepResultsSeconds;
  const outageTimeoutMs = options.outageTimeoutMs ?? defaultOutageTimeoutMs;
  const name = queueNameFor(options.id);
  const stats: QueueStats = { submitted: 0, reattached: 0, resubmitted: 0 };
  const pending = new Map<string, PendingCall>();
  let lastError: string | undefined;
  const client = openRedis(redis, 'batchprompt-coordinator', (message) => {
    lastError = message;
  });
  const queue = new Queue<CallJobData, CallJobResult>(name, { connection: client, prefix: queuePrefix });
  // Connection errors arrive through the client's own handler; this would only repeat them.
  queue.on('error', () => {});

  let unavailable: ApiCallError | undefined;
  let closing = false;
  const outage = watchOutage(client, outageTimeoutMs, {
    onLost: () => {
      if (!closing)
        onEvent?.({ type: 'queue-lost', redis: redis.display, ...(lastError ? { error: lastError } : {}) });
    },
    onBack: () => {
      void sweep().then((resubmitted) =>
        onEvent?.({ type: 'queue-back', redis: redis.display, resubmitted }),
      );
    },
    onGiveUp: (waitedMs) => {
      unavailable = new ApiCallError(
        `the job queue's Redis at ${redis.display} was out of reach for ${Math.round(waitedMs / 1000)} s${lastError ? ` (${lastError})` : ''}; the calls still in the queue are kept there for ${keepSeconds} s, so the same command resumes once Redis is back`,
        { isFatal: true, url: redis.display },
      );
      onEvent?.({ type: 'queue-unavailable', redis: redis.display, waitedMs });
      for (const call of pending.values()) call.reject(unavailable);
      pending.clear();
    },
  });

  const settle = (jobId: string, outcome: { result: CallJobResult } | { failedReason: string }) => {
    const call = pending.get(jobId);
    if (call === undefined) return;
    pending.delete(jobId);
    if ('failedReason' in outcome) {
      call.reject(decodeFailure(outcome.failedReason, options.id));
    } else if (outcome.result.simulated && !labelledSimulated) {
      call.reject(
        new ApiCallError(
          `a worker answered ${options.id} with a simulated model, but this run is not labelled simulated: start the workers before the run, so that it sees them, or give the run the simulator's --base-url`,
          { isFatal: true },
        ),
      );
    } else {
      call.resolve(fromJobResult(outcome.result));
    }
  };
  // The stream is read on a connection of its own: a blocking read holds the one it is sent on.
  const eventsClient = openRedis(redis, 'batchprompt-coordinator-events', () => {});
  const events = followJobEnds(eventsClient, `${queuePrefix}:${name}:events`, (end) => {
    if ('failedReason' in end) settle(end.jobId, { failedReason: end.failedReason });
    else settle(end.jobId, parseResult(end.returnvalue));
  });

  /** Adds the call's job (a no-op when one with its id exists) and looks at what is there. */
  async function submit(call: PendingCall): Promise<void> {
    call.addedAt = Date.now();
    await queue.add('call', call.data, {
      jobId: call.jobId,
      timestamp: call.addedAt,
      attempts: 1,
      removeOnComplete: { age: keepSeconds },
      removeOnFail: { age: keepSeconds },
    });
    await inspect(call, true);
  }

  /**
   * Settles the call from its job's state if the job has finished; resubmits a job Redis lost; asks
   * again a job that failed before this process asked for it (its failure belonged to another run).
   * Returns whether the job had to be added again.
   */
  async function inspect(call: PendingCall, justAdded: boolean): Promise<boolean> {
    // The fields that say where the job is, not its data: the prompt is the bulk of a job, and
    // every call is looked at once after it is added.
    const [timestamp, finishedOn, failedReason, returnvalue] = await client.hmget(
      queue.toKey(call.jobId),
      'timestamp',
      'finishedOn',
      'failedReason',
      'returnvalue',
    );
    if (!pending.has(call.jobId)) return false;
    if (timestamp === null) {
      stats.resubmitted += 1;
      await submit(call);
      return true;
    }
    const ours = Number(timestamp) === call.addedAt;
    if (justAdded) {
      if (ours) stats.submitted += 1;
      else stats.reattached += 1;
    }
    if (finishedOn === null) return false;
    if (failedReason && !ours) {
      const job = await Job.fromId<CallJobData, CallJobResult>(queue, call.jobId);
      await job?.retry('failed');
      return false;
    }
    if (failedReason) settle(call.jobId, { failedReason });
    else settle(call.jobId, parseResult(returnvalue ?? 'null'));
    return false;
  }

  async function sweep(): Promise<number> {
    let resubmitted = 0;
    for (const call of [...pending.values()]) {
      try {
        if (await inspect(call, false)) resubmitted += 1;
      } catch {
        // Redis is away again: the next sweep or reconnection looks once more.
      }
    }
    return resubmitted;
  }
  const sweepTimer = setInterval(() => void sweep(), options.sweepIntervalMs ?? 5_000);
  sweepTimer.unref();

  let labelledSimulated = options.simulated;
  const reuse = options.reuseResults ?? true;

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    request.signal?.throwIfAborted();
    if (unavailable) throw unavailable;
    const jobId = jobIdFor(reuse ? requestCacheKey(options.id, request) : randomUUID());
    let call = pending.get(jobId);
    if (call === undefined) {
      call = { jobId, data: toJobData(options.id, request), addedAt: 0, ...deferred() };
      pending.set(jobId, call);
      const added = call;
      submit(added).catch((error: unknown) => {
        pending.delete(jobId);
        added.reject(unavailable ?? error);
      });
    }
    return abortable(call.promise, request.signal);
  }

  const model: QueuedChatModel = {
    ...wrapChatModel(
      {
        id: options.id,
        simulated: options.simulated,
        supportsJsonSchema: options.supportsJsonSchema,
        generate,
      },
      {},
    ),
    stats: () => ({ ...stats }),
    close: async () => {
      closing = true;
      clearInterval(sweepTimer);
      outage.stop();
      const closed = new AbortError('the job queue was closed');
      for (const call of pending.values()) call.reject(closed);
      pending.clear();
      events.stop();
      eventsClient.disconnect();
      // BullMQ's close waits for Redis; with Redis away the connection is dropped instead.
      if (client.status === 'ready') await queue.close().catch(() => {});
      else void queue.close().catch(() => {});
      client.disconnect();
    },
  };
  await untilReady(client, () => unavailable).catch(async (error: unknown) => {
    await model.close();
    throw error;
  });
  const workers = await queue.getWorkers();
  // BullMQ lists each worker under the queue's name, its own in `rawname` (`<prefix>:<queue>:w:<name>`).
  labelledSimulated ||= workers.some((worker) =>
    String((worker as Record<string, unknown>).rawname ?? '').includes(`:w:${simulatedWorkerPrefix}`),
  );
  onEvent?.({ type: 'queue-connected', queue: name, redis: redis.display, workers: workers.length });
  return labelledSimulated === model.simulated ? model : { ...model, simulated: labelledSimulated };
}

/** A job's return value as the events stream carries it (JSON text); a damaged one fails the call. */
function parseResult(text: string): { result: CallJobResult } | { failedReason: string } {
  try {
    const result = JSON.parse(text) as CallJobResult | null;
    if (result !== null && typeof result.text === 'string') return { result };
  } catch {
    // Not JSON: reported below.
  }
  return { failedReason: `the job's result is not a reply: ${text.slice(0, 80)}` };
}

/** Workers whose model is simulated start their BullMQ name with this, so a coordinator can tell. */
export const simulatedWorkerPrefix = 'simulated-';

/** Resolves once the client is connected; rejects with the outage error if that comes first. */
function untilReady(client: Redis, unavailable: () => Error | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (client.status === 'ready') return resolve();
    const check = setInterval(() => {
      const failure = unavailable();
      if (client.status === 'ready') resolve();
      else if (failure) reject(failure);
      else return;
      clearInterval(check);
    }, 100);
  });
}

/** A promise with its settling functions, for a call whose reply arrives as an event. */
function deferred(): Pick<PendingCall, 'promise' | 'resolve' | 'reject'> {
  let resolve!: (result: GenerateResult) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<GenerateResult>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

/**
 * Watches a Redis client for an outage, from its start (no connection yet) or from a lost
 * connection: `onGiveUp` once it has lasted `timeoutMs`, `onBack` when the connection returns
 * after a loss.
 */
function watchOutage(
  client: Redis,
  timeoutMs: number,
  handlers: { onLost: () => void; onBack: () => void; onGiveUp: (waitedMs: number) => void },
): { stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let started = Date.now();
  let everReady = false;
  let gaveUp = false;
  const start = () => {
    started = Date.now();
    timer = setTimeout(() => {
      timer = undefined;
      gaveUp = true;
      handlers.onGiveUp(Date.now() - started);
    }, timeoutMs);
  };
  start();
  client.on('ready', () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (everReady) handlers.onBack();
    everReady = true;
  });
  client.on('close', () => {
    if (!everReady || timer !== undefined || gaveUp) return;
    handlers.onLost();
    start();
  });
  return {
    stop: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      gaveUp = true;
    },
  };
}

/** The call's reply, or an `AbortError` once `signal` fires (the job stays: a resumed run finds it). */
function abortable(
  promise: Promise<GenerateResult>,
  signal: AbortSignal | undefined,
): Promise<GenerateResult> {
  if (signal === undefined) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new AbortError('The call was aborted', { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
