import { delay } from '../runtime/delay.js';
import { computeRetryDelay } from '../runtime/retry-delay.js';
import { schedulerDefaults } from '../runtime/scheduler-defaults.js';
import type { ChatModel } from '../spec/chat-model.js';
import { ApiCallError, RetryError } from '../spec/errors.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';

/** A retry this layer is about to make, told as the scheduler tells its own. */
export interface BilledRetryEvent {
  type: 'retry';
  modelId: string;
  attempt: number;
  delayMs: number;
  error: unknown;
}

/**
 * The retries of a queued model's billed failures: the workers of a queue leave a reply that was
 * billed but could not be used unretried (`leaveBilledRetriesToRun`), and this layer, in the
 * scheduler's place above the spending cap, asks again, so that the cap prices every attempt
 * before it is sent, as it does for calls sent from this process. Any other failure passes
 * through: the workers retried it already. After `maxRetries` retries the call fails with a
 * `RetryError` holding every attempt's error, as the scheduler's does.
 */
export function retryBilledFailures(
  model: ChatModel,
  options: { maxRetries?: number; onRetry?: (event: BilledRetryEvent) => void; sleep?: typeof delay } = {},
): ChatModel {
  const maxRetries = options.maxRetries ?? schedulerDefaults.maxRetries;
  const sleep = options.sleep ?? delay;
  return wrapChatModel(model, {
    async generate(request, next) {
      const errors: unknown[] = [];
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await next(request);
        } catch (error) {
          const billed =
            ApiCallError.isInstance(error) && error.billedUsage !== undefined && error.isRetryable;
          if (!billed) throw error;
          errors.push(error);
          if (attempt > maxRetries) {
            if (attempt === 1) throw error;
            throw new RetryError(`Call to ${model.id} failed after ${attempt} attempts: ${error.message}`, {
              reason: 'maxRetriesExceeded',
              errors,
            });
          }
          const delayMs = computeRetryDelay({ attempt, error });
          options.onRetry?.({ type: 'retry', modelId: model.id, attempt, delayMs, error });
          await sleep(delayMs, request.signal);
        }
      }
    },
  });
}
