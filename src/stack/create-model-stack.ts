import {
  type BatchApiModelOptions,
  type BatchJobEvent,
  createBatchApiModel,
} from '../jobs/batch-api-model.js';
import type { BatchProvider } from '../jobs/batch-provider.js';
import { createBatchProvider } from '../providers/create-batch-provider.js';
import { createModel } from '../providers/create-model.js';
import { parseWithProvider } from '../providers/model-uri.js';
import { serviceTierHelp } from '../providers/provider-table.js';
import type { QueuedModelOptions, QueueEvent } from '../queue/queued-model.js';
import type { SchedulerEvent } from '../runtime/resolve-scheduler-options.js';
import { scheduleModel } from '../runtime/schedule-model.js';
import { createScheduler, type Scheduler } from '../runtime/scheduler.js';
import type { KnownItem } from '../sim/item-catalog.js';
import type { ChatModel } from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import { type CachedChatModel, type CacheStats, type CallEvent, cachedModel } from '../store/cached-model.js';
import type { JobRecord } from '../store/job-journal.js';
import type { Store } from '../store/open-store.js';
import type { Task } from '../task/task-schema.js';
import {
  createServiceTierLayer,
  type ServiceTierEvent,
  type ServiceTierLayer,
  type ServiceTierModelOptions,
  type ServiceTierStats,
} from './create-service-tier-layer.js';
import type { ServiceTierMode } from './next-tier-step.js';
import { createRequestLedger, type RequestTally } from './request-ledger.js';
import { retryBilledFailures } from './retry-billed-failures.js';
import {
  accessSettings,
  answeredBySimulatorServer,
  detectSimulatedEndpoint,
  simulatedModelFactory,
  simulatorServerKey,
} from './simulated-endpoint.js';
import { type StackLayer, type StackLayerName, stackModel } from './stack-layers.js';

/** Everything the stack reports, told to its one `onEvent`. */
export type ModelStackEvent =
  /** The scheduler held a call back (`wait`), got a 429 (`rate-limited`) or retries (`retry`). */
  | SchedulerEvent
  /** A batch job was submitted, found, checked, ended or followed up (`--batch-api`). */
  | BatchJobEvent
  /** With `batchApi.detach`: the jobs are submitted and the stack stops waiting; end the run. */
  | { type: 'job-detached'; job: JobRecord }
  /** A batch job was cancelled (by `batchprompt jobs cancel` or at the provider); end the run. */
  | { type: 'job-cancelled'; job: JobRecord }
  /** A reply came through the response cache, paid for (`cached: false`) or replayed. */
  | ({ type: 'reply' } & CallEvent)
  /** A cached reply failed its checksum; it is asked again. */
  | { type: 'damaged-reply'; key: string }
  /** A reply's reported usage was implausible and replaced by a local count. */
  | { type: 'usage-replaced'; message: string }
  /** The provider refused a call in the flex tier; the event says what follows (`serviceTier`). */
  | ServiceTierEvent
  /** With `queue`: Redis was reached, lost, found again, or out of reach too long (`queue-*`). */
  | QueueEvent;

/** How the calls of a `--batch-api` run are gathered into jobs and waited for. */
export type BatchApiOptions = Pick<
  BatchApiModelOptions,
  'gatherMs' | 'pollIntervalMs' | 'maxPollIntervalMs' | 'detach' | 'signal'
> & {
  /** The batch endpoint. @default the batch API of the URI's provider (see the provider table) */
  provider?: BatchProvider;
};

/** Where the calls of a `--queue` run go, and how long their results and an outage may last. */
export type QueueOptions = {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string;
} & Pick<QueuedModelOptions, 'keepResultsSeconds' | 'outageTimeoutMs' | 'sweepIntervalMs'>;

export interface ModelStackOptions {
  /** A model URI: `sim[:profile]`, `openai:<model>`, `anthropic:<model>`, `ollama:<model>`, ... */
  uri: string;
  /** Endpoint of the model. @default the provider's (see the provider table) */
  baseUrl?: string;
  /**
   * The provider's API key, for a program that holds it other than in the environment (one key per
   * tenant). Like a key from the environment, it is never written to the store, events or errors.
   * @default the provider's variable: `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, ... (see the provider table)
   */
  apiKey?: string;
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
  /**
   * Requests in a row that may fail the same way (4xx, 5xx, an unusable reply, no reply) before
   * the run stops with a fatal error naming the failure and the count. @default 10
   */
  breakAfter?: number;
  /** The response cache and run journal; without it nothing is cached. */
  store?: Store;
  /** Journal every call under this run (with `store`). */
  runId?: string;
  /** Read and write the response cache. @default true */
  cache?: boolean;
  /**
   * Whether the endpoint is batchprompt's simulator server, whose replies are labelled simulated.
   * @default asked of the endpoint (`GET /models`) when its base URL was chosen by option or
   * environment; false for a provider's own endpoint
   */
  simulatedEndpoint?: boolean;
  /**
   * Send the calls to the provider's batch API instead (`--batch-api`): the batch model replaces
   * the scheduler and the adapter. Needs `store`, which journals the jobs.
   */
  batchApi?: BatchApiOptions;
  /**
   * The provider's service tier for every call: `flex` (cheaper, slower, sometimes refused; waits
   * while refused), `auto` (flex, falling back to standard after a few refusals) or `standard`.
   * `flex` and `auto` need a provider with tiers (see the provider table) and no `batchApi`, and
   * make `timeoutMs` default to 15 minutes. @default the provider's standard tier, no tier layer
   */
  serviceTier?: ServiceTierMode;
  /** The refusals, backoff and wait of `serviceTier` (see `defaultServiceTierPolicy`). */
  serviceTierPolicy?: ServiceTierModelOptions['policy'];
  /**
   * Send the calls as jobs to a BullMQ queue in Redis (`--queue`), answered by `batchprompt worker`
   * processes on any machine: the queued model replaces the scheduler and the adapter (the workers
   * run those), beneath the cache, the spending cap and the store gate, so a cached call never
   * becomes a job and a paid reply is stored once, here. Not with `batchApi`, nor for the
   * in-process simulated model, whose gold answers no worker has.
   */
  queue?: QueueOptions;
  /**
   * Wraps the model where calls are paid for (the `spending-cap` layer, see `stackLayerOrder`):
   * it sees every attempt as it is sent, never a cache hit.
   */
  wrapPaidCalls?: (model: ChatModel) => ChatModel;
  /** Told everything the stack reports (see `ModelStackEvent`). */
  onEvent?: (event: ModelStackEvent) => void;
}

export interface ModelStack {
  /** The model as the engine uses it: the provider's model under the stack's layers. */
  model: ChatModel;
  /** The provider's model alone (its id and capabilities); calls through it skip every layer. */
  base: ChatModel;
  /** The layers over `base`, from the top down. */
  layers: readonly StackLayerName[];
  scheduler: Scheduler;
  cacheStats: () => CacheStats;
  /** Every request sent to the provider by outcome, billed failures with their tokens. */
  requests: () => RequestTally;
  /** The response cache over the model, when there is a store. */
  cache?: CachedChatModel;
  /** With `serviceTier`: the paid calls by the tier they ran in, and the flex refusals. */
  serviceTiers?: () => ServiceTierStats;
  /** Stops what the stack keeps running between calls (the batch model's polling). */
  close: () => void;
}

/** The online adapter of the URI (the simulated model for `sim`), labelled simulated where it is. */
async function onlineModel(options: ModelStackOptions): Promise<ChatModel> {
  const { onEvent } = options;
  const { provider } = parseWithProvider(options.uri);
  const adapter = createModel(options.uri, {
    ...accessSettings(options),
    ...(onEvent === undefined
      ? {}
      : { onWarning: (message) => onEvent({ type: 'usage-replaced', message }) }),
    // Only the simulator reads the data's gold answers: one more pass over the data.
    ...(provider.simulator === true ? { simFactory: await simulatedModelFactory(options) } : {}),
  });
  const simulated = options.simulatedEndpoint ?? (await detectSimulatedEndpoint(options));
  return simulated ? wrapChatModel(adapter, { simulated: true }) : adapter;
}

/** The batch-API model of the URI: its provider's batch endpoint, journaled in the store. */
async function batchModel(options: ModelStackOptions, batchApi: BatchApiOptions) {
  const { store, onEvent } = options;
  if (store === undefined)
    throw new InputError('--batch-api needs a store (--store-dir) to journal its jobs');
  const { provider: given, ...waiting } = batchApi;
  const settings = accessSettings(options);
  const { provider, baseUrl } =
    given === undefined
      ? createBatchProvider(options.uri, settings)
      : { provider: given, baseUrl: options.baseUrl };
  // The online adapter is built for its id and capabilities only: it sends nothing.
  const online = createModel(options.uri, settings);
  return createBatchApiModel({
    ...waiting,
    id: online.id,
    simulated: options.simulatedEndpoint ?? (await detectSimulatedEndpoint(options)),
    supportsJsonSchema: online.supportsJsonSchema,
    provider,
    store,
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(onEvent === undefined
      ? {}
      : {
          onEvent,
          onDetach: (job: JobRecord) => onEvent({ type: 'job-detached', job }),
          onCancelled: (job: JobRecord) => onEvent({ type: 'job-cancelled', job }),
        }),
  });
}

/**
 * The queued model of the URI: its calls become jobs on the model's queue in Redis. The online
 * adapter is built for its id and capabilities only, with no key and an endpoint nothing is sent
 * to: the process that decides the rounds needs no key in its environment.
 */
async function queuedModel(options: ModelStackOptions, queue: QueueOptions) {
  const { provider } = parseWithProvider(options.uri);
  if (provider.simulator === true) {
    throw new InputError(
      'the in-process simulated model cannot answer from a queue (its workers would not have the data); start `batchprompt sim serve` and give the workers --model openai-compatible:sim-gpt-4 --base-url <its url>',
      { field: 'queue' },
    );
  }
  if (options.batchApi !== undefined) {
    throw new InputError('--queue and --batch-api each take the calls elsewhere; choose one', {
      field: 'queue',
    });
  }
  if (options.serviceTier !== undefined && options.serviceTier !== 'standard') {
    throw new InputError(
      `--service-tier ${options.serviceTier} is for calls sent from this process; the workers of --queue send them`,
      { field: 'serviceTier' },
    );
  }
  const { url, ...waiting } = queue;
  const online = createModel(options.uri, {
    baseUrl: options.baseUrl ?? 'http://127.0.0.1:9/v1',
    apiKey: 'not-sent-by-this-process',
    env: {},
  });
  const { onEvent } = options;
  // Loaded only by a run with a queue: BullMQ and its Redis client weigh on every command's start.
  const [{ createQueuedModel }, { parseRedisUrl }] = await Promise.all([
    import('../queue/queued-model.js'),
    import('../queue/open-redis.js'),
  ]);
  return createQueuedModel({
    ...waiting,
    redis: parseRedisUrl(url),
    id: online.id,
    // The endpoint is the workers' to know: asked here only when this process was given one too.
    simulated:
      options.simulatedEndpoint ??
      (options.baseUrl !== undefined && (await detectSimulatedEndpoint(options))),
    supportsJsonSchema: online.supportsJsonSchema,
    reuseResults: options.cache ?? true,
    ...(onEvent === undefined ? {} : { onEvent }),
  });
}

/**
 * The model every command uses, and the one a library user should: the provider's model (the
 * online adapter, the simulated model, or the batch-API model) under the stack's layers, built
 * here in the one order `stackLayerOrder` gives and explains: response cache, scheduler (online
 * only), spending cap, store gate, request ledger.
 */
/**
 * A flex reply can take many minutes (OpenAI advises a 15-minute timeout for flex processing,
 * developers.openai.com/api/docs/guides/flex-processing); the scheduler's 2 minutes would cut it.
 */
const flexTimeoutMs = 15 * 60_000;

/** The service-tier layer `serviceTier` asks for, refused where the provider or a batch API has no tiers. */
function serviceTierLayerOf(options: ModelStackOptions): ServiceTierLayer | undefined {
  const mode = options.serviceTier;
  if (mode === undefined) return undefined;
  if (mode !== 'standard') {
    const { provider } = parseWithProvider(options.uri);
    if (options.batchApi !== undefined) {
      throw new InputError(
        `--service-tier ${mode} is for online calls; --batch-api is priced at the batch rate already: choose one`,
        { field: 'serviceTier' },
      );
    }
    if (provider.serviceTiers === undefined) {
      throw new InputError(
        `--service-tier ${mode} needs a provider with a flex tier (${serviceTierHelp()}); \`${options.uri}\` has none${provider.simulator === true ? ' (the simulator answers flex at `batchprompt sim serve`, with --model openai:<m> --base-url)' : ''}`,
        { field: 'serviceTier' },
      );
    }
  }
  const { onEvent } = options;
  return createServiceTierLayer({
    mode,
    ...(options.serviceTierPolicy === undefined ? {} : { policy: options.serviceTierPolicy }),
    ...(onEvent === undefined ? {} : { onEvent }),
  });
}

export async function createModelStack(options: ModelStackOptions): Promise<ModelStack> {
  const tierLayer = serviceTierLayerOf(options);
  const timeoutMs =
    options.timeoutMs ??
    (tierLayer !== undefined && options.serviceTier !== 'standard' ? flexTimeoutMs : undefined);
  const { store, onEvent, batchApi, queue } = options;
  const batch = batchApi === undefined ? undefined : await batchModel(options, batchApi);
  const queued = queue === undefined ? undefined : await queuedModel(options, queue);
  // A batch API paces its own jobs, and the workers of a queue run their own schedulers.
  const remote = batch ?? queued;
  const base = remote ?? (await onlineModel(options));
  const scheduler = createScheduler({
    // Unused by a batch-API or queued model.
    concurrency:
      remote === undefined ? (options.concurrency ?? (base.simulated && !options.simLatencyMs ? 64 : 8)) : 1,
    ...(options.requestsPerMinute === undefined ? {} : { requestsPerMinute: options.requestsPerMinute }),
    ...(options.tokensPerMinute === undefined ? {} : { tokensPerMinute: options.tokensPerMinute }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(onEvent === undefined ? {} : { onEvent }),
  });
  let cache: CachedChatModel | undefined;
  const layers: StackLayer[] = [];
  if (store !== undefined) {
    layers.push({
      name: 'cache',
      wrap: (model) => {
        cache = cachedModel(model, store, {
          ...(options.runId === undefined ? {} : { runId: options.runId }),
          ...(answeredBySimulatorServer(options.uri, base) ? { settingsKey: simulatorServerKey } : {}),
          enabled: options.cache ?? true,
          ...(onEvent === undefined
            ? {}
            : {
                onDamaged: (key) => onEvent({ type: 'damaged-reply', key }),
                onCall: (call) => onEvent({ type: 'reply', ...call }),
              }),
        });
        return cache;
      },
    });
    layers.push({
      name: 'store-gate',
      wrap: (model) =>
        wrapChatModel(model, {
          generate: (request, next) => {
            const failure = cache?.storeFailure();
            return failure === undefined ? next(request) : Promise.reject(failure);
          },
        }),
    });
  }
  if (remote === undefined)
    layers.push({ name: 'scheduler', wrap: (model) => scheduleModel(model, scheduler) });
  // The workers retry what costs nothing; a billed failure they leave to this process, whose
  // spending cap (beneath this layer) prices every attempt.
  if (queued !== undefined) {
    layers.push({
      name: 'scheduler',
      wrap: (model) =>
        retryBilledFailures(model, {
          ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
          ...(onEvent === undefined ? {} : { onRetry: onEvent }),
        }),
    });
  }
  if (tierLayer !== undefined) layers.push({ name: 'service-tier', wrap: tierLayer.wrap });
  if (options.wrapPaidCalls !== undefined) layers.push({ name: 'spending-cap', wrap: options.wrapPaidCalls });
  const ledger = createRequestLedger(
    options.breakAfter === undefined ? {} : { breakAfter: options.breakAfter },
  );
  layers.push({ name: 'request-ledger', wrap: ledger.wrap });
  const { model, order } = stackModel(base, layers);
  return {
    model,
    base,
    layers: order,
    scheduler,
    cacheStats: () => cache?.stats() ?? { hits: 0, misses: 0, damaged: 0 },
    requests: ledger.tally,
    ...(cache === undefined ? {} : { cache }),
    ...(tierLayer === undefined ? {} : { serviceTiers: tierLayer.stats }),
    close: () => {
      batch?.close();
      void queued?.close();
    },
  };
}
