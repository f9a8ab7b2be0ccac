import type { ChatModel, Usage } from '../spec/chat-model.js';
import { countMessageTokens } from '../spec/count-tokens.js';
import { AbortError, ApiCallError } from '../spec/errors.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import { costOfUsage, costUsd, type TierPrice } from './price-table.js';

/** Where a capped run stood when it stopped. */
export interface SpendingCapState {
  budgetUsd: number;
  /** Dollars of the requests sent: those answered and the failures that were billed. */
  spentUsd: number;
  /** Requests paid for: answered, or failed with a body that was billed (see `ApiCallError.billedUsage`). */
  calls: number;
  /**
   * Set once a call was refused: the worst-case cost it would have brought the total to, and the
   * requests then in flight (let finish, and counted in `calls` and `spentUsd` once back).
   * `unsubmitted`, for a cap that does not wait for them (a batch API): how many of those had not
   * left for the provider (`GenerateRequest.onSent`) when the state was read; a batch API gathers a
   * round's calls into one job, and a run stopped before the job went drops them, sent nowhere and
   * paid for by nobody.
   */
  refused?: { wouldReachUsd: number; inFlight: number; unsubmitted?: number };
}

export interface SpendingCap {
  /** Wraps the model whose calls are paid for (below the response cache: a cache hit costs nothing). */
  wrap(model: ChatModel): ChatModel;
  state(): SpendingCapState;
}

/**
 * A budget for the calls that reach the provider. Before each call its worst case is priced (its
 * prompt tokens counted with o200k, and its full output allowance at the output price); when that,
 * with what is spent and what the calls in flight may still cost, would pass the budget, the call
 * is not made, nor any after it. The requests already sent are paid for whatever happens next, so
 * the refused call waits until they are back (their replies reach the response cache above, and a
 * resumed run does not pay for them again) before `onExceeded` is told, once, so the caller can
 * stop the run; `waitForCallsInFlight: false` tells it at once (a batch API's jobs are journaled
 * and collected by the resumed run). A completed call is counted at its real usage, and so is a
 * failed one that was billed (a success status with a body that could not be used).
 */
export function createSpendingCap(options: {
  budgetUsd: number;
  price: TierPrice;
  onExceeded: (state: SpendingCapState) => void;
  /** @default true */
  waitForCallsInFlight?: boolean;
}): SpendingCap {
  let spentUsd = 0;
  let reservedUsd = 0;
  let calls = 0;
  let refused: { wouldReachUsd: number; inFlight: number } | undefined;
  let told = false;
  const inFlight = createInFlightCount();
  const waits = options.waitForCallsInFlight !== false;
  /** The calls in flight, each noting whether it left for the provider; those at the refusal. */
  const sending = new Set<{ sent: boolean }>();
  let inFlightAtRefusal: { sent: boolean }[] = [];
  const state = (): SpendingCapState => ({
    budgetUsd: options.budgetUsd,
    spentUsd,
    calls,
    ...(refused === undefined
      ? {}
      : {
          refused: waits
            ? refused
            : { ...refused, unsubmitted: inFlightAtRefusal.filter((call) => !call.sent).length },
        }),
  });
  return {
    state,
    wrap(model) {
      return wrapChatModel(model, {
        async generate(request, next) {
          // At worst the whole prompt is written to the provider's prompt cache, which may cost
          // more than input (Anthropic's writes: 1.25x online, 2x for a batch job's 1-hour cache).
          const promptTokens = countMessageTokens(request.messages);
          const output = request.maxOutputTokens ?? 0;
          const worstCase = Math.max(
            costUsd(options.price, promptTokens, output) ?? 0,
            costUsd(options.price, promptTokens, output, 0, promptTokens) ?? 0,
          );
          if (refused !== undefined || spentUsd + reservedUsd + worstCase > options.budgetUsd) {
            if (refused === undefined) {
              refused = { wouldReachUsd: spentUsd + reservedUsd + worstCase, inFlight: inFlight.count() };
              inFlightAtRefusal = [...sending];
            }
            if (waits) await inFlight.settled(request.signal);
            if (!told) {
              told = true;
              options.onExceeded(state());
            }
            throw new AbortError(`the call would pass the budget of $${options.budgetUsd}`);
          }
          reservedUsd += worstCase;
          inFlight.add(1);
          const call = { sent: false };
          sending.add(call);
          const pay = (usage: Usage) => {
            calls += 1;
            // Prompt-cache reads and writes at their own rates, as the provider bills them.
            spentUsd += costOfUsage(options.price, usage) ?? 0;
          };
          try {
            const result = await next({
              ...request,
              onSent: () => {
                call.sent = true;
                request.onSent?.();
              },
            });
            pay(result.usage);
            return result;
          } catch (error) {
            // A reply the server sent but that could not be used is billed all the same.
            if (ApiCallError.isInstance(error) && error.billedUsage !== undefined) pay(error.billedUsage);
            throw error;
          } finally {
            reservedUsd -= worstCase;
            inFlight.add(-1);
            sending.delete(call);
          }
        },
      });
    },
  };
}

/** The requests in flight, and a wait until there are none (or until `signal` aborts). */
function createInFlightCount() {
  let count = 0;
  let waiting: (() => void)[] = [];
  return {
    count: () => count,
    add(change: number) {
      count += change;
      if (count > 0) return;
      const wake = waiting;
      waiting = [];
      for (const resolve of wake) resolve();
    },
    settled(signal: AbortSignal | undefined): Promise<void> {
      if (count === 0 || signal?.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        const onAbort = () => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    },
  };
}
