import type { ChatModel, FinishReason, GenerateRequest, GenerateResult, Usage } from '../spec/chat-model.js';
import { AbortError, StoreError } from '../spec/errors.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import { assertNoSecrets } from './assert-no-secrets.js';
import { cacheKey } from './cache-key.js';
import type { Store } from './open-store.js';
import type { CachedReply } from './response-cache.js';
import { toStoreError } from './to-store-error.js';

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
  /** Called when a cached reply fails its checksum; the request is then sent again. */
  onDamaged?: (key: string) => void;
}

export interface CacheStats {
  hits: number;
  /** Requests sent to the model: cache misses, damaged entries included. */
  misses: number;
  /** Cached replies that failed their checksum and were asked again. */
  damaged: number;
}

export type CachedChatModel = ChatModel & {
  stats(): CacheStats;
  /** Replies paid for that the store could not take (disk full, read-only...), held in memory. */
  heldReplies(): number;
  /** Calls sent to the model whose reply has not come back yet. */
  callsInFlight(): number;
  /**
   * Writes the held replies to the store; true when none is left held. Once it succeeds the model
   * takes calls again; until then every `generate` throws the store's error without calling.
   */
  writeHeldReplies(): boolean;
  /**
   * The store error that stopped calls, until the held replies are written. A gate beneath the
   * scheduler reads it, so that a call queued before the failure is not sent after it.
   */
  storeFailure(): StoreError | undefined;
};

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
  const { runId, settingsKey, enabled = true, onCall, onDamaged } = options;
  assertNoSecrets(model.id, 'model.id');
  assertNoSecrets(settingsKey, 'settingsKey');
  const stats: CacheStats = { hits: 0, misses: 0, damaged: 0 };
  const held: { key: string; result: GenerateResult }[] = [];
  let inFlight = 0;
  // Set by the first store operation that fails; cleared once the held replies are written.
  let storeFailure: StoreError | undefined;

  /** A store operation whose SQLite error becomes a `StoreError` that stops further calls. */
  function withStore<T>(action: 'read' | 'write', operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      const converted = toStoreError(error, { file: store.file, directory: store.directory, action });
      if (StoreError.isInstance(converted)) storeFailure ??= converted;
      throw converted;
    }
  }

  // One transaction: a reply in the cache, its call marked finished and its claim released, or
  // none of them; a process waiting on the claim then finds the reply.
  function commit(key: string, result: GenerateResult): void {
    store.database.transaction(() => {
      if (enabled && cacheableFinishReasons.has(result.finishReason)) {
        store.responses.put(key, result, { modelId: model.id });
      }
      if (runId !== undefined) {
        store.journal.recordCallFinished(runId, key, { ...usageCounts(result.usage), cached: false });
      }
      if (enabled) store.claims.release(key);
    })();
  }

  function replay(key: string, stored: CachedReply): GenerateResult {
    stats.hits += 1;
    if (runId !== undefined) {
      withStore('write', () =>
        store.journal.recordCallFinished(runId, key, { ...usageCounts(stored.usage), cached: true }),
      );
    }
    onCall?.({ cached: true, key, usage: stored.usage });
    return { ...stored, cached: true };
  }

  /**
   * Another live process has this request in flight: waits for its reply (polling the cache)
   * rather than paying a second time. Returns that reply, or undefined once the claim is this
   * process's (the other failed, or died) and it must ask itself.
   */
  async function waitForClaim(
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<CachedReply | undefined> {
    for (;;) {
      await sleep(claimPollMs, signal);
      const found = withStore('read', () => store.responses.lookup(key));
      if (found.status === 'hit') return found.reply;
      if (withStore('write', () => store.claims.claim(key)).status === 'claimed') return landedMeanwhile(key);
    }
  }

  /**
   * Just claimed: the holder before may have stored its reply and let go of the key between this
   * process's lookup and its claim (two statements, each in its own transaction), so the cache is
   * read once more; a reply found there is replayed and the claim given back rather than paid again.
   */
  function landedMeanwhile(key: string): CachedReply | undefined {
    const found = withStore('read', () => store.responses.lookup(key));
    if (found.status !== 'hit') return undefined;
    withStore('write', () => store.claims.release(key));
    return found.reply;
  }

  async function generate(request: GenerateRequest): Promise<GenerateResult> {
    request.signal?.throwIfAborted();
    // A store that cannot take replies means every further call would be paid and then lost.
    if (storeFailure) throw storeFailure;
    const key = requestCacheKey(model.id, request, settingsKey);

    if (enabled) {
      const found = withStore('read', () => store.responses.lookup(key));
      if (found.status === 'hit') return replay(key, found.reply);
      if (found.status === 'damaged') {
        stats.damaged += 1;
        onDamaged?.(key);
      }
      // Claimed synchronously when free, so a call is journaled as started before any await.
      const answered =
        withStore('write', () => store.claims.claim(key)).status === 'held'
          ? await waitForClaim(key, request.signal)
          : landedMeanwhile(key);
      if (answered !== undefined) return replay(key, answered);
    }

    // Journaled before sending: if the process dies while the call is in flight, the journal shows
    // a call that was (probably) paid for and never answered.
    if (runId !== undefined) {
      try {
        withStore('write', () => store.journal.recordCallStarted(runId, key));
      } catch (error) {
        // Never sent: the claim goes back (if the store still takes that), or another process
        // sharing the store would wait on it for nothing.
        if (enabled) ignoreFailure(() => store.claims.release(key));
        throw error;
      }
    }
    stats.misses += 1;
    let result: GenerateResult;
    inFlight += 1;
    try {
      result = await model.generate(request);
    } catch (error) {
      inFlight -= 1;
      if (enabled) withStore('write', () => store.claims.release(key));
      // Stopped at the gate beneath the scheduler (see `storeFailure`): never sent, so not a call.
      // The scheduler does not retry a StoreError, so it arrives here as the gate threw it.
      if (StoreError.isInstance(error)) stats.misses -= 1;
      if (runId !== undefined) withStore('write', () => store.journal.recordCallFailed(runId, key));
      throw error;
    }
    inFlight -= 1;

    try {
      withStore('write', () => commit(key, result));
    } catch (error) {
      // Paid for and not stored: held until the store takes it (`writeHeldReplies`), and the
      // engine stops the run on this error instead of recording the items failed.
      if (StoreError.isInstance(error)) held.push({ key, result });
      throw error;
    }
    onCall?.({ cached: false, key, usage: result.usage });
    return result;
  }

  function writeHeldReplies(): boolean {
    while (held.length > 0) {
      const next = held[0]!;
      try {
        commit(next.key, next.result);
      } catch {
        return false;
      }
      held.shift();
    }
    storeFailure = undefined;
    return true;
  }

  return {
    ...wrapChatModel(model, { generate }),
    stats: () => ({ ...stats }),
    heldReplies: () => held.length,
    callsInFlight: () => inFlight,
    writeHeldReplies,
    storeFailure: () => storeFailure,
  };
}

/**
 * The key under which the response cache keeps the reply to `request` from the model `modelId`; a
 * job queue beneath the cache names its jobs by it, so the two agree on what is the same call.
 */
export function requestCacheKey(modelId: string, request: GenerateRequest, settingsKey?: string): string {
  return cacheKey({ modelId, settings: requestSettings(request, settingsKey), messages: request.messages });
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

/** How often a request waiting on another process's claim looks for its reply. */
const claimPollMs = 100;

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(
        new AbortError('The call was aborted while waiting for another process', { cause: signal.reason }),
      );
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(
        new AbortError('The call was aborted while waiting for another process', { cause: signal?.reason }),
      );
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function usageCounts(usage: Usage): { inputTokens: number; outputTokens: number } {
  return { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
}

function ignoreFailure(operation: () => void): void {
  try {
    operation();
  } catch {
    // The error that matters is the one already being thrown.
  }
}
