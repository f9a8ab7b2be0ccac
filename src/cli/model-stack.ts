import { createModel } from '../models/create-model.js';
import { isSimulatorEndpoint } from '../models/detect-simulator.js';
import type { SchedulerEvent } from '../runtime/resolve-scheduler-options.js';
import { scheduleModel } from '../runtime/schedule-model.js';
import { createScheduler, type Scheduler } from '../runtime/scheduler.js';
import { createSimModel } from '../sim/create-sim-model.js';
import { isSimProfileName, simProfileNames } from '../sim/profiles.js';
import type { ChatModel } from '../spec/chat-model.js';
import { InputError } from '../spec/errors.js';
import { cachedModel } from '../store/cached-model.js';
import type { Store } from '../store/open-store.js';
import type { Task } from '../task/task-schema.js';

export interface ModelStackOptions {
  uri: string;
  baseUrl?: string;
  task: Task;
  /** The data set the simulated model knows (gold answers); read only for `sim` models. */
  simItems?: () => Iterable<{ fields: Readonly<Record<string, string>>; gold?: unknown }>;
  seed?: number;
  simLatencyMs?: number;
  concurrency?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  timeoutMs?: number;
  maxRetries?: number;
  onSchedulerEvent?: (event: SchedulerEvent) => void;
  store?: Store;
  runId?: string;
  /** Read and write the response cache. @default true */
  cache?: boolean;
  /** The endpoint is batchprompt's simulator server: label everything the model does simulated. */
  simulatedEndpoint?: boolean;
}

export interface ModelStack {
  /** The model as the engine uses it: cache, then scheduler, then the adapter. */
  model: ChatModel;
  base: ChatModel;
  scheduler: Scheduler;
  cacheStats: () => { hits: number; misses: number };
}

/** The same model, marked simulated: its replies come from the simulator behind an HTTP API. */
function labelSimulated(model: ChatModel): ChatModel {
  return {
    id: model.id,
    simulated: true,
    supportsJsonSchema: model.supportsJsonSchema,
    generate: (request) => model.generate(request),
  };
}

/** Asks an OpenAI-compatible endpoint whether it is the simulator; false for every other model. */
export async function detectSimulatedEndpoint(uri: string, baseUrl: string | undefined): Promise<boolean> {
  const provider = uri.split(':', 1)[0];
  if (baseUrl === undefined || (provider !== 'openai-compatible' && provider !== 'ollama')) return false;
  return isSimulatorEndpoint(baseUrl);
}

/**
 * The model the commands use: the adapter for the URI, under the scheduler (rate limits, retries,
 * timeouts), under the response cache, so cache hits never wait for a rate limit.
 */
export function buildModelStack(options: ModelStackOptions): ModelStack {
  const adapter = createModel(options.uri, {
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    simFactory: (profile) => {
      const name = profile ?? 'gpt-4';
      if (!isSimProfileName(name)) {
        throw new InputError(
          `unknown simulated profile \`${name}\`; the profiles are ${simProfileNames.join(', ')}`,
          {
            field: 'model',
          },
        );
      }
      return createSimModel({
        profile: name,
        task: options.task,
        items: options.simItems?.() ?? [],
        seed: options.seed ?? 0,
        latencyMs: options.simLatencyMs ?? 0,
      });
    },
  });
  const base = options.simulatedEndpoint ? labelSimulated(adapter) : adapter;
  const scheduler = createScheduler({
    concurrency: options.concurrency ?? (base.simulated && !options.simLatencyMs ? 64 : 8),
    ...(options.requestsPerMinute === undefined ? {} : { requestsPerMinute: options.requestsPerMinute }),
    ...(options.tokensPerMinute === undefined ? {} : { tokensPerMinute: options.tokensPerMinute }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.onSchedulerEvent ? { onEvent: options.onSchedulerEvent } : {}),
  });
  const scheduled = scheduleModel(base, scheduler);
  if (!options.store)
    return { model: scheduled, base, scheduler, cacheStats: () => ({ hits: 0, misses: 0 }) };
  const cached = cachedModel(scheduled, options.store, {
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    enabled: options.cache ?? true,
  });
  return { model: cached, base, scheduler, cacheStats: () => cached.stats() };
}
