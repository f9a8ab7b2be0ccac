import { createHash } from 'node:crypto';
import type {
  ChatMessage,
  ChatModel,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  ResponseFormat,
  Usage,
} from '../spec/chat-model.js';
import { ApiCallError, BatchPromptError, fatalEndpointError, RetryError } from '../spec/errors.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';

/**
 * What a job holds: the request as the model would receive it, and nothing else (no key, no base
 * URL, no header: those live in each worker's environment). The messages are the user's data.
 */
export interface CallJobData {
  modelId: string;
  request: {
    messages: ChatMessage[];
    responseFormat?: ResponseFormat;
    maxOutputTokens?: number;
    temperature?: number;
    seed?: number;
  };
}

/** A job's return value: the reply without its headers, and whether a simulated model wrote it. */
export interface CallJobResult {
  text: string;
  usage: Usage;
  finishReason: FinishReason;
  simulated: boolean;
}

/** Why a call failed, as a job's `failedReason` carries it (JSON), for the coordinator to rebuild. */
export interface CallJobFailure {
  message: string;
  status?: number;
  isFatal: boolean;
  isRetryable: boolean;
  /** What the call's attempt cost when its reply was billed but could not be used. */
  billedUsage?: Usage;
}

/**
 * Leaves the retry of a billed failure (a success status with a body that could not be used) to
 * the run: beneath the worker's retries, such an error becomes one they do not retry, and the job
 * fails with what the attempt cost. The run retries it above its spending cap
 * (`retryBilledFailures`), which prices each attempt before it is sent; retried here, out of the
 * run's sight, a call could pay for seven attempts and pass `--max-cost`. Failures that cost
 * nothing (429, 5xx, timeouts) the worker retries as before.
 */
export function leaveBilledRetriesToRun(model: ChatModel): ChatModel {
  return wrapChatModel(model, {
    generate: (request, next) =>
      next(request).catch((error: unknown) => {
        if (!ApiCallError.isInstance(error) || error.billedUsage === undefined || !error.isRetryable) {
          throw error;
        }
        const unretried = new ApiCallError(error.message, {
          ...(error.status === undefined ? {} : { status: error.status }),
          headers: error.headers,
          isRetryable: false,
          isFatal: error.isFatal,
          ...(error.url === undefined ? {} : { url: error.url }),
          cause: error,
          billedUsage: error.billedUsage,
        });
        unretried.stack = error.stack;
        throw unretried;
      }),
  });
}

/** Queue names may not hold `:`; model ids do, so the name is the id made safe plus its digest. */
export function queueNameFor(modelId: string): string {
  const digest = createHash('sha256').update(modelId).digest('hex').slice(0, 8);
  return `${modelId.replace(/[^A-Za-z0-9._-]/g, '_')}-${digest}`;
}

/** The key prefix of every queue, so that batchprompt's keys are told apart from others'. */
export const queuePrefix = 'batchprompt';

/** The Redis key under which the workers of a model's queue share their tokens-per-minute budget. */
export function tokenBudgetKey(modelId: string): string {
  return `${queuePrefix}:${queueNameFor(modelId)}:tokens-per-minute`;
}

/** A job's id is the call's response-cache key (prefixed: BullMQ refuses an id that is a number). */
export function jobIdFor(cacheKey: string): string {
  return `call-${cacheKey}`;
}

export function toJobData(modelId: string, request: GenerateRequest): CallJobData {
  const { messages, responseFormat, maxOutputTokens, temperature, seed } = request;
  return {
    modelId,
    request: {
      messages: messages.map((message) => ({ role: message.role, content: message.content })),
      ...(responseFormat === undefined ? {} : { responseFormat }),
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
      ...(temperature === undefined ? {} : { temperature }),
      ...(seed === undefined ? {} : { seed }),
    },
  };
}

export function toJobResult(result: GenerateResult, simulated: boolean): CallJobResult {
  return { text: result.text, usage: result.usage, finishReason: result.finishReason, simulated };
}

export function fromJobResult(result: CallJobResult): GenerateResult {
  return { text: result.text, usage: result.usage, finishReason: result.finishReason };
}

/**
 * The failure of a worker's call as JSON text, its message already redacted by the model stack. A
 * billed failure the worker left unretried (`leaveBilledRetriesToRun`) is retryable by the run.
 */
export function encodeFailure(error: unknown): string {
  const endpoint = fatalEndpointError(error);
  const last = RetryError.isInstance(error) ? error.lastError : error;
  const api = endpoint ?? (ApiCallError.isInstance(last) ? last : undefined);
  const message = error instanceof Error ? error.message : String(error);
  const failure: CallJobFailure = {
    message: api?.message ?? message,
    ...(api?.status === undefined ? {} : { status: api.status }),
    isFatal: api?.isFatal ?? false,
    isRetryable:
      (api?.isRetryable ?? false) ||
      (api?.billedUsage !== undefined && ApiCallError.isInstance(api.cause) && api.cause.isRetryable),
    ...(api?.billedUsage === undefined ? {} : { billedUsage: api.billedUsage }),
  };
  return JSON.stringify(failure);
}

/**
 * The error a coordinator's call rejects with: an `ApiCallError` with the worker's status, so that
 * a 401 stops the run as it does locally and a 400 is split or re-asked as it is locally.
 */
export function decodeFailure(failedReason: string, modelId: string): Error {
  let failure: Partial<CallJobFailure> | undefined;
  try {
    failure = JSON.parse(failedReason) as Partial<CallJobFailure>;
  } catch {
    failure = undefined;
  }
  if (failure === undefined || typeof failure.message !== 'string') {
    // BullMQ's own failures (a job stalled too often) are plain text.
    return new BatchPromptError(`the queue failed the call to ${modelId}: ${failedReason}`);
  }
  return new ApiCallError(`a worker's call to ${modelId} failed: ${failure.message}`, {
    ...(failure.status === undefined ? {} : { status: failure.status }),
    isFatal: failure.isFatal === true,
    isRetryable: failure.isRetryable === true,
    // Counted by the coordinator's spending cap and request ledger as a billed failure.
    ...(failure.billedUsage === undefined ? {} : { billedUsage: failure.billedUsage }),
  });
}
