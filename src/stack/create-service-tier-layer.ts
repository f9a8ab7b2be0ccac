import { delay } from '../runtime/delay.js';
import { computeRetryDelay } from '../runtime/retry-delay.js';
import type { ChatModel, GenerateResult, ServiceTierName } from '../spec/chat-model.js';
import { ApiCallError, RetryError } from '../spec/errors.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import {
  defaultServiceTierPolicy,
  nextTierStep,
  type ServiceTierMode,
  type ServiceTierPolicy,
  type TierStep,
} from './next-tier-step.js';

/** The calls that ran in one tier and their tokens, as the provider counted them. */
export interface TierAccount {
  calls: number;
  inputTokens: number;
  /** Prompt-cache reads, a part of `inputTokens`. */
  cachedInputTokens: number;
  outputTokens: number;
}

export interface ServiceTierStats {
  /**
   * The paid calls by the tier they ran in: the provider's word where its reply says (`flex`,
   * `standard`, or another), else the tier asked for. A provider may serve a call in another tier
   * than the one asked (OpenAI runs a model without flex processing in its default tier).
   */
  byTier: Record<string, TierAccount>;
  /** 429s to calls asked in flex. */
  refusals: number;
  /** Calls sent in standard after flex refused them (`auto`). */
  fallbacks: number;
  /** Pauses of the policy's `waitMs` before flex was asked again (`flex`). */
  waits: number;
}

/** Flex refused a call; `next` is what follows. */
export interface ServiceTierEvent {
  type: 'tier-refused';
  modelId: string;
  /** This call's refusals in a row so far. */
  refusals: number;
  next: TierStep;
}

export interface ServiceTierModelOptions {
  mode: ServiceTierMode;
  policy?: Partial<Omit<ServiceTierPolicy, 'mode'>>;
  /** @default a timer that an abort ends */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onEvent?: (event: ServiceTierEvent) => void;
}

export interface ServiceTierLayer {
  wrap(model: ChatModel): ChatModel;
  stats(): ServiceTierStats;
}

/**
 * A flex refusal: a 429 to a call asked in flex, as the adapter passes it on (not retried), or
 * after the scheduler's retries where an adapter left it retryable.
 */
function refusalOf(error: unknown): ApiCallError | undefined {
  const last = RetryError.isInstance(error) ? error.lastError : error;
  return ApiCallError.isInstance(last) && last.status === 429 ? last : undefined;
}

/**
 * The `service-tier` layer of the model stack (see `stackLayerOrder`): asks every call in flex
 * (`flex`, `auto`) or in the provider's standard tier, meets flex refusals with the steps
 * `nextTierStep` gives (backoff, then a wait or standard), and counts each paid call under the
 * tier it ran in, so that it is priced at that tier's rate.
 */
export function createServiceTierLayer(options: ServiceTierModelOptions): ServiceTierLayer {
  const sleep = options.sleep ?? delay;
  const stats: ServiceTierStats = { byTier: {}, refusals: 0, fallbacks: 0, waits: 0 };
  const policy: ServiceTierPolicy | undefined =
    options.mode === 'standard'
      ? undefined
      : { ...defaultServiceTierPolicy, ...options.policy, mode: options.mode };

  function record(result: GenerateResult, asked: ServiceTierName): void {
    const tier = result.serviceTier ?? asked;
    const account = stats.byTier[tier] ?? { calls: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
    stats.byTier[tier] = account;
    account.calls += 1;
    account.inputTokens += result.usage.inputTokens;
    account.cachedInputTokens += result.usage.cachedInputTokens ?? 0;
    account.outputTokens += result.usage.outputTokens;
  }

  return {
    stats: () => structuredClone(stats),
    wrap: (model) =>
      wrapChatModel(model, {
        async generate(request, next) {
          if (policy === undefined) {
            const result = await next(request);
            record(result, 'standard');
            return result;
          }
          let refusals = 0;
          let step = nextTierStep(policy, refusals);
          for (;;) {
            if (step.reason === 'fallback') stats.fallbacks += 1;
            if (step.reason === 'wait') stats.waits += 1;
            await sleep(step.afterMs, request.signal);
            try {
              const result = await next({ ...request, serviceTier: step.tier });
              record(result, step.tier);
              return result;
            } catch (error) {
              const refusal = step.tier === 'flex' ? refusalOf(error) : undefined;
              if (refusal === undefined) throw error;
              refusals += 1;
              stats.refusals += 1;
              // What the server asks for; no backoff of its own here (initialDelayMs 0).
              const retryAfterMs = computeRetryDelay({ attempt: 1, error: refusal, initialDelayMs: 0 });
              step = nextTierStep(policy, refusals, retryAfterMs);
              options.onEvent?.({ type: 'tier-refused', modelId: model.id, refusals, next: step });
            }
          }
        },
      }),
  };
}
