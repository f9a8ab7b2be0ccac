import { urlWithoutCredentials } from '../models/split-url-credentials.js';
import { delay } from '../runtime/delay.js';
import type { ChatModel, GenerateRequest, GenerateResult } from '../spec/chat-model.js';
import { AbortError, ApiCallError, BatchPromptError } from '../spec/errors.js';
import { cacheKey } from '../store/cache-key.js';
import type { JobOutcome, JobRecord } from '../store/job-journal.js';
import type { Store } from '../store/open-store.js';
import { packInOrder } from '../util/pack-in-order.js';
import type { BatchEntry, BatchProvider, ProviderJobState, ProviderOutcome } from './batch-provider.js';

/** What the batch model reports as it submits, waits and collects. */
export type BatchJobEvent =
  | { type: 'submitted'; job: JobRecord; state: ProviderJobState }
  | { type: 'found'; job: JobRecord }
  | { type: 'status'; job: JobRecord; state: ProviderJobState; nextCheckMs: number | undefined }
  | { type: 'ended'; job: JobRecord; state: ProviderJobState }
  | {
      type: 'resubmitting';
      job: JobRecord;
      requests: number;
      reason: 'expired' | 'cancelled' | 'errored' | 'lost';
    };

export interface BatchApiModelOptions {
  /** The model URI, as the online adapter would have it: cache keys and journals use it. */
  id: string;
  simulated: boolean;
  supportsJsonSchema: boolean;
  provider: BatchProvider;
  store: Store;
  runId?: string;
  /** The API base URL, kept with each job so that `batchprompt jobs` can reach it. */
  baseUrl?: string;
  /**
   * Requests that arrive within this many milliseconds of the previous one join the same job. The
   * engine sends all batches of a round at once, so a round forms one job. @default 100
   */
  gatherMs?: number;
  /** First wait between status checks. @default 30000 */
  pollIntervalMs?: number;
  /** Longest wait between status checks; waits grow by half each check up to it. @default 600000 */
  maxPollIntervalMs?: number;
  /** Times a request that failed inside a job with a retryable error is submitted again. @default 2 */
  maxRetries?: number;
  /** Consecutive failed status checks before the requests of a job are failed. @default 5 */
  maxStatusErrors?: number;
  /**
   * Stop waiting: once a job was submitted or found still running, call `onDetach` instead of
   * polling. The caller ends the run; the journal keeps the job for the next invocation.
   */
  detach?: boolean;
  onDetach?: (job: JobRecord) => void;
  /** A job was cancelled (by `batchprompt jobs cancel` or at the provider): the run should stop. */
  onCancelled?: (job: JobRecord) => void;
  onEvent?: (event: BatchJobEvent) => void;
  signal?: AbortSignal;
  /** Waits between status checks; injected by tests. @default delay */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type BatchApiModel = ChatModel & {
  /** Stops gathering and polling; pending calls reject with an `AbortError`. */
  close(): void;
};

interface Waiter {
  resolve: (result: GenerateResult) => void;
  reject: (error: unknown) => void;
  /** The request's `onSent`: told once its job reached the provider. */
  onSent: (() => void) | undefined;
}

interface Pending {
  request: GenerateRequest;
  waiters: Waiter[];
  attempts: number;
  /** True once a job holding it reached the provider. */
  sent: boolean;
}

function positiveInteger(name: string, value: number | undefined, fallback: number, minimum: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < minimum) {
    throw new BatchPromptError(
      `Expected \`${name}\` to be an integer >= ${minimum}, got \`${String(value)}\``,
    );
  }
  return resolved;
}

/**
 * A `ChatModel` whose calls go to a provider's batch API. Calls that arrive together (a round)
 * are gathered into one job (several where the provider's request or size limits require); each
 * call resolves when the job has ended and its result was recorded. Every job is journaled in the
 * store before it is submitted and its results are recorded when downloaded, so a later process
 * asking the same requests waits for the same job, or takes the recorded replies, instead of
 * paying again. Requests a job did not finish (expired, or failed with a retryable error) go into
 * a follow-up job; requests it finished are never submitted again.
 */
/** How long the first wait between status checks is, and the longest, by default (ms). */
export const defaultPolling = { pollIntervalMs: 30_000, maxPollIntervalMs: 600_000 } as const;

export function createBatchApiModel(options: BatchApiModelOptions): BatchApiModel {
  const { id, provider, store } = options;
  const gatherMs = positiveInteger('gatherMs', options.gatherMs, 100, 0);
  const pollIntervalMs = positiveInteger(
    'pollIntervalMs',
    options.pollIntervalMs,
    defaultPolling.pollIntervalMs,
    1,
  );
  const maxPollIntervalMs = Math.max(
    pollIntervalMs,
    positiveInteger('maxPollIntervalMs', options.maxPollIntervalMs, defaultPolling.maxPollIntervalMs, 1),
  );
  const maxRetries = positiveInteger('maxRetries', options.maxRetries, 2, 0);
  const maxStatusErrors = positiveInteger('maxStatusErrors', options.maxStatusErrors, 5, 1);
  const sleep = options.sleep ?? delay;
  const stopper = new AbortController();
  const onOuterAbort = () => stopper.abort(options.signal?.reason);
  if (options.signal?.aborted) stopper.abort(options.signal.reason);
  else options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const signal = stopper.signal;

  /** Calls waiting for a reply, by custom id: identical requests share one entry and one reply. */
  const pending = new Map<string, Pending>();
  /** Custom ids gathered for the next job. */
  const gathering = new Set<string>();
  let gatherTimer: ReturnType<typeof setTimeout> | undefined;
  const watched = new Map<string, Promise<void>>();

  signal.addEventListener(
    'abort',
    () => {
      clearTimeout(gatherTimer);
      gathering.clear();
      const error = new AbortError('The batch run was stopped', { cause: signal.reason });
      for (const entry of pending.values()) for (const waiter of entry.waiters) waiter.reject(error);
      pending.clear();
    },
    { once: true },
  );

  function customIdOf(request: GenerateRequest): string {
    // Everything that shapes the reply, as the response cache sees it; the hash fits Anthropic's
    // custom id pattern (64 characters of [a-zA-Z0-9_-]).
    return cacheKey({
      modelId: id,
      settings: {
        responseFormat: request.responseFormat ?? { type: 'text' },
        maxOutputTokens: request.maxOutputTokens,
        temperature: request.temperature ?? 0,
        seed: request.seed,
      },
      messages: request.messages,
    });
  }

  function settle(customId: string, outcome: (entry: Pending) => void): void {
    const entry = pending.get(customId);
    if (entry === undefined) return;
    pending.delete(customId);
    outcome(entry);
  }

  function resolveWith(customId: string, reply: GenerateResult): void {
    settle(customId, (entry) => {
      for (const waiter of entry.waiters) waiter.resolve({ ...reply, usage: { ...reply.usage } });
    });
  }

  function rejectWith(customId: string, error: unknown): void {
    settle(customId, (entry) => {
      for (const waiter of entry.waiters) waiter.reject(error);
    });
  }

  /** Its job reached the provider: each call waiting on it is told (`GenerateRequest.onSent`). */
  function markSent(entry: Pending): void {
    entry.sent = true;
    for (const waiter of entry.waiters) waiter.onSent?.();
  }

  function gather(customId: string): void {
    gathering.add(customId);
    clearTimeout(gatherTimer);
    if (gathering.size >= provider.maxRequests) {
      void flush();
      return;
    }
    gatherTimer = setTimeout(() => void flush(), gatherMs);
  }

  /** Splits what was gathered into jobs within the provider's limits and submits each. */
  async function flush(): Promise<void> {
    clearTimeout(gatherTimer);
    if (signal.aborted || gathering.size === 0) return;
    const entries: BatchEntry[] = [];
    for (const customId of gathering) {
      const entry = pending.get(customId);
      if (entry !== undefined) entries.push({ customId, request: entry.request });
    }
    gathering.clear();
    const jobs = packInOrder(entries, {
      maxEntries: provider.maxRequests,
      maxSize: provider.maxBytes,
      sizeOf: (entry) => provider.requestBytes(entry),
    });
    await Promise.all(jobs.map((job) => submit(job)));
  }

  async function submit(entries: BatchEntry[]): Promise<void> {
    // Journaled first: a kill during the upload or creation leaves a job to look for.
    const job = store.jobs.createJob({
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      provider: provider.provider,
      modelId: id,
      // Where the job went, not how it was let in: a key in the URL's query stays out of the store.
      ...(options.baseUrl === undefined ? {} : { baseUrl: urlWithoutCredentials(options.baseUrl) }),
      customIds: entries.map((entry) => entry.customId),
    });
    let state: ProviderJobState;
    try {
      state = await provider.submit(entries, {
        jobId: job.jobId,
        onInputFile: (fileId) => store.jobs.recordInputFile(job.jobId, fileId),
      });
    } catch (error) {
      // A refusal (4xx) means the provider has no job; anything else may have reached it, so the
      // job stays `submitting` for the next invocation to look for.
      const status = ApiCallError.isInstance(error) ? error.status : undefined;
      if (status !== undefined && status < 500) store.jobs.markAbandoned(job.jobId);
      for (const entry of entries) rejectWith(entry.customId, error);
      return;
    }
    store.jobs.markSubmitted(job.jobId, { providerJobId: state.providerJobId, providerStatus: state.status });
    for (const entry of entries) {
      const waiting = pending.get(entry.customId);
      if (waiting !== undefined) markSent(waiting);
    }
    const submitted = store.jobs.getJob(job.jobId)!;
    options.onEvent?.({ type: 'submitted', job: submitted, state });
    watch(job.jobId, false);
  }

  function watch(jobId: string, found: boolean): void {
    if (watched.has(jobId)) return;
    const watching = follow(jobId, found).catch((error) => {
      for (const customId of store.jobs.pendingRequests(jobId)) rejectWith(customId, error);
    });
    watched.set(jobId, watching);
  }

  /** Waits for a job to end, then records and hands out its results. */
  async function follow(jobId: string, found: boolean): Promise<void> {
    let job = store.jobs.getJob(jobId)!;
    if (found) options.onEvent?.({ type: 'found', job });
    if (job.status === 'submitting') {
      const known = new Set(
        store.jobs
          .listJobs()
          .map((entry) => entry.providerJobId)
          .filter((value): value is string => value !== undefined),
      );
      const state = await provider.findSubmitted(job, known);
      if (state === undefined) {
        // It never reached the provider: its requests go into a new job.
        store.jobs.markAbandoned(jobId);
        const lost = job.counts.pending;
        options.onEvent?.({ type: 'resubmitting', job, requests: lost, reason: 'lost' });
        for (const customId of store.jobs.pendingRequests(jobId)) if (pending.has(customId)) gather(customId);
        return;
      }
      store.jobs.markSubmitted(jobId, { providerJobId: state.providerJobId, providerStatus: state.status });
      job = store.jobs.getJob(jobId)!;
    }
    const providerJobId = job.providerJobId!;
    let wait = pollIntervalMs;
    let statusErrors = 0;
    let state: ProviderJobState;
    let first = !found;
    /** Cancelled before this process began to wait: its unfinished requests are resubmitted. */
    let cancelledBefore: boolean | undefined;
    for (;;) {
      if (first) {
        // Just submitted: nothing to ask yet.
        first = false;
        if (options.detach) {
          options.onDetach?.(job);
          return;
        }
        await sleep(wait, signal);
        wait = Math.min(maxPollIntervalMs, Math.round(wait * 1.5));
      }
      try {
        state = await provider.retrieve(providerJobId);
        statusErrors = 0;
      } catch (error) {
        if (signal.aborted) throw new AbortError('The batch run was stopped', { cause: error });
        statusErrors += 1;
        if (statusErrors >= maxStatusErrors) throw error;
        await sleep(wait, signal);
        continue;
      }
      store.jobs.recordProviderStatus(jobId, state.status);
      job = store.jobs.getJob(jobId)!;
      cancelledBefore ??= state.cancelled;
      if (state.ended) break;
      const detaching = options.detach === true;
      options.onEvent?.({ type: 'status', job, state, nextCheckMs: detaching ? undefined : wait });
      if (detaching) {
        options.onDetach?.(job);
        return;
      }
      await sleep(wait, signal);
      wait = Math.min(maxPollIntervalMs, Math.round(wait * 1.5));
    }
    await collect(job, state, cancelledBefore === true);
  }

  async function collect(job: JobRecord, state: ProviderJobState, cancelledBefore: boolean): Promise<void> {
    const open = new Set(store.jobs.pendingRequests(job.jobId));
    let outcomes: ProviderOutcome[];
    if (state.failure !== undefined) {
      outcomes = [...open].map((customId) => ({
        customId,
        state: 'errored' as const,
        error: `the provider refused batch job ${job.jobId} (${state.providerJobId}): ${state.failure}`,
        retryable: false,
      }));
    } else {
      // The prompts waiting here bound the usage each result reports (`batchReplyUsage`).
      const returned = (
        await provider.results(state.providerJobId, (customId) => pending.get(customId)?.request)
      ).filter((outcome) => open.has(outcome.customId));
      const mentioned = new Set(returned.map((outcome) => outcome.customId));
      // Requests the provider does not mention were never run: cancelled with a job someone
      // cancelled, else expired with it.
      const unmentioned: JobOutcome['state'] = state.cancelled ? 'canceled' : 'expired';
      outcomes = [
        ...returned,
        ...[...open]
          .filter((customId) => !mentioned.has(customId))
          .map((customId) => ({ customId, state: unmentioned })),
      ];
    }
    store.jobs.recordOutcomes(job.jobId, outcomes, {
      status: state.failure === undefined ? 'ended' : 'failed',
      providerStatus: state.status,
    });
    const ended = store.jobs.getJob(job.jobId)!;
    options.onEvent?.({ type: 'ended', job: ended, state });

    const again: string[] = [];
    let errored = 0;
    let cancelled = false;
    for (const outcome of outcomes) {
      const { customId } = outcome;
      if (outcome.state === 'succeeded' && outcome.reply !== undefined) {
        resolveWith(customId, outcome.reply);
      } else if (outcome.state === 'expired') {
        again.push(customId);
      } else if (outcome.state === 'canceled') {
        if (cancelledBefore) again.push(customId);
        else cancelled = true;
      } else {
        const entry = pending.get(customId);
        if (entry !== undefined && outcome.retryable === true && entry.attempts < maxRetries) {
          entry.attempts += 1;
          errored += 1;
          again.push(customId);
        } else {
          rejectWith(
            customId,
            new ApiCallError(`batch job ${job.jobId}: ${outcome.error ?? 'the request failed'}`, {
              isRetryable: false,
              ...(outcome.status === undefined ? {} : { status: outcome.status }),
            }),
          );
        }
      }
    }
    if (cancelled) {
      // Someone cancelled the job while this process waited for it: stop rather than pay for
      // its requests elsewhere. What it finished is recorded; the next invocation submits only
      // the rest (a job found already cancelled is resubmitted at once, above).
      options.onCancelled?.(ended);
      const error = new AbortError(`batch job ${job.jobId} was cancelled`);
      for (const outcome of outcomes) if (outcome.state === 'canceled') rejectWith(outcome.customId, error);
    }
    const resubmit = again.filter((customId) => pending.has(customId));
    if (resubmit.length > 0 && !signal.aborted) {
      options.onEvent?.({
        type: 'resubmitting',
        job: ended,
        requests: resubmit.length,
        reason: errored === resubmit.length ? 'errored' : state.cancelled ? 'cancelled' : 'expired',
      });
      for (const customId of resubmit) gather(customId);
    }
  }

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    if (signal.aborted) throw new AbortError('The batch run was stopped', { cause: signal.reason });
    request.signal?.throwIfAborted();
    const customId = customIdOf(request);
    const recorded = store.jobs.findReply(customId, id);
    if (recorded !== undefined) return { ...recorded };
    return new Promise<GenerateResult>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, onSent: request.onSent };
      const existing = pending.get(customId);
      if (existing !== undefined) {
        existing.waiters.push(waiter);
        // Joining a request whose job went already: this one went with it.
        if (existing.sent) waiter.onSent?.();
        return;
      }
      const entry: Pending = { request, waiters: [waiter], attempts: 0, sent: false };
      pending.set(customId, entry);
      const openJob = store.jobs.findOpenJobFor(customId, id);
      if (openJob === undefined) gather(customId);
      else {
        // Submitted by an earlier process: it is at the provider already.
        markSent(entry);
        watch(openJob, true);
      }
    });
  }

  return {
    id,
    simulated: options.simulated,
    supportsJsonSchema: options.supportsJsonSchema,
    generate,
    close() {
      options.signal?.removeEventListener('abort', onOuterAbort);
      if (!signal.aborted) stopper.abort(new AbortError('The batch run was closed'));
    },
  };
}
