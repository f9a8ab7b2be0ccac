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
   */
  refused?: { wouldReachUsd: number; inFlight: number };
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
  let refused: SpendingCapState['refused'];
  let told = false;
  const inFlight = createInFlightCount();
  const state = (): SpendingCapState => ({
    budgetUsd: options.budgetUsd,
    spentUsd,
    calls,
    ...(refused === undefined ? {} : { refused }),
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
            refused ??= { wouldReachUsd: spentUsd + reservedUsd + worstCase, inFlight: inFlight.count() };
            if (options.waitForCallsInFlight !== false) await inFlight.settled(request.signal);
            if (!told) {
              told = true;
              options.onExceeded(state());
            }
            throw new AbortError(`the call would pass the budget of $${options.budgetUsd}`);
          }
          reservedUsd += worstCase;
          inFlight.add(1);
          const pay = (usage: Usage) => {
            calls += 1;
            // Prompt-cache reads and writes at their own rates, as the provider bills them.
            spentUsd += costOfUsage(options.price, usage) ?? 0;
          };
          try {
            const result = await next(request);
            pay(result.usage);
            return result;
          } catch (error) {
            // A reply the server sent but that could not be used is billed all the same.
            if (ApiCallError.isInstance(error) && error.billedUsage !== undefined) pay(error.billedUsage);
            throw error;
          } finally {
            reservedUsd -= worstCase;
            inFlight.add(-1);
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
