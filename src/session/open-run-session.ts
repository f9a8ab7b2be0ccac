import type { ResolvedStrategy } from '../engine/types.js';
import { batchPriceOf, defaultPrices, type ModelPrice, priceOf } from '../plan/price-table.js';
import { createSpendingCap, type SpendingCap, type SpendingCapState } from '../plan/spending-cap.js';
import type { OutputFormat } from '../prompt/render-batch.js';
import { parseModelUri, parseWithProvider } from '../providers/model-uri.js';
import { simulatorItems } from '../source/read-source.js';
import type { ChatModel } from '../spec/chat-model.js';
import { InputError, type StoreError } from '../spec/errors.js';
import { wrapChatModel } from '../spec/wrap-chat-model.js';
import { createModelStack, type ModelStack, type ModelStackOptions } from '../stack/create-model-stack.js';
import type { Store } from '../store/open-store.js';
import { runFingerprint } from '../store/run-fingerprint.js';
import type { Task } from '../task/task-schema.js';
import { claimJournalRun, type JournalRun } from './claim-journal-run.js';
import { keepPaidReplies } from './keep-paid-replies.js';
import { type PipelineOutcome, type PipelineSinks, runPipeline } from './run-pipeline.js';
import { RunStop, type RunStopReason, runStopReason } from './run-stop.js';
import type { SelectedSource } from './select-source.js';
import { storeTagSecret } from './store-tag-secret.js';

/** The model stack's own settings a session passes on: scheduling, endpoint, batch API, events. */
export type SessionStackOptions = Omit<
  ModelStackOptions,
  'uri' | 'task' | 'store' | 'runId' | 'wrapPaidCalls' | 'knownItems' | 'simUnknownItems' | 'seed'
>;

export interface RunSessionOptions {
  task: Task;
  /** The rows to answer, as `selectSource` chose and scanned them. */
  selected: SelectedSource;
  /** A model URI: `sim[:profile]`, `openai:<model>`, `anthropic:<model>`, ... */
  model: string;
  /** The model stack's other settings (scheduling, `baseUrl`, `batchApi`, `cache`, events). */
  stack?: SessionStackOptions;
  /** The response cache and run journal; without it nothing is cached or journaled. */
  store?: Store;
  /**
   * Journal the run in `store`, so that the same call after a crash or a kill takes the run up
   * where it stopped (its replies come from the cache at no cost). The task, the data file, the
   * model, `strategy` and `identity` name the run; `resume` picks one by id.
   */
  journal?: {
    strategy: ResolvedStrategy<OutputFormat | 'auto'>;
    /** Whatever else makes two runs different (field mapping, a trial's row choice...). */
    identity?: Record<string, unknown>;
    resume?: string;
  };
  /**
   * Stop before a call could take the cost past this many dollars. The calls then in flight are
   * let finish (paid either way): their replies are kept, their cost counted in `spent`.
   */
  maxCostUsd?: number;
  /**
   * Prices by model id, in dollars per million tokens. The simulated model (`sim`) bills nothing:
   * its calls are priced only by an entry given here for it, never by the built-in table's
   * planning price (which `plan` shows). @default the built-in table
   */
  prices?: Record<string, ModelPrice>;
  /** Seed of the simulated model. @default 0 */
  seed?: number;
  /** Batch codes from a random secret kept in the store folder (see `tagSecret`). */
  secretTags?: boolean;
  /** Stops the runs; they end with a `RunStop` of kind `interrupted`, or this signal's own. */
  signal?: AbortSignal;
  /** Hears what the session has to say that is not an error: a run held by another process... */
  onNote?: (text: string) => void;
}

export interface RunSession {
  readonly task: Task;
  readonly selected: SelectedSource;
  /** The journal's run, with `journal`. */
  readonly runId: string | undefined;
  /** An unfinished run of the same command was taken up. */
  readonly resumed: boolean;
  /** The model the runs call: response cache, scheduler, adapter. */
  readonly model: ChatModel;
  /** The adapter alone: its id and capabilities. */
  readonly base: ChatModel;
  /** The price the calls are paid at (the batch rate with the batch API); none if unknown. */
  readonly price: ModelPrice | undefined;
  /** Aborted when the runs stop early: by the budget, a batch job, or the caller. */
  readonly signal: AbortSignal;
  readonly stack: ModelStack;
  /** Why the runs stopped early, once they did. */
  stopReason(): RunStopReason | undefined;
  /** What the calls cost so far against `maxCostUsd`. */
  spent(): SpendingCapState | undefined;
  /** Prompt-cache reads of the calls paid for in this session. */
  paidCachedInputTokens(): number;
  /** Input tokens the calls paid for in this session wrote to the provider's prompt cache. */
  paidCacheWriteTokens(): number;
  /** Cached replies that failed their checksum and were asked again. */
  damagedReplies(): number;
  /** Streams the rows through the engine under one strategy, each result to the sinks in input order. */
  run(strategy: ResolvedStrategy<OutputFormat | 'auto'>, sinks?: PipelineSinks): Promise<PipelineOutcome>;
  /** Marks the journal's run completed, with the totals that describe it. */
  finish(totals: unknown): void;
  /**
   * After the store failed: lets the calls in flight end and keeps trying to store their replies
   * for a few minutes; returns the error to end with, saying what was kept.
   */
  keepPaidReplies(error: StoreError): Promise<StoreError>;
  /** Stops the model stack and gives up the run's lock. */
  close(): void;
}

/**
 * A run over a data file with everything around it: the model stack opened once (the simulated
 * model learns the gold answers in the same pass that checks each row has one), the price and the
 * spending cap, and with `journal` a run of the store's journal that a killed process resumes by
 * making the same call again. Nothing is sent before `run`.
 */
export async function openRunSession(options: RunSessionOptions): Promise<RunSession> {
  const { task, selected, store } = options;
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(new RunStop({ kind: 'interrupted' }));
  if (options.signal?.aborted) onCallerAbort();
  else options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const stop = (reason: RunStopReason) => {
    if (!controller.signal.aborted) controller.abort(new RunStop(reason));
  };
  const journalRun = claimRun(options);
  let stack: ModelStack | undefined;
  try {
    let cap: SpendingCap | undefined;
    let damagedReplies = 0;
    let paidCachedInputTokens = 0;
    let paidCacheWriteTokens = 0;
    const { batchApi, onEvent, ...stackOptions } = options.stack ?? {};
    stack = await createModelStack({
      ...stackOptions,
      uri: options.model,
      task,
      // The cap is priced by the model's id, known once the stack is built; no call is made before.
      wrapPaidCalls: (model) => {
        let paid: ChatModel | undefined;
        return wrapChatModel(model, {
          generate: (request) => {
            paid ??= cap === undefined ? model : cap.wrap(model);
            return paid.generate(request);
          },
        });
      },
      // Gold answers for the simulated model, checked and learned in one pass over the file.
      knownItems: () => simulatorItems(selected.source, controller.signal),
      simUnknownItems: 'refuse',
      seed: options.seed ?? 0,
      ...(store === undefined ? {} : { store }),
      ...(journalRun === undefined ? {} : { runId: journalRun.runId }),
      ...(batchApi === undefined ? {} : { batchApi: { ...batchApi, signal: controller.signal } }),
      onEvent: (event) => {
        if (event.type === 'reply' && !event.cached) {
          paidCachedInputTokens += event.usage.cachedInputTokens ?? 0;
          paidCacheWriteTokens += event.usage.cacheWriteTokens ?? 0;
        } else if (event.type === 'damaged-reply') damagedReplies += 1;
        else if (event.type === 'job-detached') stop({ kind: 'detached', jobId: event.job.jobId });
        else if (event.type === 'job-cancelled') stop({ kind: 'cancelled', jobId: event.job.jobId });
        onEvent?.(event);
      },
    });
    const { base } = stack;
    const priced = sessionPricing(options, base.id, batchApi !== undefined, (state) =>
      stop({ kind: 'budget', state }),
    );
    cap = priced.cap;
    const { price } = priced;
    journalRun?.begin({
      task: task.name,
      data: selected.source.file,
      model: base.id,
      strategy: options.journal?.strategy,
    });
    const tagSecret =
      options.secretTags && store !== undefined ? { tagSecret: storeTagSecret(store.directory) } : {};
    const opened = stack;
    return {
      task,
      selected,
      runId: journalRun?.runId,
      resumed: journalRun?.resumed ?? false,
      model: stack.model,
      base,
      price,
      signal: controller.signal,
      stack,
      stopReason: () => runStopReason(controller.signal),
      spent: () => cap?.state(),
      paidCachedInputTokens: () => paidCachedInputTokens,
      paidCacheWriteTokens: () => paidCacheWriteTokens,
      damagedReplies: () => damagedReplies,
      run: (strategy, sinks) =>
        runPipeline({
          task,
          selected,
          strategy,
          model: opened.model,
          signal: controller.signal,
          ...tagSecret,
          ...(sinks === undefined ? {} : { sinks }),
        }),
      finish: (totals) => journalRun?.finish(totals),
      keepPaidReplies: (error) =>
        keepPaidReplies(error, opened, options.signal ?? new AbortController().signal, options.onNote),
      close() {
        opened.close();
        journalRun?.release();
        options.signal?.removeEventListener('abort', onCallerAbort);
      },
    };
  } catch (error) {
    stack?.close();
    journalRun?.release();
    options.signal?.removeEventListener('abort', onCallerAbort);
    throw error;
  }
}

/** With `journal`: the run this call takes up, or a new one; named by the command's inputs. */
function claimRun(options: RunSessionOptions): JournalRun | undefined {
  const { journal, store } = options;
  if (journal === undefined) return undefined;
  if (store === undefined) throw new InputError('a journaled run needs a store', { field: 'store' });
  const fingerprint = runFingerprint({
    task: options.task,
    dataFile: options.selected.identity,
    // The model as named: the stack that would tell its id is opened under the run.
    modelId: parseModelUri(options.model).uri,
    strategy: { ...journal.strategy, ...journal.identity },
  });
  return claimJournalRun(store, {
    fingerprint,
    ...(journal.resume === undefined ? {} : { resume: journal.resume }),
    ...(options.onNote === undefined ? {} : { onNote: options.onNote }),
  });
}

/** The price the session's calls are paid at (the batch rate with a batch API), and its spending cap. */
function sessionPricing(
  options: RunSessionOptions,
  modelId: string,
  batchApi: boolean,
  onExceeded: (state: SpendingCapState) => void,
): { price: ModelPrice | undefined; cap: SpendingCap | undefined } {
  const simulator = parseWithProvider(options.model).provider.simulator === true;
  const listPrice = sessionPrice(options.prices, modelId, simulator);
  const price = batchApi ? batchPriceOf(listPrice, modelId) : listPrice;
  const cap = spendingCap(
    options.maxCostUsd,
    modelId,
    price,
    { simulator, waitForCallsInFlight: !batchApi },
    onExceeded,
  );
  return { price, cap };
}

/**
 * The price the calls of `modelId` are paid at. The in-process simulated model bills nothing: the
 * built-in table prices its profiles as the models they imitate for `plan` to read, and a run
 * prints such a planning price as if it were billed; so a simulated run is priced only by a price
 * given for it (`--prices`: an entry of its own, a different object from the built-in one).
 */
function sessionPrice(
  prices: Record<string, ModelPrice> | undefined,
  modelId: string,
  simulator: boolean,
): ModelPrice | undefined {
  const price = priceOf(prices ?? defaultPrices, modelId);
  if (!simulator) return price;
  return price === priceOf(defaultPrices, modelId) ? undefined : price;
}

/**
 * The spending cap `maxCostUsd` sets, or none without it. Refused, before any call, for a model
 * the price table does not know: a budget that cannot be counted would stop nothing.
 */
function spendingCap(
  maxCostUsd: number | undefined,
  modelId: string,
  price: ModelPrice | undefined,
  model: { simulator: boolean; waitForCallsInFlight: boolean },
  onExceeded: (state: SpendingCapState) => void,
): SpendingCap | undefined {
  if (maxCostUsd === undefined) return undefined;
  if (price === undefined) {
    const why = model.simulator ? ' (the simulated model bills nothing)' : '';
    throw new InputError(
      `--max-cost needs a price for \`${modelId}\`${why}; give one with --prices file.json ({ "${modelId}": { "input": 2.5, "output": 10 } }, dollars per million tokens)`,
      { field: 'max-cost' },
    );
  }
  const { waitForCallsInFlight } = model;
  return createSpendingCap({ budgetUsd: maxCostUsd, price, onExceeded, waitForCallsInFlight });
}
