import { isAttemptTimeout } from '../runtime/scheduler.js';
import type { ChatModel, GenerateRequest, GenerateResult, Usage } from '../spec/chat-model.js';
import { countMessageTokens } from '../spec/count-tokens.js';
import { ApiCallError, BreakerError } from '../spec/errors.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import { defaultBreakAfter } from './default-break-after.js';
import { requestTallyRows } from './request-tally-rows.js';

/**
 * How a request that reached the server failed, as far as a run can act on it:
 * - `refused`: a 4xx status other than 408 and 429 (the request is wrong, so is its retry);
 * - `server-error`: a 5xx status;
 * - `unusable-reply`: a success status with a body that could not be used (cut, garbled, too
 *   large); billed all the same;
 * - `no-reply`: a timeout (408, or none at all) or a connection that broke.
 * A 429 is none of these: the scheduler paces the run after it, and it neither starts nor breaks
 * a run of failures.
 */
export type FailureKind = 'refused' | 'server-error' | 'unusable-reply' | 'no-reply';

/**
 * What a row of the breaker is made of: failures of one kind, or `no-answer`, replies with a success
 * status and a readable body that held no answer the caller could use (`GenerateRequest.usable`).
 */
export type StreakKind = FailureKind | 'no-answer';

const failureWords: Record<StreakKind, string> = {
  refused: 'were refused with a 4xx status',
  'server-error': 'failed with a 5xx status',
  'unusable-reply': 'got a success status with a body that could not be used (malformed, cut or too large)',
  'no-reply': 'got no reply (timed out or the connection broke)',
  'no-answer':
    'got a success status with a reply that held no answer that could be read (no input of the batch answered as asked)',
};

/** Every request that reached the server, by outcome, with the tokens billed for each kind. */
export interface RequestTally {
  /** Requests sent: `answered + failed`. */
  sent: number;
  /** Requests whose reply was handed on (a reply cut off at the output limit included). */
  answered: number;
  failed: number;
  /**
   * Of the failed, those billed: a success status with a body that could not be used, and the
   * requests abandoned under way (`abandoned`).
   */
  billedFailed: number;
  /**
   * Of the billed failures, requests under way when the run stopped (the breaker, a fatal error,
   * an interrupt): they reached the server, which bills them whether or not the reply is read, so
   * they count with their prompts' tokens, counted locally; no output was received, none counted.
   */
  abandoned: number;
  /** Tokens of the answered requests. */
  inputTokens: number;
  outputTokens: number;
  /** Tokens of the billed failures, counted locally over the prompt and the body received. */
  failedInputTokens: number;
  failedOutputTokens: number;
  /** Requests (answered or billed failures) whose tokens were counted locally, not as reported. */
  countedLocally: number;
  /** Failed requests by kind; a 429 is in `failed` alone. */
  failures: Record<FailureKind, number>;
}

/** The failures in a row at the end of the requests so far: their kind and how many. */
export interface FailureStreak {
  kind: StreakKind | undefined;
  length: number;
}

/** The kind of a request's failure, or undefined for one that tells nothing of the server (429). */
export function failureKind(error: unknown): FailureKind | undefined {
  const status = ApiCallError.isInstance(error) ? error.status : undefined;
  if (status === 429) return undefined;
  if (status !== undefined && status >= 200 && status < 300) return 'unusable-reply';
  if (status !== undefined && status >= 500) return 'server-error';
  if (status === undefined || status === 408) return 'no-reply';
  return 'refused';
}

/** The streak after one more request: an answer ends it, a failure of another kind starts anew. */
export function nextStreak(
  streak: FailureStreak,
  outcome: StreakKind | 'answered' | undefined,
): FailureStreak {
  if (outcome === undefined) return streak;
  if (outcome === 'answered') return { kind: undefined, length: 0 };
  return outcome === streak.kind
    ? { kind: outcome, length: streak.length + 1 }
    : { kind: outcome, length: 1 };
}

/** The error that stops the run once `streak.length` requests in a row failed alike. */
export function breakerError(
  streak: FailureStreak,
  last: unknown,
  sent: Pick<RequestTally, 'sent' | 'answered'>,
  billedUsage?: Usage,
): BreakerError {
  const kind = streak.kind ?? 'no-reply';
  const lastMessage = last instanceof Error ? last.message : String(last);
  const url = ApiCallError.isInstance(last) ? last.url : undefined;
  return new BreakerError(
    `the run stopped after ${sent.sent} requests (${sent.answered} answered): the last ${streak.length} requests${url === undefined ? '' : ` to ${url}`} all ${failureWords[kind]} (the last: ${lastMessage}); asking again would only pay for the same failure. The replies received are kept in the store: the same command resumes once the endpoint is fixed`,
    {
      ...(ApiCallError.isInstance(last) && last.status !== undefined ? { status: last.status } : {}),
      ...(url === undefined ? {} : { url }),
      ...(billedUsage === undefined ? {} : { billedUsage }),
      cause: last,
    },
  );
}

/**
 * The breaker's error told again once the run has stopped: the requests it counted when it tripped,
 * and all those the run sent, the ones abandoned under way since included, with what they cost.
 */
export function breakerWithRunRequests(
  error: BreakerError,
  requests: RequestTally & { failedCostUsd: number | null },
): BreakerError {
  const [label, counts] = requestTallyRows(requests)[0]!;
  const told = new BreakerError(`${error.message}. In all, ${label}: ${counts}`, {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.url === undefined ? {} : { url: error.url }),
    ...(error.billedUsage === undefined ? {} : { billedUsage: error.billedUsage }),
    cause: error.cause,
  });
  told.stack = error.stack;
  return told;
}

export interface RequestLedger {
  /** Wraps the model that sends: every call through it is a request that reached the server. */
  wrap(model: ChatModel): ChatModel;
  tally(): RequestTally;
}

/**
 * Counts every request sent, answered or failed, with the tokens of the failures that are billed,
 * and breaks the run: once `breakAfter` requests in a row failed the same way (see `FailureKind`),
 * or were answered without an answer the caller could use (`GenerateRequest.usable`), the last of
 * them and every call after it fail with a fatal `BreakerError` naming the failure and the count,
 * so that no retry, split or re-ask sends into the same wall. Errors raised before a
 * request is sent (an abort, a bad request caught locally) are not requests and count nowhere. An
 * attempt the scheduler timed out (its signal aborted with the timeout's `ApiCallError`) was sent
 * and got no reply: it counts as a failure of that kind, unbilled, as no usage came back. A request
 * the adapter had sent (`GenerateRequest.onSent`) when its signal aborted otherwise, as the run
 * stopped, is counted at the abort, before the run reports anything: sent, failed and billed
 * (`RequestTally.abandoned`).
 */
export function createRequestLedger(options: { breakAfter?: number } = {}): RequestLedger {
  const breakAfter = options.breakAfter ?? defaultBreakAfter;
  const tally: RequestTally = {
    sent: 0,
    answered: 0,
    failed: 0,
    billedFailed: 0,
    abandoned: 0,
    inputTokens: 0,
    outputTokens: 0,
    failedInputTokens: 0,
    failedOutputTokens: 0,
    countedLocally: 0,
    failures: { refused: 0, 'server-error': 0, 'unusable-reply': 0, 'no-reply': 0 },
  };
  let streak: FailureStreak = { kind: undefined, length: 0 };
  let broken: BreakerError | undefined;
  const countAbandoned = (request: GenerateRequest) => {
    tally.sent += 1;
    tally.failed += 1;
    tally.failures['no-reply'] += 1;
    tally.billedFailed += 1;
    tally.abandoned += 1;
    tally.failedInputTokens += countMessageTokens(request.messages);
    tally.countedLocally += 1;
  };
  /** The error to throw for `error`, the request that tripped the breaker; every later call gets it too. */
  const trip = (error: ApiCallError): BreakerError => {
    broken = breakerError(streak, error, tally);
    // The request that tripped the breaker was billed like any other: the cap above counts it.
    return error.billedUsage === undefined ? broken : breakerError(streak, error, tally, error.billedUsage);
  };
  /** Counts a request that failed; returns what to throw: its error, or the breaker's. */
  const failed = (request: GenerateRequest, caught: unknown): unknown => {
    // A timed-out attempt reaches here as whatever the adapter made of the abort.
    const error = isAttemptTimeout(request.signal?.reason) ? request.signal.reason : caught;
    // Not sent: an abort, a request refused locally, an address where nothing listens.
    if (!ApiCallError.isInstance(error) || (error.isFatal && error.status === undefined)) return caught;
    const kind = failureKind(error);
    countFailure(tally, error, kind);
    streak = nextStreak(streak, kind);
    return broken !== undefined || streak.length < breakAfter ? error : trip(error);
  };
  /**
   * Counts a reply; one that held no answer (`GenerateRequest.usable`) and ends the row at
   * `breakAfter` is not handed on but thrown as the breaker's error, billed: the run stops on it.
   */
  const answered = (modelId: string, request: GenerateRequest, result: GenerateResult) => {
    const usable = request.usable?.(result) !== false;
    // A reply cut off at the output limit before any answer neither ends a row nor adds to it: the
    // engine asks its items again in halves, which may fit.
    const outcome = usable ? 'answered' : result.finishReason === 'length' ? undefined : 'no-answer';
    streak = nextStreak(streak, outcome);
    if (outcome === 'no-answer' && broken === undefined && streak.length >= breakAfter) {
      const error = noAnswerError(modelId, result);
      countFailure(tally, error, failureKind(error));
      throw trip(error);
    }
    tally.sent += 1;
    tally.answered += 1;
    tally.inputTokens += result.usage.inputTokens;
    tally.outputTokens += result.usage.outputTokens;
    if (result.usage.estimated === true) tally.countedLocally += 1;
    return result;
  };
  return {
    tally: () => ({ ...tally, failures: { ...tally.failures } }),
    wrap(model) {
      return wrapChatModel(model, {
        async generate(request, next) {
          if (broken !== undefined) throw broken;
          const sending = watchSending(request, () => countAbandoned(request));
          let result: GenerateResult;
          try {
            result = await next(sending.request);
          } catch (caught) {
            throw sending.abandoned() ? caught : failed(request, caught);
          } finally {
            sending.release();
          }
          // Counted when it was abandoned: the run that gave it up reads no reply of it.
          return sending.abandoned() ? result : answered(model.id, request, result);
        },
      });
    },
  };
}

/** Counts a request that failed, with the tokens billed for it. */
function countFailure(tally: RequestTally, error: ApiCallError, kind: FailureKind | undefined): void {
  tally.sent += 1;
  tally.failed += 1;
  if (kind !== undefined) tally.failures[kind] += 1;
  if (error.billedUsage === undefined) return;
  tally.billedFailed += 1;
  tally.failedInputTokens += error.billedUsage.inputTokens;
  tally.failedOutputTokens += error.billedUsage.outputTokens;
  if (error.billedUsage.estimated === true) tally.countedLocally += 1;
}

/** A reply without an answer as the failure it is once it trips the breaker: a success status, billed. */
function noAnswerError(modelId: string, result: GenerateResult): ApiCallError {
  const opening = result.text.trim().slice(0, 60);
  return new ApiCallError(
    `${modelId}: no answer in the reply (${opening === '' ? 'it was empty' : `it began ${JSON.stringify(opening)}`})`,
    { status: 200, billedUsage: result.usage },
  );
}

/**
 * The request as handed to the adapter, noting when it leaves for the server, and a listener on its
 * signal that calls `onAbandoned` at once if it aborts after that: the run that stopped reads the
 * ledger as soon as the abort has spread, before the request's own error arrives. A timed-out
 * attempt is counted when its error arrives, as a timeout.
 */
function watchSending(
  request: GenerateRequest,
  onAbandoned: () => void,
): { request: GenerateRequest; abandoned: () => boolean; release: () => void } {
  const signal = request.signal;
  let sent = false;
  let abandoned = false;
  const onAbort = () => {
    if (!sent || abandoned || isAttemptTimeout(signal?.reason)) return;
    abandoned = true;
    onAbandoned();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    request: {
      ...request,
      onSent: () => {
        sent = true;
        request.onSent?.();
      },
    },
    abandoned: () => abandoned,
    release: () => signal?.removeEventListener('abort', onAbort),
  };
}
