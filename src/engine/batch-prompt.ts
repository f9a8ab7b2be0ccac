import { setMaxListeners } from 'node:events';
import { answersMatch } from '../parse/answers-match.js';
import { type Answer, normalizeAnswer } from '../parse/normalize-answer.js';
import { parseReply } from '../parse/parse-reply.js';
import { type OutputFormat, renderBatch, renderItem } from '../prompt/render-batch.js';
import type { ChatModel } from '../spec/chat-model.js';
import { countMessageTokens, countTokens } from '../spec/count-tokens.js';
import { AbortError, BatchPromptError, isAbortError, StoreError } from '../spec/errors.js';
import type { Task } from '../task/task-schema.js';
import { AdaptiveRun } from './adaptive-run.js';
import { assessSettlement } from './assess-settlement.js';
import { firstWindowSize } from './first-window-size.js';
import type { ItemState } from './item-state.js';
import { packBatches } from './pack-batches.js';
import { permutationSchemes } from './permutation-schemes.js';
import { failedCallPlan, failureCause, reaskPlan } from './reask-plan.js';
import { strategyOfRun } from './resolve-strategy.js';
import { RunAccounts } from './run-accounts.js';
import { type IndexedCall, runAdaptiveWindow } from './run-adaptive-window.js';
import { batchTag, hashSeed, shuffled } from './seeded-random.js';
import { shouldStop } from './stop-condition.js';
import { stoppingRules } from './stopping-rules.js';
import type {
  BatchPromptOptions,
  CallRecord,
  Item,
  ItemResult,
  ResolvedStrategy,
  RunSummary,
} from './types.js';
import { decideVote } from './vote.js';

class RunContext {
  readonly startedAt = Date.now();
  readonly accounts = new RunAccounts();
  /** Set when the endpoint refused the run: no call starts after it, and the run throws it. */
  fatalError: BatchPromptError | undefined;
  /** Aborts the calls still waiting or in flight: on the caller's abort, or on a fatal error. */
  readonly #calls = new AbortController();
  readonly #onCallerAbort = () => this.#calls.abort(this.options.signal?.reason);
  readonly #tokensPerAnswer = new Map<OutputFormat, number>();
  readonly adaptive: AdaptiveRun;

  constructor(
    readonly options: BatchPromptOptions,
    readonly strategy: ResolvedStrategy,
  ) {
    this.adaptive = new AdaptiveRun(strategy);
    // Every call waiting for a scheduler slot listens on this signal until it starts; a long queue
    // is expected and its listeners go when the calls do, so Node's leak warning at 10 is noise.
    setMaxListeners(0, this.#calls.signal);
    if (options.signal?.aborted) this.#calls.abort(options.signal.reason);
    else options.signal?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  /** The signal every call of the run is made with. */
  get callSignal(): AbortSignal {
    return this.#calls.signal;
  }

  /** Stops the run for good: later calls are not made, waiting ones are abandoned. */
  stop(error: BatchPromptError): BatchPromptError {
    this.fatalError ??= error;
    this.#calls.abort(this.fatalError);
    return this.fatalError;
  }

  dispose(): void {
    this.options.signal?.removeEventListener('abort', this.#onCallerAbort);
  }

  /** The output cap per answer in a format (a re-ask may change the format). */
  tokensPerAnswer(format: OutputFormat): number {
    let tokens = this.#tokensPerAnswer.get(format);
    if (tokens === undefined) {
      tokens = estimateTokensPerAnswer(this.options.task, format);
      this.#tokensPerAnswer.set(format, tokens);
    }
    return tokens;
  }

  /** Prompt tokens of a round-1 call besides its items, measured on a one-item batch. */
  fixedTokensPerCall(sample: ItemState | undefined): number {
    if (sample === undefined) return 0;
    const rendered = renderBatch(this.task, [sample.item], {
      format: this.strategy.format,
      tag: 'abcd',
      includeExamples: this.strategy.examples !== 'none',
    });
    return Math.max(0, countMessageTokens(rendered.messages) - sample.tokens);
  }

  get task(): Task {
    return this.options.task;
  }

  get model(): ChatModel {
    return this.options.model;
  }

  recordCall(call: CallRecord, replayed: boolean): void {
    this.accounts.call(call, replayed);
    this.options.onCall?.(call);
    this.reportProgress();
  }

  reportProgress(): void {
    this.options.onProgress?.(this.accounts.progress(this.strategy.rounds, this.options.itemsTotal));
  }

  /** Counts items whose final answer is known, and tells the progress listener. */
  settle(items: number): void {
    if (this.accounts.settled(items)) this.reportProgress();
  }

  /** A round starts being asked: progress shows it from its first call on. */
  enterRound(round: number): void {
    if (this.accounts.enteredRound(round)) this.reportProgress();
  }

  throwIfAborted(): void {
    if (this.options.signal?.aborted)
      throw new AbortError('The run was aborted', { cause: this.options.signal.reason });
    if (this.fatalError) throw this.fatalError;
  }

  summary(): RunSummary & {
    replayedCalls: number;
    replayedInputTokens: number;
    replayedOutputTokens: number;
  } {
    return {
      model: this.model.id,
      simulated: this.model.simulated,
      task: this.task.name,
      strategy: this.strategy,
      ...this.accounts.totals(),
      ...(this.strategy.earlyStop === 'adaptive' ? { adaptive: structuredClone(this.adaptive.summary) } : {}),
      wallMs: Date.now() - this.startedAt,
    };
  }
}

/**
 * Output tokens allowed per item for its worked solution, on top of its answer line. GSM8K's
 * reference solutions take 76 tokens on average (o200k), 184 at the 99th percentile and 235 at
 * most; models write somewhat more than the references, and the simulator's solutions take 40 to
 * 160 (see BENCHMARKS.md). 320 leaves room for the long tail; a block past it is cut off and its
 * item re-asked.
 */
export const reasoningTokensPerItem = 320;

/**
 * The output cap per answer. It is sized for the wordier `Input 12 (code): label (unsure)` that
 * models often write instead of the compact line asked for, so a model that adds those words is
 * not cut off; the cap is a ceiling, and only the tokens really generated are paid for. A task
 * with reasoning adds the worked solution's allowance and its block header.
 */
function estimateTokensPerAnswer(task: Task, format: 'lines' | 'json'): number {
  const longest =
    task.answer.type === 'labels'
      ? task.answer.labels.reduce(
          (best, label) => (label.value.length > best.length ? label.value : best),
          '',
        )
      : task.answer.type === 'number'
        ? '-1234567.89'
        : 'word '.repeat(task.answer.maxWords);
  const line =
    format === 'json'
      ? `{"id": 9999, "code": "abcd", "answer": ${JSON.stringify(longest)}, "confident": false},`
      : `Input 9999 (abcd): ${longest} (unsure)`;
  const reasoning = task.reasoning
    ? countTokens(format === 'json' ? '"reasoning": "",' : 'Reasoning 9999 (abcd):\n\n') +
      reasoningTokensPerItem
    : 0;
  return countTokens(line) + 2 + reasoning;
}

function halves<T>(entries: readonly T[]): T[][] {
  const middle = Math.ceil(entries.length / 2);
  return [entries.slice(0, middle), entries.slice(middle)].filter((half) => half.length > 0);
}

/**
 * Waits for every task, then rethrows the first failure. Unlike `Promise.all`, nothing is still
 * running when the run stops: a reply already paid for reaches the cache before the store closes.
 */
async function settleAll(tasks: readonly Promise<unknown>[]): Promise<void> {
  const outcomes = await Promise.allSettled(tasks);
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** How one attempt is asked: the run's format at first, and what a re-ask changes. */
interface AttemptShape {
  format: OutputFormat;
  /** Why the last reply was not usable, shown to the model in a re-ask. */
  reaskReason?: string;
}

async function askBatch(
  context: RunContext,
  batch: ItemState[],
  round: number,
  attempt: number,
  path: string,
  shape: AttemptShape = { format: context.strategy.format },
): Promise<void> {
  context.throwIfAborted();
  const { strategy, task } = context;
  const batchIdentity = [strategy.seed, path, round, attempt, ...batch.map((state) => state.item.id)];
  const secret = context.options.tagSecret;
  const tag =
    secret === undefined ? batchTag(...batchIdentity) : batchTag('secret', secret, ...batchIdentity);
  const includeExamples =
    strategy.examples === 'every-call' || (strategy.examples === 'first-round' && round === 1);
  const rendered = renderBatch(
    task,
    batch.map((state) => state.item),
    {
      format: shape.format,
      tag,
      includeExamples,
      ...(shape.reaskReason === undefined ? {} : { reaskReason: shape.reaskReason }),
    },
  );
  const canRetry = attempt < strategy.maxReasks;

  let reply: Awaited<ReturnType<ChatModel['generate']>>;
  try {
    reply = await context.model.generate({
      messages: rendered.messages,
      responseFormat: rendered.responseFormat,
      maxOutputTokens: rendered.expectedCount * context.tokensPerAnswer(shape.format) + 48,
      temperature: strategy.temperature,
      seed: strategy.seed,
      signal: context.callSignal,
    });
  } catch (error) {
    // Another call stopped the run: this one was abandoned with it.
    if (context.fatalError) throw context.fatalError;
    if (context.options.signal?.aborted || isAbortError(error)) {
      throw new AbortError('The run was aborted', { cause: error });
    }
    // The store could not keep a reply: the model call did not fail, so no item is marked failed;
    // the run stops before paying for more.
    const cause = failureCause(error);
    if (StoreError.isInstance(cause)) throw cause;
    const action = failedCallPlan({ error, batchSize: batch.length, attempt, maxReasks: strategy.maxReasks });
    // A refused key, a missing model or a closed port fails every call alike, and so does a model
    // that says the run's input is wrong (the simulator given no gold answer): the run stops
    // rather than record each item failed, split the batch and ask again in every round.
    if (action === 'stop') {
      throw context.stop(
        BatchPromptError.isInstance(cause) ? cause : new BatchPromptError(describeError(cause), { cause }),
      );
    }
    const reason = describeError(error);
    context.recordCall(
      {
        round,
        attempt,
        items: batch.length,
        inputTokens: 0,
        outputTokens: 0,
        cachedInputTokens: 0,
        estimated: false,
        finishReason: 'failed',
        error: reason,
      },
      false,
    );
    if (action === 'split' || action === 'again') {
      const parts = action === 'split' ? halves(batch) : [batch];
      await settleAll(
        parts.map((part, index) =>
          askBatch(context, part, round, attempt + 1, `${path}/${index}`, { format: shape.format }),
        ),
      );
      return;
    }
    for (const state of batch) {
      state.callFailed = true;
      state.problems.push(`round ${round}: call failed: ${reason}`);
    }
    return;
  }

  context.recordCall(
    {
      round,
      attempt,
      items: batch.length,
      inputTokens: reply.usage.inputTokens,
      outputTokens: reply.usage.outputTokens,
      cachedInputTokens: reply.usage.cachedInputTokens ?? 0,
      estimated: reply.usage.estimated ?? false,
      finishReason: reply.finishReason,
    },
    reply.cached ?? false,
  );

  const parsed = parseReply(task, reply.text, {
    format: rendered.format,
    expectedCount: rendered.expectedCount,
    tag,
    reasoning: task.reasoning,
    truncated: reply.finishReason === 'length',
  });
  const missing: ItemState[] = [];
  const problemByIndex = new Map(parsed.problems.map((problem) => [problem.index, problem]));
  batch.forEach((state, position) => {
    const answer = parsed.answers[position];
    if (answer) {
      const reasoning = parsed.reasoning?.get(position);
      state.votes.push({
        round,
        answer: answer.answer,
        confident: answer.confident,
        position,
        batchSize: batch.length,
        ...(reasoning === undefined ? {} : { reasoning }),
        batch: tag,
      });
    } else {
      missing.push(state);
      if (!canRetry) {
        const problem = problemByIndex.get(position);
        const truncated = reply.finishReason === 'length' ? ' (reply cut off at the output limit)' : '';
        state.problems.push(
          `round ${round}: ${problem?.kind ?? 'missing'}: ${problem?.detail ?? 'no answer'}${truncated}`,
        );
      }
    }
  });
  // Re-ask only the items that got no usable answer, and never with the prompt that just failed.
  const plan = reaskPlan({
    batchSize: batch.length,
    missing: missing.length,
    format: shape.format,
    issue: parsed.issue,
    truncated: reply.finishReason === 'length',
    attempt,
    maxReasks: strategy.maxReasks,
    supportsJsonSchema: context.model.supportsJsonSchema,
  });
  if (plan === undefined) return;
  const parts = plan.parts === 2 ? halves(missing) : [missing];
  const next: AttemptShape = { format: plan.format, reaskReason: plan.reason };
  await settleAll(
    parts.map((part, index) => askBatch(context, part, round, attempt + 1, `${path}/${index}`, next)),
  );
}

/** Packs `order` into the calls of one round: by item count and tokens, later rounds balanced by position. */
function packRound(
  context: RunContext,
  order: readonly ItemState[],
  round: number,
  batchSize: number,
): ItemState[][] {
  const { strategy } = context;
  const packed = packBatches(order, {
    batchSize,
    maxBatchTokens: strategy.maxBatchTokens,
    tokensOf: (state) => state.tokens,
  });
  return round > 1 ? permutationSchemes[strategy.permutation](packed) : packed;
}

/**
 * Asks packed calls of `round`; the call at place `firstIndex + i` of its round gets the batch
 * code of that place. `label` keeps the batch codes of differently packed asks of the same round
 * apart (the plain rounds use none, so their codes are those of earlier versions).
 */
/** Asks packed calls of a round, each with its place among the round's calls (its batch code). */
async function askCalls(
  context: RunContext,
  windowIndex: number,
  calls: readonly IndexedCall[],
  round: number,
  label: string,
): Promise<void> {
  context.enterRound(round);
  await settleAll(
    calls.map((call) => askBatch(context, call.batch, round, 0, `${windowIndex}.${label}${call.index}`)),
  );
}

async function askPacked(
  context: RunContext,
  windowIndex: number,
  batches: readonly ItemState[][],
  round: number,
  firstIndex: number,
  label: string,
): Promise<void> {
  const calls = batches.map((batch, position) => ({ batch, index: firstIndex + position }));
  await askCalls(context, windowIndex, calls, round, label);
}

/** Asks every item of `order` once in `round`, packed at `batchSize`. */
async function askRound(
  context: RunContext,
  windowIndex: number,
  order: readonly ItemState[],
  round: number,
  batchSize: number,
): Promise<void> {
  await askPacked(context, windowIndex, packRound(context, order, round, batchSize), round, 0, '');
}

async function runWindow(
  context: RunContext,
  windowIndex: number,
  states: ItemState[],
): Promise<ItemResult[]> {
  const { strategy } = context;
  if (strategy.earlyStop === 'adaptive') {
    let settledHere = 0;
    await runAdaptiveWindow({
      windowIndex,
      states,
      strategy,
      run: context.adaptive,
      rounds: {
        pack: (order, round, batchSize) => packRound(context, order, round, batchSize),
        askPacked: (batches, round, firstIndex, label) =>
          askPacked(context, windowIndex, batches, round, firstIndex, label),
        askIndexed: (calls, round, label) => askCalls(context, windowIndex, calls, round, label),
        started: (round, items) => context.accounts.roundStarted(round, items),
        stopped: (round, items) => {
          context.accounts.stopped(round, items);
          const leaving = Math.min(Math.max(0, items), states.length - settledHere);
          settledHere += leaving;
          context.settle(leaving);
        },
        throwIfAborted: () => context.throwIfAborted(),
        fixedTokensPerCall: context.fixedTokensPerCall(states[0]),
        tokensPerAnswer: context.tokensPerAnswer(strategy.format),
        itemsAfterWindow:
          context.options.itemsTotal !== undefined
            ? Math.max(0, context.options.itemsTotal - (states[0]?.index ?? 0) - states.length)
            : states.length === strategy.windowSize
              ? strategy.windowSize
              : 0,
      },
    });
    context.settle(states.length - settledHere);
    return states.map((state) => finishItem(context, state));
  }
  const conditions = stoppingRules[strategy.earlyStop](strategy);
  let active = states;
  for (let round = 1; round <= strategy.rounds && active.length > 0; round += 1) {
    context.throwIfAborted();
    const order = round === 1 ? active : shuffled(active, hashSeed(strategy.seed, windowIndex, round));
    context.accounts.roundStarted(round, active.length);
    await askRound(context, windowIndex, order, round, strategy.batchSize);
    for (const state of active) state.rounds += 1;
    // The last round ends the loop anyway: only what stops an item early is counted as stopped.
    if (round < strategy.rounds) {
      const remaining = active.filter((state) => !shouldStop(conditions, { votes: state.votes, round }));
      context.accounts.stopped(round, active.length - remaining.length);
      context.settle(active.length - remaining.length);
      active = remaining;
    }
  }
  // The items still active went through the last round.
  context.settle(active.length);
  return states.map((state) => finishItem(context, state));
}

function finishItem(context: RunContext, state: ItemState): ItemResult {
  const outcome = decideVote(state.votes, context.strategy.voting);
  const status = outcome ? 'answered' : state.callFailed ? 'failed' : 'unanswered';
  const result: ItemResult = {
    index: state.index,
    id: state.item.id,
    answer: outcome?.answer ?? null,
    confidence: outcome ? Math.round(outcome.confidence * 1000) / 1000 : null,
    tally: outcome?.tally ?? {},
    ...assessSettlement(state.votes, context.strategy.voting),
    votes: state.votes,
    status,
    rounds: state.rounds,
  };
  if (!outcome) result.error = state.problems.join('; ') || 'no answer';
  else {
    // The worked solution behind the final answer: the earliest vote that gave it.
    const reasoning = state.votes.find((vote) => vote.answer === outcome.answer)?.reasoning;
    if (reasoning !== undefined) result.reasoning = reasoning;
  }
  if (state.item.gold !== undefined && state.item.gold !== null) {
    const gold: Answer | null = normalizeAnswer(context.task, state.item.gold) ?? null;
    result.gold = gold;
    result.correct = answersMatch(context.task, outcome?.answer, gold);
  }
  context.accounts.finished(result);
  return result;
}

async function* windowsOf(
  items: Iterable<Item> | AsyncIterable<Item>,
  size: number,
  firstSize = size,
): AsyncGenerator<Item[]> {
  let window: Item[] = [];
  let limit = firstSize;
  for await (const item of items) {
    window.push(item);
    if (window.length >= limit) {
      yield window;
      window = [];
      limit = size;
    }
  }
  if (window.length > 0) yield window;
}

export interface BatchPromptStream extends AsyncIterable<ItemResult> {
  /** The summary so far; complete once the results have been read to the end. */
  summary(): RunSummary & {
    replayedCalls: number;
    replayedInputTokens: number;
    replayedOutputTokens: number;
  };
  readonly strategy: ResolvedStrategy;
}

/**
 * Answers every item, yielding results in input order as windows of items finish. Memory stays
 * bounded by `windowSize` times the windows in flight (two), whatever the input's length.
 */
export function streamBatchPrompt(options: BatchPromptOptions): BatchPromptStream {
  const strategy = strategyOfRun(options);
  const context = new RunContext(options, strategy);
  const windowsInFlight = 2;

  async function* results(): AsyncGenerator<ItemResult> {
    const pending: Promise<ItemResult[]>[] = [];
    let nextIndex = 0;
    let windowIndex = 0;
    try {
      const firstWindow = firstWindowSize(strategy);
      for await (const window of windowsOf(options.items, strategy.windowSize, firstWindow)) {
        context.throwIfAborted();
        const states: ItemState[] = window.map((item) => {
          const index = nextIndex;
          nextIndex += 1;
          return {
            index,
            item,
            tokens: countTokens(renderItem(options.task, item, 0, 'abcd')),
            votes: [],
            problems: [],
            callFailed: false,
            rounds: 0,
          };
        });
        const running = runWindow(context, windowIndex, states);
        // Keep the rejection observed until its turn comes, so an abort is not reported twice.
        running.catch(() => {});
        pending.push(running);
        windowIndex += 1;
        while (pending.length >= windowsInFlight) {
          const finished = await pending.shift()!;
          context.reportProgress();
          yield* finished;
        }
      }
      while (pending.length > 0) {
        const finished = await pending.shift()!;
        context.reportProgress();
        yield* finished;
      }
    } finally {
      await Promise.allSettled(pending);
      context.dispose();
    }
  }

  return {
    [Symbol.asyncIterator]: () => results(),
    summary: () => context.summary(),
    strategy,
  };
}

/** Answers every item and returns all results, in input order, with the run's summary. */
export async function batchPrompt(
  options: BatchPromptOptions,
): Promise<{ results: ItemResult[]; summary: ReturnType<BatchPromptStream['summary']> }> {
  const stream = streamBatchPrompt(options);
  const results: ItemResult[] = [];
  for await (const result of stream) results.push(result);
  return { results, summary: stream.summary() };
}
