import type { ChatModel, FinishReason, GenerateRequest, GenerateResult, Usage } from '../spec/chat-model.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import { assertNoSecrets } from './assert-no-secrets.js';
import { cacheKey } from './cache-key.js';
import type { Store } from './open-store.js';

export interface CallEvent {
  /** True when the reply came from the response cache: no tokens were paid for. */
  cached: boolean;
  /** The request's cache key, as journaled. */
  key: string;
  /** Usage of the reply; for a cached reply, the usage stored when it was first paid for. */
  usage: Usage;
}

export interface CachedModelOptions {
  /** Journal every call under this run. Without it nothing is journaled (the cache still works). */
  runId?: string;
  /**
   * Mixed into every key. Lets a caller keep replies apart that the request alone would not: a
   * prompt-template version, or a sample number when the same request is asked several times at
   * a temperature above 0 and each answer should be drawn afresh.
   */
  settingsKey?: string;
  /** Read and write the response cache. When false, every call goes to the model (and is journaled). @default true */
  enabled?: boolean;
  /** Called once per successful `generate`, after the reply has been committed. */
  onCall?: (event: CallEvent) => void;
}

export interface CacheStats {
  hits: number;
  misses: number;
}

export type CachedChatModel = ChatModel & { stats(): CacheStats };

/**
 * Replies that are worth replaying. An error or a filtered reply may not happen the next time, so
 * it is asked again rather than frozen in the cache.
 */
const cacheableFinishReasons: ReadonlySet<FinishReason> = new Set(['stop', 'length']);

/**
 * Wraps a model with the response cache and the run journal. A request seen before (same model id,
 * settings and messages) is answered from the cache without calling the model, marked `cached: true`
 * with the usage stored when it was paid for; a new one is
 * journaled as started, sent, and its reply committed to SQLite before `generate` resolves, so that
 * a kill at any later moment cannot lose a reply that was paid for.
 */
export function cachedModel(
  model: ChatModel,
  store: Store,
  options: CachedModelOptions = {},
): CachedChatModel {
  const { runId, settingsKey, enabled = true, onCall } = options;
  assertNoSecrets(model.id, 'model.id');
  assertNoSecrets(settingsKey, 'settingsKey');
  const stats: CacheStats = { hits: 0, misses: 0 };

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    request.signal?.throwIfAborted();
    const key = cacheKey({
      modelId: model.id,
      settings: requestSettings(request, settingsKey),
      messages: request.messages,
    });

    if (enabled) {
      const stored = store.responses.get(key);
      if (stored !== undefined) {
        stats.hits += 1;
        if (runId !== undefined) {
          store.journal.recordCallFinished(runId, key, { ...usageCounts(stored.usage), cached: true });
        }
        onCall?.({ cached: true, key, usage: stored.usage });
        return { ...stored, cached: true };
      }
    }

    stats.misses += 1;
    // Journaled before sending: if the process dies while the call is in flight, the journal shows
    // a call that was (probably) paid for and never answered.
    if (runId !== undefined) store.journal.recordCallStarted(runId, key);
    let result: GenerateResult;
    try {
      result = await model.generate(request);
    } catch (error) {
      if (runId !== undefined) store.journal.recordCallFailed(runId, key);
      throw error;
    }

    // One transaction: a reply in the cache and its call marked finished, or neither.
    store.database.transaction(() => {
      if (enabled && cacheableFinishReasons.has(result.finishReason)) {
        store.responses.put(key, result, { modelId: model.id });
      }
      if (runId !== undefined) {
        store.journal.recordCallFinished(runId, key, { ...usageCounts(result.usage), cached: false });
      }
    })();
    onCall?.({ cached: false, key, usage: result.usage });
    return result;
  }

  return { ...wrapChatModel(model, { generate }), stats: () => ({ ...stats }) };
}

/**
 * The parts of a request besides its messages that change the reply. Defaults are filled in as the
 * `ChatModel` contract documents them, so that leaving `temperature` out and passing 0 share a key.
 * `signal` is left out: it changes whether a reply arrives, not what it says.
 */
function requestSettings(request: GenerateRequest, settingsKey: string | undefined): Record<string, unknown> {
  return {
    responseFormat: request.responseFormat ?? { type: 'text' },
    maxOutputTokens: request.maxOutputTokens,
    temperature: request.temperature ?? 0,
    seed: request.seed,
    settingsKey,
  };
}

function usageCounts(usage: Usage): { inputTokens: number; outputTokens: number } {
  return { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
}
