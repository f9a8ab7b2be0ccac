import { type BatchApiModelOptions, createBatchApiModel } from '../jobs/batch-api-model.js';
import { isSimulatorEndpoint } from '../models/detect-simulator.js';
import { createModel, type SimModelFactory } from '../providers/create-model.js';
import { parseWithProvider } from '../providers/model-uri.js';
import { resolveAccess } from '../providers/provider.js';
import type { SchedulerEvent } from '../runtime/resolve-scheduler-options.js';
import { scheduleModel } from '../runtime/schedule-model.js';
import { createScheduler, type Scheduler } from '../runtime/scheduler.js';
import { createSimModel } from '../sim/create-sim-model.js';
import { createItemCatalog, type KnownItem } from '../sim/item-catalog.js';
import { isSimProfileName, simProfileNames } from '../sim/profiles.js';
import type { ChatModel } from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import {
  type CachedChatModel,
  type CachedModelOptions,
  type CacheStats,
  cachedModel,
} from '../store/cached-model.js';
import type { Store } from '../store/open-store.js';
import type { Task } from '../task/task-schema.js';
import type { BatchApiSetup } from './prepare-batch-api.js';

export interface ModelStackOptions {
  /** A model URI: `sim[:profile]`, `openai:<model>`, `anthropic:<model>`, `ollama:<model>`, ... */
  uri: string;
  /** Endpoint of `openai-compatible:` and `ollama:` models. */
  baseUrl?: string;
  /** The task; the simulated model answers it. */
  task: Task;
  /**
   * The data set with its gold answers, which only the simulated model reads (streamed once, kept
   * as digests and answers, so it may be as large as the run). Not read for any other model.
   */
  knownItems?: () => Iterable<KnownItem> | AsyncIterable<KnownItem>;
  /** Seed of the simulated model. @default 0 */
  seed?: number;
  /** Reply delay of the in-process simulated model, in milliseconds. @default 0 */
  simLatencyMs?: number;
  /** Whether the simulated model guesses or refuses items without a gold answer. @default 'guess' */
  simUnknownItems?: 'guess' | 'refuse';
  /** Calls in flight at once. @default 64 for a simulated model without `simLatencyMs`, else 8 */
  concurrency?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  timeoutMs?: number;
  maxRetries?: number;
  onSchedulerEvent?: (event: SchedulerEvent) => void;
  /** The response cache and run journal; without it nothing is cached. */
  store?: Store;
  /** Journal every call under this run (with `store`). */
  runId?: string;
  /** Read and write the response cache. @default true */
  cache?: boolean;
  /**
   * Whether the endpoint is batchprompt's simulator server, whose replies are labelled simulated.
   * @default asked of the endpoint (`GET /models`) for `openai-compatible:` and `ollama:` models
   * with a `baseUrl`; false for every other model
   */
  simulatedEndpoint?: boolean;
  /** Called when a cached reply fails its checksum (it is asked again). */
  onDamagedReply?: (key: string) => void;
  /** Told when a reply's reported usage is implausible and replaced by a local count. */
  onWarning?: (message: string) => void;
  /** Called once per reply that went through the response cache, paid for or not. */
  onCall?: CachedModelOptions['onCall'];
  /**
   * Send the calls to the provider's batch API instead (`--batch-api`, see `prepareBatchApi`): the
   * batch model replaces the scheduler and adapter, under the response cache. Needs `store`.
   */
  batchApi?: BatchApiSetup &
    Pick<
      BatchApiModelOptions,
      | 'gatherMs'
      | 'pollIntervalMs'
      | 'maxPollIntervalMs'
      | 'detach'
      | 'onDetach'
      | 'onCancelled'
      | 'onEvent'
      | 'signal'
    >;
  /**
   * Wraps the model where calls are paid for: under the response cache (a cache hit reaches no
   * provider) and under the scheduler, so it sees each attempt as it is sent and not the calls
   * still queued for a slot; with `batchApi`, over the batch model. A spending cap goes here.
   */
  wrapPaidCalls?: (model: ChatModel) => ChatModel;
}

export interface ModelStack {
  /** The model as the engine uses it: cache, then scheduler, then the adapter. */
  model: ChatModel;
  /** The adapter alone (its id and capabilities); calls through it skip the cache and the scheduler. */
  base: ChatModel;
  scheduler: Scheduler;
  cacheStats: () => CacheStats;
  /** The response cache over the model, when there is a store. */
  cache?: CachedChatModel;
  /** Stops what the stack keeps running between calls (the batch model's polling). */
  close: () => void;
}

/**
 * Whether the model's endpoint is batchprompt's simulator: asked (`GET /models`) only of an
 * endpoint given by option or environment; a provider's own endpoint never is.
 */
async function detectSimulatedEndpoint(uri: string, baseUrl: string | undefined): Promise<boolean> {
  const { target, provider } = parseWithProvider(uri);
  if (provider.endpoint === undefined) return false;
  const access = resolveAccess(provider, target, baseUrl === undefined ? {} : { baseUrl });
  if (access.ownEndpoint || access.baseUrl === undefined) return false;
  // The URL as given, so that a `user:password@` in it reaches the server as it will for calls.
  return isSimulatorEndpoint(baseUrl ?? access.baseUrl);
}

/** The simulated model's factory, told the data set's gold answers first. */
async function simulatedModelFactory(options: ModelStackOptions): Promise<SimModelFactory> {
  const catalog = createItemCatalog(options.task);
  for await (const item of options.knownItems?.() ?? []) catalog.add(item);
  return (profile) => {
    const name = profile ?? 'gpt-4';
    if (!isSimProfileName(name)) {
      throw new InputError(
        `unknown simulated profile \`${name}\`; the profiles are ${simProfileNames.join(', ')}`,
        { field: 'model' },
      );
    }
    return createSimModel({
      profile: name,
      task: options.task,
      catalog,
      seed: options.seed ?? 0,
      latencyMs: options.simLatencyMs ?? 0,
      unknownItems: options.simUnknownItems ?? 'guess',
    });
  };
}

/**
 * The model every command uses, and the one a library user should: the adapter for the URI (or the
 * simulated model), under the scheduler (concurrency, rate limits, retries, timeouts), under the
 * response cache, so that a cache hit never waits for a rate limit and a retry is never cached.
 */
export async function createModelStack(options: ModelStackOptions): Promise<ModelStack> {
  if (options.batchApi !== undefined) return createBatchStack(options, options.batchApi);
  const { provider } = parseWithProvider(options.uri);
  const adapter = createModel(options.uri, {
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
    // Only the simulator reads the data's gold answers: one more pass over the data.
    ...(provider.simulator === true ? { simFactory: await simulatedModelFactory(options) } : {}),
  });
  const simulatedEndpoint =
    options.simulatedEndpoint ?? (await detectSimulatedEndpoint(options.uri, options.baseUrl));
  const base = simulatedEndpoint ? wrapChatModel(adapter, { simulated: true }) : adapter;
  const scheduler = createScheduler({
    concurrency: options.concurrency ?? (base.simulated && !options.simLatencyMs ? 64 : 8),
    ...(options.requestsPerMinute === undefined ? {} : { requestsPerMinute: options.requestsPerMinute }),
    ...(options.tokensPerMinute === undefined ? {} : { tokensPerMinute: options.tokensPerMinute }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.onSchedulerEvent ? { onEvent: options.onSchedulerEvent } : {}),
  });
  const wrapPaid = (model: ChatModel) => (options.wrapPaidCalls ? options.wrapPaidCalls(model) : model);
  if (!options.store) {
    const scheduled = scheduleModel(wrapPaid(base), scheduler);
    return {
      model: scheduled,
      base,
      scheduler,
      cacheStats: () => ({ hits: 0, misses: 0, damaged: 0 }),
      close: () => {},
    };
  }
  // Beneath the scheduler: a call that waited in its queue while the store failed is not sent,
  // since its reply could not be kept.
  const gated = wrapChatModel(base, {
    generate: (request) => {
      const failure = cached.storeFailure();
      return failure === undefined ? base.generate(request) : Promise.reject(failure);
    },
  });
  const scheduled = scheduleModel(wrapPaid(gated), scheduler);
  const cached: CachedChatModel = cachedModel(scheduled, options.store, {
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    enabled: options.cache ?? true,
    ...(options.onDamagedReply ? { onDamaged: options.onDamagedReply } : {}),
    ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
  });
  return { model: cached, base, scheduler, cacheStats: () => cached.stats(), cache: cached, close: () => {} };
}

/**
 * The stack of a `--batch-api` run: the response cache over the batch model. No scheduler: the
 * provider paces a batch job itself, and a concurrency limit would split a round across jobs.
 */
function createBatchStack(
  options: ModelStackOptions,
  batchApi: NonNullable<ModelStackOptions['batchApi']>,
): ModelStack {
  if (options.store === undefined)
    throw new InputError('--batch-api needs a store (--store-dir) to journal its jobs');
  const { provider, baseUrl, simulated, ...waiting } = batchApi;
  const online = createModel(options.uri, options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl });
  const batchModel = createBatchApiModel({
    ...waiting,
    id: online.id,
    simulated: simulated || (options.simulatedEndpoint ?? false),
    supportsJsonSchema: online.supportsJsonSchema,
    provider,
    store: options.store,
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
  const paid = options.wrapPaidCalls ? options.wrapPaidCalls(batchModel) : batchModel;
  const cached: CachedChatModel = cachedModel(paid, options.store, {
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    enabled: options.cache ?? true,
    ...(options.onDamagedReply ? { onDamaged: options.onDamagedReply } : {}),
    ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
  });
  return {
    model: cached,
    base: batchModel,
    scheduler: createScheduler({ concurrency: 1 }),
    cacheStats: () => cached.stats(),
    cache: cached,
    close: () => batchModel.close(),
  };
}
