import type { ChatModel, GenerateRequest, GenerateResult } from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';
import { SimHttpError } from './serve-http.js';
import { type CacheStyle, createSimPromptCache } from './sim-prompt-cache.js';
import { hashUniforms, textDigest } from './sim-random.js';

/**
 * Settings of the simulator's batch endpoints (`/v1/files`, `/v1/batches`, `/v1/messages/batches`,
 * Gemini's `/v1beta/batches`).
 */
export interface SimBatchOptions {
  /** Milliseconds from a job's creation until it ends. @default 0 */
  completionDelayMs?: number;
  /**
   * The first this many jobs fail to validate (OpenAI: status `failed`; Anthropic: a 400 at
   * creation; Gemini: `BATCH_STATE_FAILED`). @default 0
   */
  failValidationJobs?: number;
  /** The next this many jobs expire with only part of their requests done. @default 0 */
  expireJobs?: number;
  /** Share of an expiring job's requests that were done when it expired. @default 0.6 */
  expireDoneShare?: number;
  /** Share of the requests in a job that end with a server error instead of a reply. @default 0 */
  requestErrorRate?: number;
  /** Shortest prefix the jobs' emulated prompt caches keep, in tokens. @default 1024 */
  promptCacheMinTokens?: number;
}

export interface SimBatchStats {
  filesUploaded: number;
  /** Jobs the server accepted (a job refused at creation is not counted). */
  jobsCreated: number;
  /** Requests in accepted jobs. */
  requestsSubmitted: number;
  /** Requests answered by the simulated model, in jobs of either API. */
  requestsAnswered: number;
  requestsErrored: number;
  requestsExpired: number;
  requestsCanceled: number;
  cancels: number;
  promptTokens: number;
  completionTokens: number;
}

/** A batch route's reply: a JSON value or a text body, and headers of its own (Gemini's upload). */
export interface SimBatchReply {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export type JobFault = 'fail-validation' | 'expire' | undefined;

export interface JobRequest {
  customId: string;
  request: GenerateRequest;
  /** The model name the request asked for, echoed in its reply. */
  model: string;
  /** How the request uses its API's prompt cache: OpenAI's automatic one, Anthropic's marks. */
  cacheStyle: CacheStyle;
}

export type RequestOutcome =
  | {
      kind: 'succeeded';
      result: GenerateResult;
      model: string;
      cache: { readTokens: number; writeTokens: number };
    }
  | { kind: 'errored'; message: string }
  | { kind: 'expired' }
  | { kind: 'canceled' };

export interface SimJob {
  api: 'openai' | 'anthropic' | 'gemini';
  id: string;
  createdAtMs: number;
  requests: JobRequest[];
  fault: JobFault;
  inputFileId?: string;
  metadata?: Record<string, string> | null;
  /** OpenAI: validation errors that make the job `failed`. */
  validationErrors: { code: string; message: string; line: number | null; param: string | null }[];
  cancelAtMs?: number;
  endedAtMs?: number;
  outcomes?: Map<string, RequestOutcome>;
  finishing?: Promise<void>;
  /** What the job's API does once its outcomes are known (OpenAI writes the output files). */
  onEnded?: (job: SimJob) => void;
  outputFileId?: string;
  errorFileId?: string;
  endState?: 'completed' | 'expired' | 'cancelled' | 'failed';
}

/** A job about to be made from an uploaded input file: what its API says of it. */
export interface FileJobSpec {
  api: SimJob['api'];
  /** What the job's id starts with: `batch_sim`, `batches/sim`. */
  idPrefix: string;
  file: SimFile;
  metadata: Record<string, string> | null;
  onEnded: (job: SimJob) => void;
  /** What is wrong with the file as a whole, found before its lines are read. */
  validationErrors?: SimJob['validationErrors'];
}

/** How an API pages its list of jobs: the query parameters of a page, and its largest size. */
export interface SimPaging {
  /** The parameter naming the job a page starts after. */
  afterParameter: string;
  /** The parameter asking for a page size. */
  limitParameter: string;
  maxLimit: number;
}

export interface SimFile {
  id: string;
  bytes: number;
  createdAt: number;
  filename: string;
  purpose: string;
  content: string;
}

export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function shareOption(name: string, value: number | undefined, fallback: number): number {
  const share = value ?? fallback;
  if (!(share >= 0 && share <= 1)) {
    throw new InputError(`Expected \`${name}\` to be a number from 0 to 1, got \`${String(value)}\``, {
      field: name,
    });
  }
  return share;
}

function countOption(name: string, value: number | undefined): number {
  const count = value ?? 0;
  if (!Number.isInteger(count) || count < 0) {
    throw new InputError(`Expected \`${name}\` to be an integer >= 0, got \`${String(value)}\``, {
      field: name,
    });
  }
  return count;
}

/**
 * The files and jobs behind every batch API of the simulator, whatever the provider's shapes:
 * which job fails or expires, ids, and a job's end, when the simulated model answers its requests.
 * Jobs move on when they are looked at (`advance`), not on timers: a job has ended once
 * `completionDelayMs` passed since its creation, or once it was cancelled.
 */
/** The counts of a server that has done nothing yet. */
function zeroStats(): SimBatchStats {
  return {
    filesUploaded: 0,
    jobsCreated: 0,
    requestsSubmitted: 0,
    requestsAnswered: 0,
    requestsErrored: 0,
    requestsExpired: 0,
    requestsCanceled: 0,
    cancels: 0,
    promptTokens: 0,
    completionTokens: 0,
  };
}

export function createSimBatchJobs({
  model,
  seed,
  options = {},
  now = Date.now,
}: {
  model: ChatModel;
  seed: number;
  options?: SimBatchOptions;
  now?: () => number;
}) {
  const completionDelayMs = countOption('batch.completionDelayMs', options.completionDelayMs);
  const failValidationJobs = countOption('batch.failValidationJobs', options.failValidationJobs);
  const expireJobs = countOption('batch.expireJobs', options.expireJobs);
  const expireDoneShare = shareOption('batch.expireDoneShare', options.expireDoneShare, 0.6);
  const requestErrorRate = shareOption('batch.requestErrorRate', options.requestErrorRate, 0);
  const cacheOptions = {
    now,
    ...(options.promptCacheMinTokens === undefined ? {} : { minTokens: options.promptCacheMinTokens }),
  };
  const promptCaches = {
    openai: createSimPromptCache(cacheOptions),
    anthropic: createSimPromptCache(cacheOptions),
    gemini: createSimPromptCache(cacheOptions),
  };
  const files = new Map<string, SimFile>();
  const jobs = new Map<string, SimJob>();
  let jobsSeen = 0;
  // Counts every file stored, so that two uploads of the same bytes get different ids without a
  // random part: a job's id seeds its fault draws, and a test must meet the same faults each run.
  let filesStored = 0;
  const acceptedOrder = new Map<SimJob, number>();
  const stats = zeroStats();

  /** The fault of the next job created, in the order of `failValidationJobs`, then `expireJobs`. */
  function nextFault(): JobFault {
    const index = jobsSeen;
    jobsSeen += 1;
    if (index < failValidationJobs) return 'fail-validation';
    if (index < failValidationJobs + expireJobs) return 'expire';
    return undefined;
  }

  function newId(prefix: string, ...parts: unknown[]): string {
    return `${prefix}${textDigest(`${parts.join(':')}:${now()}:${files.size}:${jobs.size}`).slice(0, 24)}`;
  }

  function storeFile(content: string, filename: string, purpose: string): SimFile {
    const file: SimFile = {
      id: newId('file-sim', filename, content.length, filesStored),
      bytes: Buffer.byteLength(content),
      createdAt: seconds(now()),
      filename,
      purpose,
      content,
    };
    filesStored += 1;
    files.set(file.id, file);
    return file;
  }

  /** The share of an ending job's requests that were done by its end. */
  function doneShareOf(job: SimJob): number {
    if (job.fault === 'expire') return expireDoneShare;
    if (job.cancelAtMs === undefined || completionDelayMs === 0) return 1;
    return Math.min(1, (job.cancelAtMs - job.createdAtMs) / completionDelayMs);
  }

  /**
   * What a request's draws (done before the end or not, failed or not) are keyed by: the job's
   * place among the jobs accepted and the request's own content. Not the job's or the request's
   * id: a client names those with random parts, and a test must meet the same faults each run.
   */
  function drawKey(job: SimJob, entry: JobRequest): string {
    return `${acceptedOrder.get(job) ?? -1}:${textDigest(JSON.stringify(entry.request.messages))}`;
  }

  /** Which requests of an ending job were done, and what became of each. */
  async function finish(job: SimJob): Promise<void> {
    const endedAtMs = job.cancelAtMs ?? now();
    // The requests done before the end are drawn by hash, not taken in file order.
    const order = [...job.requests].sort(
      (left, right) =>
        (hashUniforms(1, 'batch-order', seed, drawKey(job, left))[0] ?? 0) -
        (hashUniforms(1, 'batch-order', seed, drawKey(job, right))[0] ?? 0),
    );
    const doneCount = Math.round(order.length * doneShareOf(job));
    const outcomes = new Map<string, RequestOutcome>();
    for (const [position, entry] of order.entries()) {
      if (position >= doneCount) {
        const kind = job.fault === 'expire' ? 'expired' : 'canceled';
        outcomes.set(entry.customId, { kind });
        if (kind === 'expired') stats.requestsExpired += 1;
        else stats.requestsCanceled += 1;
        continue;
      }
      const [draw = 1] = hashUniforms(1, 'batch-request-error', seed, drawKey(job, entry));
      if (draw < requestErrorRate) {
        outcomes.set(entry.customId, {
          kind: 'errored',
          message: 'The server had an error while processing your request (simulated fault)',
        });
        stats.requestsErrored += 1;
        continue;
      }
      // Each API's batch jobs share a prompt cache of their own, apart from its online calls.
      const cacheUse = promptCaches[job.api].use(entry.model, entry.request.messages, entry.cacheStyle);
      const result = await model.generate(entry.request);
      cacheUse.commit();
      stats.requestsAnswered += 1;
      stats.promptTokens += result.usage.inputTokens;
      stats.completionTokens += result.usage.outputTokens;
      const cache = { readTokens: cacheUse.readTokens, writeTokens: cacheUse.writeTokens };
      outcomes.set(entry.customId, { kind: 'succeeded', result, model: entry.model, cache });
    }
    job.outcomes = outcomes;
    job.endedAtMs = endedAtMs;
    job.endState =
      job.fault === 'expire' ? 'expired' : job.cancelAtMs !== undefined ? 'cancelled' : 'completed';
    job.onEnded?.(job);
  }

  /** Brings a job up to date: it ends once its delay passed (an expiring one too) or it was cancelled. */
  async function advance(job: SimJob): Promise<void> {
    if (job.endState !== undefined || job.validationErrors.length > 0) return;
    if (job.cancelAtMs === undefined && now() - job.createdAtMs < completionDelayMs) return;
    job.finishing ??= finish(job);
    await job.finishing;
  }

  /** Requests reported done while a job still runs: never all of them. */
  function progressCount(job: SimJob): number {
    if (completionDelayMs === 0) return 0;
    const share = Math.min(1, (now() - job.createdAtMs) / completionDelayMs);
    const ceiling = job.fault === 'expire' ? expireDoneShare : 1;
    return Math.min(job.requests.length - 1, Math.floor(job.requests.length * Math.min(share, ceiling)));
  }

  /** Marks a running job cancelled now (once), counting the cancel. */
  function cancel(job: SimJob): void {
    if (job.cancelAtMs !== undefined) return;
    job.cancelAtMs = now();
    stats.cancels += 1;
  }

  /** Takes an accepted job in: it counts from now on. */
  function accept(job: SimJob): void {
    acceptedOrder.set(job, acceptedOrder.size);
    jobs.set(job.id, job);
    stats.jobsCreated += 1;
    stats.requestsSubmitted += job.requests.length;
  }

  /**
   * Makes a job from its input file, a request a line, and takes the job in. A line that
   * `readLine` refuses, or the `fail-validation` fault, fails the job's validation instead: such a
   * job is listed and retrieved, but not counted as accepted.
   */
  function admitFromFile(spec: FileJobSpec, readLine: (line: string, index: number) => JobRequest): SimJob {
    const job: SimJob = {
      api: spec.api,
      id: newId(spec.idPrefix, spec.file.id),
      createdAtMs: now(),
      requests: [],
      fault: nextFault(),
      inputFileId: spec.file.id,
      metadata: spec.metadata,
      validationErrors: [...(spec.validationErrors ?? [])],
      onEnded: spec.onEnded,
    };
    spec.file.content
      .split('\n')
      .filter((line) => line.trim() !== '')
      .forEach((line, index) => {
        try {
          job.requests.push(readLine(line, index));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          job.validationErrors.push({ code: 'invalid_request', message, line: index + 1, param: null });
        }
      });
    if (job.fault === 'fail-validation' && job.validationErrors.length === 0) {
      job.validationErrors.push({
        code: 'invalid_request',
        message: 'The input file failed validation (simulated fault)',
        line: 1,
        param: null,
      });
    }
    if (job.validationErrors.length === 0) accept(job);
    else jobs.set(job.id, job);
    return job;
  }

  /**
   * A job read (`GET`) or cancelled (`POST` with action `cancel`), as each API answers them: the
   * job is brought up to date first. A cancel that `cancelRefusal` gives a reason for is refused
   * (400); otherwise a running job is cancelled and the reply is taken before the job moves on, so
   * that a cancelling job reads as such once. Undefined for any other method or action.
   */
  async function readOrCancel(
    job: SimJob,
    method: string,
    action: string | undefined,
    replies: {
      view: (job: SimJob) => unknown;
      cancelView?: (job: SimJob) => unknown;
      cancelRefusal?: (job: SimJob) => string | undefined;
    },
  ): Promise<SimBatchReply | undefined> {
    if (method === 'GET' && action === undefined) {
      await advance(job);
      return { status: 200, body: replies.view(job) };
    }
    if (method !== 'POST' || action !== 'cancel') return undefined;
    await advance(job);
    const refusal = replies.cancelRefusal?.(job);
    if (refusal !== undefined) throw new SimHttpError(400, refusal);
    if (job.endState === undefined) cancel(job);
    const body = (replies.cancelView ?? replies.view)(job);
    void advance(job);
    return { status: 200, body };
  }

  /**
   * One page of an API's jobs, newest first, brought up to date: those after the job the query
   * names, as many as it asks for (default 20, clamped to 1..`paging.maxLimit`).
   */
  async function listJobs(
    api: SimJob['api'],
    query: URLSearchParams,
    paging: SimPaging,
  ): Promise<{ page: SimJob[]; hasMore: boolean }> {
    const afterId = query.get(paging.afterParameter);
    const limit = query.get(paging.limitParameter);
    const maxLimit = paging.maxLimit;
    const all = [...jobs.values()].filter((job) => job.api === api).reverse();
    for (const job of all) await advance(job);
    const start = afterId === null ? 0 : all.findIndex((job) => job.id === afterId) + 1;
    const size = Math.min(maxLimit, Math.max(1, Number(limit ?? 20) || 20));
    return { page: all.slice(start, start + size), hasMore: start + size < all.length };
  }

  return {
    files,
    jobs,
    stats,
    now,
    nextFault,
    newId,
    storeFile,
    advance,
    progressCount,
    cancel,
    accept,
    admitFromFile,
    readOrCancel,
    listJobs,
  };
}

export type SimBatchJobs = ReturnType<typeof createSimBatchJobs>;
